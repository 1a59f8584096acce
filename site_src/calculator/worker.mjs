// Module Web Worker: boots the self-hosted Pyodide, loads the calculator wheel (registered in the site's
// Pyodide lock file with its sha256), and answers {id, request} messages with the engine's JSON.
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
  const handle = pyodide.runPython("from calculator.browser import handle\nhandle");
  if (failures.length) throw new Error(failures.join("; "));
  return handle;
}

const ready = boot().then(
  (handle) => {
    post({ type: "ready" });
    return handle;
  },
  (error) => {
    post({ type: "failed", message: String(error && error.message ? error.message : error).slice(0, 300) });
    return null;
  },
);

self.onmessage = async (event) => {
  const { id, request } = event.data;
  const handle = await ready;
  if (!handle) return;
  let response;
  try {
    response = JSON.parse(handle(JSON.stringify(request)));
  } catch (error) {
    response = { ok: false, errors: [{ field: "", message: "计算器内部错误，请刷新后重试" }] };
  }
  post({ type: "response", id, response });
};
