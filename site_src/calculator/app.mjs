// The calculator page: the form, its saved state, the Pyodide worker and the results.
// The page talks to the worker with the calculator contract's JSON and nothing else.
import { decodeCsv, recordsFromCsv, recordsToCsv } from "./csv.mjs";
import { buildPersonFields, buildRecord, el, readControl, showMessages } from "./form.mjs";
import { renderErrors, renderRequirements, renderResult } from "./results.mjs";
import { emptyRecord, initialState, loadState, saveState, toPerson } from "./state.mjs";

const root = document.getElementById("calculator");
const data = JSON.parse(document.getElementById("calculator-data").textContent);
const policyById = Object.fromEntries(data.policies.map((p) => [p.id, p]));
const status = document.getElementById("calc-status");
const results = document.getElementById("calc-results");
const form = document.getElementById("calc-form");

let state = loadState(data.default_policy, Object.keys(policyById));
const records = el("div", { class: "calc-records" });
const fileInput = el("input", { type: "file", accept: ".csv,text/csv", id: "calc-import", class: "calc-file" });

function buildForm() {
  const tools = el("div", { class: "calc-tools" },
    el("button", { type: "button", class: "md-button md-button--primary", id: "calc-add", text: "添加记录" }),
    el("label", { for: "calc-import", class: "md-button", text: "导入 CSV" }), fileInput,
    el("button", { type: "button", class: "md-button", id: "calc-export", text: "导出 CSV" }),
    el("button", { type: "button", class: "md-button", id: "calc-print", text: "打印自查报告" }),
    el("button", { type: "button", class: "md-button", id: "calc-clear", text: "清空" }));
  form.replaceChildren(buildPersonFields(state, data.policies),
    el("h2", { text: "学习记录" }), records, tools);
  renderRecords();
}

function renderRecords() {
  records.replaceChildren(...state.records.map((record, row) => buildRecord(record, row)));
}

function changed() {
  saveState(state);
  evaluate();
}

// ---- the worker ---------------------------------------------------------------------------------------

const STAGES = { runtime: "正在加载 Python 运行环境（首次约 10 MB，之后离线可用）……", package: "正在加载计算规则……" };
let worker = null;
let ready = false;
let sent = 0;
let busy = false;
let pending = false;
let indexOf = [];

function startWorker() {
  status.textContent = STAGES.runtime;
  status.classList.add("calc-loading");
  worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  worker.onmessage = ({ data: message }) => {
    if (message.type === "progress") status.textContent = STAGES[message.stage] || status.textContent;
    else if (message.type === "ready") {
      ready = true;
      status.textContent = "计算器已就绪：结果随输入即时更新。";
      status.classList.remove("calc-loading");
      evaluate();
    } else if (message.type === "failed") {
      status.classList.remove("calc-loading");
      status.textContent = "计算器未能加载，请刷新页面重试。上面的学时要求仍然有效。";
    } else if (message.type === "response") received(message);
  };
  worker.onerror = () => {
    status.classList.remove("calc-loading");
    status.textContent = "计算器未能加载，请刷新页面重试。";
  };
}

function evaluate() {
  renderRequirementsIfIdle();
  if (!ready) return;
  if (busy) {
    pending = true; // only the latest input matters: send it when the current answer arrives
    return;
  }
  busy = true;
  const request = toPerson(state);
  indexOf = request.indexOf;
  worker.postMessage({ id: ++sent, request: { person: request.person, as_of: data.as_of || null } });
}

function received({ id, response }) {
  busy = false;
  if (pending) {
    pending = false;
    evaluate();
    return;
  }
  if (id !== sent) return;
  const messages = {};
  const add = (field, text, error) => (messages[field] ||= []).push({ text, error });
  if (response.ok) {
    for (const w of response.result.warnings) {
      if (w.record === null || w.record === undefined) continue;
      add(`records[${indexOf[w.record] ?? w.record}]`, "⚠ " + w.message, false);
    }
    renderResult(results, response.result, link);
    document.body.dataset.calcResult = response.result.compliant ? "compliant" : "short";
  } else {
    for (const e of response.errors) add(formField(e.field), e.message, true);
    renderErrors(results, response.errors.map((e) => ({ ...e, field: formField(e.field) })));
    document.body.dataset.calcResult = "error";
  }
  showMessages(form, messages);
}

/** The engine names records by their index among the non-empty rows; the form by row. */
function formField(field) {
  return field.replace(/^records\[(\d+)\]/, (_, i) => `records[${indexOf[Number(i)] ?? i}]`);
}

function renderRequirementsIfIdle() {
  if (!ready) renderRequirements(results, policyById[state.policy]);
}

/** The notice page's anchor for a quoted passage, from the table the build embeds in the page. */
function link(source) {
  const page = data.notices[source.document];
  if (!page) return null;
  const anchor = data.anchors[source.document + "|" + source.quote.replace(/\s+/g, "")];
  return anchor ? `${page}#${anchor}` : page;
}

// ---- events ---------------------------------------------------------------------------------------------

form.addEventListener("input", (event) => {
  if (!event.target.dataset.field) return;
  readControl(state, event.target);
  changed();
});
form.addEventListener("submit", (event) => event.preventDefault());
form.addEventListener("click", (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.id === "calc-add") {
    state.records.push(emptyRecord());
    renderRecords();
    records.querySelector(`[data-row="${state.records.length - 1}"] input`)?.focus();
  } else if (target.dataset.remove !== undefined) {
    state.records.splice(Number(target.dataset.remove), 1);
    renderRecords();
  } else if (target.id === "calc-export") {
    download(recordsToCsv(state.records), "学习记录.csv");
    return;
  } else if (target.id === "calc-print") {
    window.print();
    return;
  } else if (target.id === "calc-clear") {
    if (!window.confirm("清空全部输入？")) return;
    state = initialState(state.policy);
    buildForm();
  } else return;
  changed();
});
fileInput.addEventListener("change", async () => {
  const file = fileInput.files[0];
  if (!file) return;
  const { records: imported, problems } = recordsFromCsv(decodeCsv(await file.arrayBuffer()));
  fileInput.value = "";
  status.textContent = problems.length ? `导入：${problems.join("；")}` : `已导入 ${imported.length} 条记录。`;
  if (!imported.length) return;
  state.records = [...state.records.filter((r) => r.date || r.hours || r.title), ...imported];
  renderRecords();
  changed();
});

function download(text, name) {
  const url = URL.createObjectURL(new Blob([text], { type: "text/csv;charset=utf-8" }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

buildForm();
renderRequirements(results, policyById[state.policy]);
startWorker();
if ("serviceWorker" in navigator && data.service_worker) {
  navigator.serviceWorker.register(new URL(data.service_worker, document.baseURI)).catch(() => {});
}
