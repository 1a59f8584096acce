// Module Web Worker: boots the self-hosted Pyodide, imports the calculator wheel (checked against its sha256 in
// the site's Pyodide lock file), and answers the page's messages through calculator.browser:
//   {id, request}            the form's fields as typed -> the engine's JSON (handle_lines: the form, then a line
//                            a record, so that Python reads again only the record a keystroke changed)
//   {id, kind: "import", bytes, name}   a file's bytes -> the records it holds (import_file)
//   {id, kind: "export", records}       the form's records -> CSV text (export_file)
// What a cell or a file means is Python's to say; this worker only passes bytes and text along.
// Nothing leaves the browser: every file comes from this site's origin.
//
// A second visit starts from a memory snapshot of the interpreter, made in this browser after a normal boot
// (the calculator imported, before anything is asked), kept in Cache Storage under the Pyodide version and the
// wheel's sha256: Python's own start-up, most of a boot, is skipped. Pyodide's snapshot API is private and
// experimental, so it is used only with the version it was written for, and any doubt (no snapshot, another
// key, a truncated or altered file, a restore that throws, a wrong answer on a known case) deletes the
// snapshot and boots normally, quietly: the person sees the same result either way. The page is told which
// path was taken: {type: "ready", boot: "normal" | "snapshot"}, and when a snapshot is stored:
// {type: "snapshot-stored"}. The page keeps that in this browser and passes it on as the worker's name on the
// next visit (a worker cannot read the page's storage): a first visit boots at once, without opening Cache
// Storage (110-240 ms on a new profile, before Pyodide could start).
import { loadPyodide, version } from "./pyodide/pyodide.mjs";

const indexURL = new URL("./pyodide/", import.meta.url).href;
const post = (message) => self.postMessage(message);
const quiet = () => {};
// The boot's steps, for bench/browser.py (performance.getEntriesByType("mark") in this worker).
const mark = (name) => performance.mark(`calculator:${name}`);

const SNAPSHOT_PYODIDE = "314.0.7"; // _makeSnapshot / makeMemorySnapshot / _loadSnapshot as in this release
// The worker's name when the page has seen a snapshot stored in this browser (calculator.md.j2).
const MAY_HAVE_SNAPSHOT = self.name === "snapshot-stored";
// Not "henan-ce-calculator-…": the service worker deletes those caches but its own when a deploy activates.
const SNAPSHOT_CACHE = "henan-ce-snapshot";
// A known case, answered right after a restore and compared with the answer the normal boot gave.
const CANARY = JSON.stringify({
  person: {
    policy: "anyang/2025",
    records: [
      { date: "2025-03-01", category: "public", hours: 30 },
      { date: "2025-05-01", category: "professional", hours: 60 },
    ],
  },
  as_of: "2025-12-01",
});
const IMPORTS = "from calculator.browser import handle, handle_lines, import_file, export_file";
// The random generators' state is the first visit's: reseeded from the system's entropy (tempfile's, if the
// module was imported at all, is made again on its next use). The hash seed cannot change after start-up;
// nothing here depends on it.
const RESEED = [
  "import random, sys",
  "random.seed()",
  "if 'tempfile' in sys.modules: sys.modules['tempfile']._name_sequence = None",
  "",
].join("\n");

/** The Python side once the calculator is imported. */
function entryPoints(pyodide) {
  const get = (name) => pyodide.globals.get(name);
  return { handle: get("handle"), lines: get("handle_lines"), import: get("import_file"), export: get("export_file") };
}

// ---- the calculator wheel ------------------------------------------------------------------------------
// Imported as a zip (Python's zipimport reads a pure-Python wheel as it is), not installed with loadPackage:
// Pyodide's installer unpacks it with tarfile, email and importlib.metadata, which it first compiles from the
// standard library's sources, about a second of a cold visit on a slow phone. The wheel is fetched while
// Python starts and checked against the sha256 in the site's lock file, as loadPackage would.
const WHEEL = "/home/pyodide/calculator.whl";

/** The calculator wheel's bytes, checked against the lock file. */
async function fetchWheel(lock) {
  const entry = (await lock.contents).packages.calculator;
  const response = await fetch(indexURL + entry.file_name);
  if (!response.ok) throw new Error(`${entry.file_name}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if ((await hex(bytes)) !== entry.sha256) throw new Error(`${entry.file_name}: sha256 differs from the lock file`);
  return bytes;
}

/** The wheel in Pyodide's file system, first on Python's path (again after a restore: the file system is not
 * in the snapshot, the path is). */
function installWheel(pyodide, bytes) {
  pyodide.FS.writeFile(WHEEL, bytes);
  pyodide.runPython(`import sys\nif ${JSON.stringify(WHEEL)} not in sys.path: sys.path.insert(0, ${JSON.stringify(WHEEL)})`);
}

/** Boot without a snapshot; with `_makeSnapshot`, so that one can be made of this interpreter. */
async function bootNormally(lock, snapshots) {
  const wheel = fetchWheel(lock);
  wheel.catch(quiet); // awaited below
  const options = { indexURL, lockFileContents: lock.contents, packageBaseUrl: indexURL };
  const pyodide = await loadPyodide({ ...options, _makeSnapshot: snapshots, stdout: quiet, stderr: quiet });
  mark("python-started");
  post({ type: "progress", stage: "package" });
  installWheel(pyodide, await wheel);
  pyodide.runPython(IMPORTS);
  mark("imported");
  return { pyodide, api: entryPoints(pyodide) };
}

// ---- the snapshot ----------------------------------------------------------------------------------------

/** The site's lock file (fetched once, for Pyodide and for the key) and the calculator wheel's sha256. */
function readLock() {
  const contents = fetch(indexURL + "pyodide-lock.json").then((response) => {
    if (!response.ok) throw new Error(`pyodide-lock.json: HTTP ${response.status}`);
    return response.json();
  });
  const sha256 = contents.then((lock) => lock.packages.calculator.sha256, () => null);
  return { contents, sha256 };
}

/** The snapshot's address in its cache: a new Pyodide or a new wheel (a new deploy) is a new key. */
function snapshotKey(sha256) {
  return new URL(`./snapshot/pyodide-${version}/calculator-${sha256}`, import.meta.url).href;
}

const supported = () =>
  version === SNAPSHOT_PYODIDE && typeof caches !== "undefined" && Boolean(self.crypto && crypto.subtle);

async function hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The stored snapshot for `key`, or null; other keys' snapshots are deleted. Its bytes come as a promise,
 * read and checked while Pyodide's own files load; it rejects for a truncated or altered file, which is
 * never handed to Pyodide (it would copy it into its memory as it is). */
async function storedSnapshot(key) {
  const cache = await caches.open(SNAPSHOT_CACHE);
  for (const request of await cache.keys()) if (request.url !== key) await cache.delete(request);
  const response = await cache.match(key);
  if (!response) return null;
  const canary = response.headers.get("X-Snapshot-Canary");
  const length = Number(response.headers.get("X-Snapshot-Length"));
  const sha256 = response.headers.get("X-Snapshot-Sha256");
  const bytes = response.arrayBuffer().then(async (buffer) => {
    const data = new Uint8Array(buffer);
    if (!canary || data.length !== length || (await hex(data)) !== sha256) throw new Error("snapshot damaged");
    return data;
  });
  bytes.catch(quiet); // handled where loadPyodide awaits it
  return { bytes, canary: decodeURIComponent(canary || "") };
}

async function dropSnapshot() {
  try {
    await caches.delete(SNAPSHOT_CACHE);
  } catch {
    // nothing stored, or storage unavailable: nothing to drop
  }
}

/** Boot from the snapshot: the wheel is written again (the file system is not in the snapshot), the random
 * generator reseeded (its state is), and the known case must give the normal boot's answer. */
async function bootFromSnapshot(lock, stored) {
  const wheel = fetchWheel(lock);
  wheel.catch(quiet); // awaited below
  const pyodide = await loadPyodide({
    indexURL,
    lockFileContents: lock.contents,
    packageBaseUrl: indexURL,
    _loadSnapshot: stored.bytes,
    stdout: quiet,
    stderr: quiet,
  });
  mark("restored");
  post({ type: "progress", stage: "package" });
  if (pyodide.version !== SNAPSHOT_PYODIDE) throw new Error("another Pyodide");
  installWheel(pyodide, await wheel);
  // The interpreter's state is the first visit's: a fresh seed, and the entry points looked up again.
  pyodide.runPython(RESEED + IMPORTS);
  mark("imported");
  const api = entryPoints(pyodide);
  if (api.handle(CANARY) !== stored.canary) throw new Error("snapshot answers the known case differently");
  return { pyodide, api };
}

/** After a normal boot: the snapshot of the interpreter, made at once, before any person's data reaches it (the
 * calculator imported, nothing asked yet). Null when it cannot be made: then there is simply none. */
function makeSnapshot(pyodide) {
  try {
    const bytes = pyodide.makeMemorySnapshot();
    mark("snapshot-made");
    return bytes;
  } catch {
    return null;
  }
}

/** The snapshot stored for the next visit, with the known case's answer that a restore must give. Run after the
 * first answer is out (see `storeSoon`): the known case, the hash of 30 MB and the write to Cache Storage then
 * do not delay it. Any failure only means no snapshot. */
async function storeSnapshot(bytes, api, key) {
  try {
    const canary = api.handle(CANARY);
    mark("known-case");
    const headers = {
      "Content-Type": "application/octet-stream",
      "X-Snapshot-Length": String(bytes.length),
      "X-Snapshot-Sha256": await hex(bytes),
      "X-Snapshot-Canary": encodeURIComponent(canary),
    };
    const cache = await caches.open(SNAPSHOT_CACHE);
    await cache.put(key, new Response(bytes, { headers }));
    // An earlier deploy's snapshot (not looked up on a visit the page thought was a first one): not kept.
    for (const request of await cache.keys()) if (request.url !== key) await cache.delete(request);
    mark("snapshot-stored");
    post({ type: "snapshot-stored" });
  } catch {
    await dropSnapshot(); // a full storage: no snapshot
  }
}

/** Store the made snapshot once: after the first answer, or a few seconds after the start if nothing is asked
 * (the page asks only once something is entered). */
let storeLater = null;
function storeSoon(delay) {
  const store = storeLater;
  if (!store) return;
  setTimeout(() => {
    if (storeLater !== store) return; // already stored
    storeLater = null;
    store();
  }, delay);
}

async function boot() {
  post({ type: "progress", stage: "download" });
  const lock = readLock();
  const snapshots = supported();
  try {
    // Nothing stored (a first visit, or none left): the normal boot starts at once, not after the lock file's
    // round trip; Cache Storage is not even opened when the page has never seen a snapshot stored here.
    const anyStored = snapshots && MAY_HAVE_SNAPSHOT && (await (await caches.open(SNAPSHOT_CACHE)).keys()).length;
    mark("cache-looked-up");
    if (anyStored) {
      const sha256 = await lock.sha256;
      const stored = sha256 && (await storedSnapshot(snapshotKey(sha256)));
      if (stored) {
        const { api } = await bootFromSnapshot(lock, stored);
        return { api, boot: "snapshot" };
      }
    }
  } catch {
    await dropSnapshot(); // then the normal boot below, which makes a new one
  }
  // Another Pyodide than the one the snapshots were written for: an earlier one's snapshot is of no use.
  if (!snapshots && typeof caches !== "undefined") dropSnapshot();
  const { pyodide, api } = await bootNormally(lock, snapshots);
  const sha256 = snapshots && (await lock.sha256);
  const bytes = sha256 && makeSnapshot(pyodide);
  if (bytes) storeLater = () => storeSnapshot(bytes, api, snapshotKey(sha256));
  return { api, boot: "normal" };
}

const ready = boot().then(
  ({ api, boot: path }) => {
    post({ type: "ready", boot: path });
    storeSoon(3000);
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

/** The form's question as Python keeps it between keystrokes (calculator.browser.handle_lines): the form without
 * its records, then a line a record, each its JSON (JSON.stringify writes no raw line break). */
function formLines({ form, as_of }) {
  const { records, ...fields } = form;
  const head = JSON.stringify({ form: fields, as_of });
  return Array.isArray(records) ? [head, ...records.map((record) => JSON.stringify(record) ?? "null")].join("\n") : head;
}

let asked = false;
self.onmessage = async (event) => {
  const { id, kind, request } = event.data;
  if (!kind && !asked) {
    asked = true;
    mark("asked"); // the page asks at once, also while Python starts (tests/test_browser.py)
  }
  const api = await ready;
  if (!api) {
    if (kind) post({ type: "response", id, kind, response: FAILED[kind] }); // the page waits for an answer
    return;
  }
  let response;
  try {
    if (kind === "import") response = JSON.parse(api.import(new Uint8Array(event.data.bytes), event.data.name));
    else if (kind === "export") response = JSON.parse(api.export(JSON.stringify(event.data.records)));
    else response = JSON.parse(request.form ? api.lines(formLines(request)) : api.handle(JSON.stringify(request)));
  } catch (error) {
    response = FAILED[kind];
  }
  if (!kind) mark("answered");
  post({ type: "response", id, kind, response });
  storeSoon(0);
};
