// The calculator page: the form, its saved state, the Pyodide worker and the results.
// The page sends the worker the form's fields as typed, a file's bytes, or the records to export; Python
// (calculator.browser) reads them and answers with JSON. No cell is interpreted here.
import { applyFields, buildPersonFields, buildRecord, el, readControl, showHeld, showMessages, slug, textRows } from "./form.mjs";
import { renderErrors, renderRequirements, renderResult } from "./results.mjs";
import { loadingView } from "./loading.mjs";
import { personFields, renderReport } from "./report.mjs";
import { renderSummary, trackHeight } from "./summary.mjs";
import { adopt, emptyRecord, entered, initialState, isStorageKey, loadState, newerSaved, parseState, saveState } from "./state.mjs";

const root = document.getElementById("calculator");
const data = JSON.parse(document.getElementById("calculator-data").textContent);
const policyById = Object.fromEntries(data.policies.map((p) => [p.id, p]));
const status = document.getElementById("calc-status");
const results = document.getElementById("calc-results");
const form = document.getElementById("calc-form");
const summary = document.getElementById("calc-summary");
const report = document.getElementById("calc-report");
const loading = loadingView();
trackHeight(summary);

const policyIds = Object.keys(policyById);
/** The page's state on <html data-calculator-state>: loading | ready | result | failed. */
const setState = (value) => { document.documentElement.dataset.calculatorState = value; };
let state = loadState(new URLSearchParams(location.search).get("policy"), policyIds);
const records = el("div", { class: "calc-records" });
// What an import found, one line each (row and column named), under the status line.
const importReport = el("ul", { class: "calc-import-report", id: "calc-import-report", hidden: true });
// Shown while this browser refuses to save (a full storage, or storage turned off): the input stays on the page.
const saveProblem = el("div", { class: "calc-save-problem", id: "calc-save", role: "alert", hidden: true },
  el("p", { text: "无法保存在本机浏览器（存储空间已满或被禁用）：刷新或关闭页面后，刚才的输入会丢失。"
    + "本页的输入仍在，请先导出 CSV 保存学习记录。" }),
  el("button", { type: "button", class: "md-button md-button--primary", id: "calc-save-export", text: "导出 CSV" }));
const fileInput = el("input", { type: "file", accept: ".csv,text/csv", id: "calc-import", class: "calc-file" });

function buildForm() {
  const tools = el("div", { class: "calc-tools" },
    el("button", { type: "button", class: "md-button md-button--primary", id: "calc-add", text: "添加记录" }),
    el("label", { for: "calc-import", class: "md-button", text: "导入 CSV" }), fileInput,
    el("button", { type: "button", class: "md-button", id: "calc-export", text: "导出 CSV" }),
    el("button", { type: "button", class: "md-button", id: "calc-print", text: "打印自查报告" }),
    el("button", { type: "button", class: "md-button", id: "calc-clear", text: "清空" }));
  form.replaceChildren(buildPersonFields(state, data.policies),
    el("h2", { text: "学习记录" }), el("ul", { class: "calc-field-notes", "data-notes": "records" }), records,
    personFields(state.person), tools);
  renderRecords();
}

/** Per notice, the fields it provides and the anchors of the passages quoted beside them (Python's
 * calculator.form_fields, one file per notice, read when the notice is first chosen; null while on its way). */
const fieldsOf = new Map();
function chosenFields() {
  const policy = policyById[state.policy];
  if (!policy) return null;
  if (!fieldsOf.has(policy.id)) {
    fieldsOf.set(policy.id, null);
    fetch(new URL(policy.fields, import.meta.url))
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(String(response.status)))))
      .then((found) => { fieldsOf.set(policy.id, found); refreshFields(); })
      .catch(() => fieldsOf.delete(policy.id)); // asked again at the next change
  }
  return fieldsOf.get(policy.id);
}

/** The fields the chosen notice provides, after every change. */
function refreshFields() {
  const chosen = chosenFields();
  applyFields(form, state, chosen?.fields || null, link);
  form.dataset.fields = chosen ? state.policy : ""; // the notice whose fields are shown (tests wait on it)
}

/** Rebuild the form from `state` (another tab's copy), keeping the focus and the caret where they were. */
function rebuildForm() {
  const active = document.activeElement;
  const id = active && form.contains(active) ? active.id : null;
  const caret = id && typeof active.selectionStart === "number" ? [active.selectionStart, active.selectionEnd] : null;
  buildForm();
  const again = id && document.getElementById(id);
  if (again) {
    again.focus();
    if (caret && typeof again.setSelectionRange === "function") again.setSelectionRange(...caret);
  }
}

function renderRecords() {
  records.replaceChildren(...state.records.map((record, row) => buildRecord(record, row)));
  refreshFields();
}

/** The answer asked for first, then the input saved: the worker computes while this page writes (and a throw
 * while asking still saves). */
function changed() {
  try {
    evaluate();
  } finally {
    save();
  }
}

function save() {
  const ok = saveState(state);
  if (saveProblem.hidden !== ok) saveProblem.hidden = ok;
  return ok;
}

/** Another tab saved since this one last read or wrote: take its copy first, so that this tab's change goes
 * on top of it rather than over it. Returns whether the form has to be rebuilt. */
function takeNewer() {
  const text = newerSaved();
  if (text === null) return false;
  state = parseState(text, "", policyIds);
  adopt(text);
  return true;
}

// Another tab saved: show its copy here (that tab and this one then hold the same records).
window.addEventListener("storage", (event) => {
  if (event.storageArea !== localStorage || !isStorageKey(event.key)) return;
  if (event.newValue === null) {
    save(); // cleared elsewhere: this tab's copy is the only one left, so keep it
    return;
  }
  state = parseState(event.newValue, "", policyIds);
  adopt(event.newValue);
  rebuildForm();
  status.textContent = "已同步另一个标签页中的修改。";
  evaluate();
});

// ---- the worker ---------------------------------------------------------------------------------------

let worker = null;
let ready = false;
let sent = 0;
let busy = false;
let pending = false;
const calls = new Map(); // id -> resolve, for imports and exports

function startWorker() {
  status.textContent = loading.show("download");
  status.classList.add("calc-loading");
  // Started by the page's inline script (calculator.md.j2), with what it has said so far; else started here.
  const boot = window.calcBoot || { worker: null, early: [] };
  try {
    worker = boot.worker || new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  } catch (error) {
    // No module workers here: the form still works (and saves) and the requirements stay on the page.
    status.classList.remove("calc-loading");
    setState("failed");
    status.textContent = "此浏览器无法运行计算器，请使用新版浏览器。上面的学时要求仍然有效。";
    loading.done();
    return;
  }
  worker.onmessage = ({ data: message }) => {
    if (message.type === "progress") {
      status.textContent = loading.show(message.stage) || status.textContent;
      showSummary();
    } else if (message.type === "ready") {
      ready = true;
      document.documentElement.dataset.calculatorBoot = message.boot || "normal"; // or "snapshot" (worker.mjs)
      setState("ready");
      if (busy) {
        readyUnsaid = true; // the input's question is in the worker, its answer next: both shown in one redraw
      } else {
        sayReady();
        evaluate();
      }
    } else if (message.type === "failed") {
      setState("failed");
      status.classList.remove("calc-loading");
      status.textContent = "计算器未能加载，请刷新页面重试。上面的学时要求仍然有效。";
      loading.done();
      showSummary();
    } else if (message.type === "snapshot-stored" && boot.snapshotHint) {
      try {
        localStorage.setItem(boot.snapshotHint, "1"); // the next visit's worker looks for it (worker.mjs)
      } catch {
        // storage full or turned off: the next visit boots normally, and stores the snapshot again
      }
    } else if (message.type === "response") received(message);
  };
  worker.onerror = () => {
    setState("failed");
    status.classList.remove("calc-loading");
    status.textContent = "计算器未能加载，请刷新页面重试。";
    loading.done();
    showSummary();
  };
  for (const event of boot.early.splice(0)) (event.type === "error" ? worker.onerror : worker.onmessage)(event);
}

/** The status line once the worker can answer (with the first answer when one is already on its way). */
let readyUnsaid = false;
function sayReady() {
  readyUnsaid = false;
  status.textContent = "计算器已就绪：结果随输入即时更新。";
  status.classList.remove("calc-loading");
  loading.done();
}

function evaluate() {
  // No verdict until the person has chosen a notice and entered something (issue 12: a red "还差 90 学时"
  // before anything was typed); an answer still on its way for an earlier input is then dropped.
  if (!state.policy || !entered(state)) {
    sent++;
    renderRequirements(results, policyById[state.policy]);
    showHeld([]);
    delete document.body.dataset.calcResult;
    shown = {};
    showSummary();
    if (ready) setState("ready");
    return;
  }
  renderRequirementsIfIdle();
  if (!worker) return;
  // Asked at once, also while the worker is still loading: it answers as soon as it can, without waiting for
  // its "ready" to reach this page and a question to come back (a round trip through a busy page at startup).
  if (ready) setState("ready"); // what is on screen is for an earlier input until the answer arrives
  if (busy) {
    pending = true; // only the latest input matters: send it when the current answer arrives
    return;
  }
  busy = true;
  const { person, ...fields } = state; // the name, unit and number stay on the page (the report's heading)
  worker.postMessage({ id: ++sent, request: { form: fields, as_of: data.as_of || null } });
}

/** An import or an export: answered by the worker once it is ready (until then the message waits there). */
let calledLast = 0;
function call(message, transfer = []) {
  const id = `call-${++calledLast}`;
  return new Promise((resolve) => {
    calls.set(id, resolve);
    worker.postMessage({ ...message, id }, transfer);
  });
}

function received({ id, response }) {
  if (calls.has(id)) {
    calls.get(id)(response);
    calls.delete(id);
    return;
  }
  busy = false;
  if (readyUnsaid) sayReady();
  if (pending) {
    pending = false;
    evaluate();
    return;
  }
  if (id !== sent) return;
  const messages = {};
  const add = (field, text, error, note = false) => (messages[field] ||= []).push({ text, error, note });
  for (const [field, text] of Object.entries(response.readings || {})) add(field, text, false, true);
  // a value the notice does not use: kept, not counted (a record's beside it, the person's in one list)
  for (const h of response.held || []) {
    const row = /^records\[(\d+)\]/.exec(h.field);
    if (row) add(`records[${row[1]}]`, h.message, false, true);
  }
  showHeld(response.held || []);
  if (response.ok) {
    anchors = response.anchors || {};
    const result = { ...response.result, warnings: response.result.warnings.map(formWarning) };
    for (const w of result.warnings) {
      if (w.record !== null && w.record !== undefined) add(`records[${w.record}]`, "⚠ " + w.message, false);
    }
    renderResult(results, result, link, response.view);
    document.body.dataset.calcResult = result.compliant ? "compliant" : "short";
    shown = { result, view: response.view };
  } else {
    const errors = response.errors;
    for (const e of errors) add(e.field, e.message, true);
    const labelled = errors.map((e) => ({ ...e, label: fieldLabel(e.field), target: e.field && "f-" + slug(e.field) }));
    renderErrors(results, labelled);
    document.body.dataset.calcResult = "error";
    shown = { errors: labelled };
  }
  showMessages(form, messages);
  showSummary();
  setState("result"); // the answer (a result, or the errors to correct) for the input as it is now
  registerServiceWorker();
}

/** A warning's `record` is the form's row (the worker says so); the engine names the record at the start of
 * its message ("第 1 条记录（records[0]）"), which the page says by where it shows it. */
function formWarning(w) {
  if (w.record === null || w.record === undefined) return w;
  return { ...w, message: w.message.replace(/^第 \d+ 条记录（records\[\d+\]）\s*/, "") };
}

/** A field as the form labels it: 第 2 条记录 · 学时, 年度内境外工作月数. */
function fieldLabel(field) {
  if (!field) return "";
  const label = form.querySelector(`label[for="f-${slug(field)}"]`)?.textContent;
  const record = /^records\[(\d+)\]/.exec(field);
  if (record) return `第 ${Number(record[1]) + 1} 条记录` + (label ? ` · ${label}` : "");
  return label || field;
}

function renderRequirementsIfIdle() {
  if (!ready) {
    renderRequirements(results, policyById[state.policy]);
    shown = {};
    showSummary();
  }
}

/** The answer on screen ({result} or {errors}, or {} for none yet): what the summary and the report show. */
let shown = {};
function showSummary() {
  const policy = policyById[state.policy];
  const fresh = shown.result && shown.result.policy === state.policy ? shown.result : null;
  renderSummary(summary, { policy, result: fresh, verdict: fresh ? shown.view?.verdict?.text : null,
    errors: shown.errors ? shown.errors.length : 0,
    waiting: ready ? null : loading.step });
  reportSoon();
}

/** The printed report is rebuilt a moment after the input settles, not on every keystroke (with 50 records it
 * doubled the time from an input to its result on screen); printing rebuilds it at once. */
let reportTimer = 0;
function reportSoon() {
  clearTimeout(reportTimer);
  if (!ready) return; // not while the calculator loads (the page's work then slows its start); printing builds it
  reportTimer = setTimeout(showReport, 300);
}

function showReport() {
  renderReport(report, { policy: policyById[state.policy], state, result: shown.result, errors: shown.errors,
    verdict: shown.view?.verdict?.text });
}

/** The notice page's anchor for a quoted passage: the worker's answer names the anchor of each one it quotes,
 * the notice's fields file those the form quotes beside its fields. */
let anchors = {};
function link(source) {
  const page = data.notices[source.document];
  if (!page) return null;
  const key = source.document + "|" + source.quote;
  const anchor = anchors[key] || chosenFields()?.anchors[key];
  return anchor ? `${page}#${anchor}` : page;
}

// ---- events ---------------------------------------------------------------------------------------------

form.addEventListener("input", (event) => {
  const key = event.target.dataset.person;
  if (key) { // the report's heading only: saved, not evaluated
    if (takeNewer()) rebuildForm();
    state.person[key] = event.target.value;
    save();
    reportSoon();
    return;
  }
  if (!event.target.dataset.field) return;
  const rebuild = takeNewer();
  readControl(state, event.target);
  if (event.target.tagName === "TEXTAREA") event.target.rows = textRows(event.target.value);
  if (rebuild) rebuildForm();
  else if (decidesFields(event.target.dataset.field)) refreshFields();
  changed();
});
form.addEventListener("submit", (event) => event.preventDefault());
/** The notice, a record's category or its mode decide which fields apply; the other fields never do. */
const decidesFields = (field) => field === "policy" || /^records\[\d+\]\.(category|mode)$/.test(field);
// The list of errors links each to its field: follow the link by moving the focus there.
results.addEventListener("click", (event) => {
  const anchor = event.target.closest('a[href^="#f-"]');
  const input = anchor && document.getElementById(anchor.getAttribute("href").slice(1));
  if (!input) return;
  event.preventDefault();
  input.focus();
});
form.addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.id === "calc-export") {
    exportRecords();
    return;
  }
  if (target.id !== "calc-print" && takeNewer()) rebuildForm(); // add, remove, clear: on the newest copy
  if (target.id === "calc-add") {
    state.records.push(emptyRecord());
    renderRecords();
    records.querySelector(`[data-row="${state.records.length - 1}"] input`)?.focus();
  } else if (target.dataset.remove !== undefined) {
    state.records.splice(Number(target.dataset.remove), 1);
    renderRecords();
  } else if (target.id === "calc-print") {
    showReport();
    window.print();
    return;
  } else if (target.id === "calc-clear") {
    if (!window.confirm("清空全部输入？")) return;
    state = initialState(state.policy);
    importReport.hidden = true;
    buildForm();
  } else return;
  changed();
});
fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  if (!file) return;
  fileInput.value = "";
  if (!worker) {
    status.textContent = "此浏览器无法运行计算器，不能导入文件。";
    return;
  }
  status.textContent = `正在读取 ${file.name} ……`;
  importReport.hidden = true;
  const bytes = await file.arrayBuffer();
  const answer = await call({ kind: "import", bytes, name: file.name }, [bytes]);
  if (!answer.ok) {
    status.textContent = `未导入 ${file.name}：${answer.message}`;
    return;
  }
  status.textContent = answer.summary + (answer.problems.length ? `见下方 ${answer.problems.length} 条说明：` : "");
  importReport.replaceChildren(...answer.problems.map((text) => el("li", { text })));
  importReport.hidden = !answer.problems.length;
  if (!answer.records.length) return;
  if (takeNewer()) rebuildForm();
  const typed = (r) => ["date", "hours", "days", "title"].some((k) => String(r[k] ?? "") !== "");
  state.records = [...state.records.filter(typed), ...answer.records];
  renderRecords();
  changed();
});

async function exportRecords() {
  if (!worker) return;
  const answer = await call({ kind: "export", records: state.records });
  if (answer.ok) download(answer.text, "学习记录.csv");
  else status.textContent = answer.message;
}

/** After the first result, not at load: the service worker's precache (the whole runtime) would compete with
 * the first boot for the network and the CPU; by now the runtime is in the HTTP cache. Its scope is this
 * folder without the final slash, so that ".../calculator" typed offline is the worker's to answer. */
let registered = false;
function registerServiceWorker() {
  if (registered || !("serviceWorker" in navigator) || !data.service_worker) return;
  registered = true;
  const scope = new URL(".", document.baseURI).href.replace(/\/$/, "");
  navigator.serviceWorker.register(new URL(data.service_worker, document.baseURI), { scope }).catch(() => {});
}

function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

status.after(loading.node, importReport, saveProblem);
window.addEventListener("beforeprint", showReport); // the browser's own print command too, with today's date
saveProblem.querySelector("button").addEventListener("click", exportRecords);

// The worker's messages first (it was started by the page); then the form, and the saved input's question to
// the worker (until its answer, the chosen notice's requirements are shown).
startWorker();
buildForm();
evaluate();
