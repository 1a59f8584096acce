// Module Web Worker of the batch page: boots the site's own Pyodide (from the calculator's folder, the same
// files and lock file), with the whole standard library (the Excel reader needs xml and zipfile, which the
// calculator page's trimmed archive leaves out), loads the calculator's batch wheel (over the calculator
// wheel it depends on) and openpyxl (each checked against its sha256 in the lock file), and runs
// calculator.batch_browser on the file given to it.
// Nothing leaves the browser: the file is read here, every script and wheel comes from this site's origin.
import { loadPyodide } from "../calculator/pyodide/pyodide.mjs";

const indexURL = new URL("../calculator/pyodide/", import.meta.url).href;
const stdLibURL = new URL("./python_stdlib.zip", import.meta.url).href;
const post = (message, transfer) => self.postMessage(message, transfer || []);

async function boot() {
  post({ type: "progress", stage: "runtime" });
  const pyodide = await loadPyodide({ indexURL, stdLibURL, packages: ["calculator-batch", "openpyxl"], stdout: () => {}, stderr: () => {} });
  post({ type: "progress", stage: "package" });
  const failures = [];
  await pyodide.loadPackage(["calculator-batch", "openpyxl"], { messageCallback: () => {}, errorCallback: (m) => failures.push(m) });
  const api = pyodide.runPython("import calculator.batch_browser as api\napi");
  if (failures.length) throw new Error(failures.join("; "));
  return { pyodide, api };
}

const ready = boot().then(
  (found) => {
    post({ type: "ready" });
    return found;
  },
  (error) => {
    post({ type: "failed", message: String(error && error.message ? error.message : error).slice(0, 300) });
    return null;
  },
);

// Bytes go through Pyodide's in-memory file system: a plain copy each way, no conversion of types.
function bytesOut(pyodide, made) {
  pyodide.globals.set("_made", made);
  pyodide.runPython("open('/tmp/out.bin', 'wb').write(_made)");
  made.destroy();
  return pyodide.FS.readFile("/tmp/out.bin");
}

self.onmessage = async (event) => {
  const { id, op } = event.data;
  const found = await ready;
  if (!found) return;
  const { pyodide, api } = found;
  try {
    if (op === "check") {
      pyodide.FS.writeFile("/tmp/in.bin", new Uint8Array(event.data.data));
      const progress = (done, total) => post({ type: "rows", id, done, total });
      const data = pyodide.runPython("open('/tmp/in.bin', 'rb').read()");
      const text = api.check(data, event.data.name, event.data.asOf || null, progress, event.data.sheet || null);
      data.destroy();
      pyodide.FS.unlink("/tmp/in.bin");
      post({ type: "response", id, response: JSON.parse(text) });
    } else {
      const made = op === "template" ? api.template(event.data.kind) : api.download(event.data.kind);
      const bytes = bytesOut(pyodide, made);
      post({ type: "response", id, response: { ok: true, bytes } }, [bytes.buffer]);
    }
  } catch (error) {
    post({ type: "response", id, response: { ok: false, message: "核对时出现内部错误，请刷新后重试" } });
  }
};
