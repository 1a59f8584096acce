// Module Web Worker: boots the self-hosted Pyodide, loads the calculator wheel (registered in the site's
// Pyodide lock file with its sha256), and answers the page's messages through calculator.browser:
//   {id, request}            the form's fields as typed -> the engine's JSON (handle)
//   {id, kind: "import", bytes, name}   a file's bytes -> the records it holds (import_file)
//   {id, kind: "export", records}       the form's records -> CSV text (export_file)
// What a cell or a file means is Python's to say; this worker only passes bytes and text along.
// Nothing leaves the browser: every file comes from this site's origin.
import { loadPyodide } from "./pyodide/pyodide.mjs";

const indexURL = new URL("./pyodide/", import.meta.url).href;
const post = (message) => self.postMessage(message);

async function boot() {
  post({ type: "progress", stage: "runtime" });
  // `packages`: the calculator wheel is fetched while Pyodide boots, not after.
  const pyodide = await loadPyodide({ indexURL, packages: ["calculator"], stdout: () => {}, stderr: () => {} });
  post({ type: "progress", stage: "package" });
  const failures = [];
  // Already loaded (a no-op then); its callbacks report a wheel that failed to load.
  await pyodide.loadPackage("calculator", { messageCallback: () => {}, errorCallback: (m) => failures.push(m) });
  // loadPackage does not throw when a package fails to load: prove that the import works.
  pyodide.runPython("from calculator.browser import handle, import_file, export_file");
  if (failures.length) throw new Error(failures.join("; "));
  const get = (name) => pyodide.globals.get(name);
  return { handle: get("handle"), import: get("import_file"), export: get("export_file") };
}

const ready = boot().then(
  (api) => {
    post({ type: "ready" });
    return api;
  },
  (error) => {
    post({ type: "failed", message: String(error && error.message ? error.message : error).slice(0, 300) });
    return null;
  },
);

const FAILED = {
  undefined: { ok: false, errors: [{ field: "", message: "计算器内部错误，请刷新后重试" }] },
  import: { ok: false, message: "导入时出现内部错误，文件没有导入" },
  export: { ok: false, message: "导出时出现内部错误" },
};

self.onmessage = async (event) => {
  const { id, kind, request } = event.data;
  const api = await ready;
  if (!api) {
    if (kind) post({ type: "response", id, kind, response: FAILED[kind] }); // the page waits for an answer
    return;
  }
  let response;
  try {
    if (kind === "import") response = JSON.parse(api.import(new Uint8Array(event.data.bytes), event.data.name));
    else if (kind === "export") response = JSON.parse(api.export(JSON.stringify(event.data.records)));
    else response = JSON.parse(api.handle(JSON.stringify(request)));
  } catch (error) {
    response = FAILED[kind];
  }
  post({ type: "response", id, kind, response });
};
