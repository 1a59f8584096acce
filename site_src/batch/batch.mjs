// The batch page (单位批量核对): a file chosen or dropped is read here and handed to the worker, which checks it
// with the calculator's own Python code; this script only draws what comes back. Nothing is uploaded.
const status = document.getElementById("batch-status");
const input = document.getElementById("batch-input");
const drop = document.getElementById("batch-drop");
const bar = document.getElementById("batch-progress");
const results = document.getElementById("batch-results");
const asOf = document.getElementById("batch-as-of");
const SHOWN = 500; // rows drawn at a time: a staff list of 10,000 people is drawn as it is scrolled to

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (value !== false && value != null) node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children);
  return node;
}

// ---- the worker ---------------------------------------------------------------------------------------
let worker = null;
let sent = 0;
const waiting = new Map();

function ask(message) {
  const id = ++sent;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    worker.postMessage({ id, ...message }, message.data ? [message.data] : []);
  });
}

function say(text, error = false) {
  status.textContent = text;
  status.classList.toggle("batch-error", error);
}

function start() {
  say("正在加载核对组件（首次约 12 MB）……"); // words for readers: no "Python 运行环境"
  try {
    worker = new Worker(new URL("./worker.mjs", import.meta.url), { type: "module" });
  } catch (error) {
    say("此浏览器无法运行批量核对，请使用新版浏览器。", true);
    return;
  }
  worker.onmessage = ({ data }) => {
    if (data.type === "ready") {
      say("可以核对了：选择或拖入文件。");
      for (const id of ["batch-template-xlsx", "batch-template-csv"]) document.getElementById(id).disabled = false;
    } else if (data.type === "failed") say(`核对程序加载失败：${data.message}`, true);
    else if (data.type === "progress" && data.stage === "package") say("正在加载核对规则和 Excel 读取程序……");
    else if (data.type === "rows") {
      if (data.total) bar.value = Math.min(95, (95 * data.done) / data.total);
      else bar.value = Math.min(95, bar.value + 2);
      say(`正在核对：已读 ${data.done} 行……`);
    } else if (data.type === "response") {
      const resolve = waiting.get(data.id);
      waiting.delete(data.id);
      if (resolve) resolve(data.response);
    }
  };
  worker.onerror = () => say("核对程序出错，请刷新页面后重试。", true);
}

// ---- files in and out -----------------------------------------------------------------------------------
const TYPES = { xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", csv: "text/csv;charset=utf-8" };

function save(bytes, kind, name) {
  const url = URL.createObjectURL(new Blob([bytes], { type: TYPES[kind] }));
  const link = el("a", { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}

async function fetchBytes(op, kind, name) {
  const response = await ask({ op, kind });
  if (response.ok) save(response.bytes, kind, name);
  else say(response.message, true);
}

let fileName = "";
let lastFile = null; // checked again when the day of the check or the sheet is changed
let lastSheet = null;
let busy = false;

// The day of the check: today (the reader's own calendar day) unless changed.
function today() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, "0");
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}
if (asOf && !asOf.value) asOf.value = today();

async function check(file, sheet = null) {
  if (!worker || busy) return;
  busy = true;
  lastFile = file;
  lastSheet = sheet;
  fileName = file.name.replace(/\.[^.]*$/, "");
  results.replaceChildren();
  bar.hidden = false;
  bar.value = 2;
  say(`正在读取 ${file.name}……`);
  const data = await file.arrayBuffer();
  const started = performance.now();
  const response = await ask({ op: "check", data, name: file.name, asOf: asOf ? asOf.value : "", sheet });
  busy = false;
  bar.value = 100;
  bar.hidden = true;
  if (!response.ok) {
    say(response.message, true);
    if (response.ask && response.sheets) results.replaceChildren(sheetPicker(response.sheets, null));
    return;
  }
  say(`${file.name}：核对完成（${((performance.now() - started) / 1000).toFixed(1)} 秒）。`);
  show(response);
}

// A workbook of several sheets: which one is checked, and a way to check another.
function sheetPicker(sheets, chosen) {
  const select = el("select", { id: "batch-sheet-select" },
    ...sheets.map((name) => el("option", { value: name, text: name, selected: name === chosen })));
  const go = el("button", { type: "button", class: "md-button", id: "batch-sheet-go", text: "核对这张工作表" });
  go.addEventListener("click", () => lastFile && check(lastFile, select.value));
  const said = chosen ? `已核对工作表“${chosen}”（共 ${sheets.length} 张）。换一张：` : "请选择要核对的工作表：";
  return el("div", { class: "batch-sheet batch-tools", id: "batch-sheet" },
    el("label", { for: "batch-sheet-select", text: said }), select, go);
}

if (asOf) asOf.addEventListener("change", () => lastFile && asOf.value && check(lastFile, lastSheet));

input.addEventListener("change", () => input.files[0] && check(input.files[0]));
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("batch-over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("batch-over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("batch-over");
  const file = event.dataTransfer.files[0];
  if (file) check(file);
});
document.getElementById("batch-template-xlsx").addEventListener("click", () => fetchBytes("template", "xlsx", "学时记录模板.xlsx"));
document.getElementById("batch-template-csv").addEventListener("click", () => fetchBytes("template", "csv", "学时记录模板.csv"));

// ---- the results ------------------------------------------------------------------------------------------
const CATEGORY = [["总学时", "总学时"], ["公需", "公需"], ["必修课", "其中必修课"], ["专业", "专业"]];

function show(found) {
  const s = found.summary;
  const summary = el("div", { class: "batch-summary", id: "batch-summary" },
    el("div", {}, el("strong", { text: String(s.people) }), "人"),
    el("div", {}, el("strong", { text: String(s.compliant) }), "已完成"),
    el("div", {}, el("strong", { text: String(s.short) }), "未完成"),
    el("div", {}, el("strong", { text: String(s.hours_short) }), "合计尚差学时"));
  const parts = [el("h2", { text: "核对结果", id: "batch-result-title" })];
  if (found.sheets && found.sheets.length > 1) parts.push(sheetPicker(found.sheets, found.sheet));
  parts.push(summary, el("p", { text: `核对日期 ${found.as_of}：${found.summary_text}` }));
  if (s.not_checked) parts.push(el("p", { class: "batch-error", text: `${s.not_checked} 人无法核对（见表中“尚差”一列）。` }));
  for (const notice of found.notices) parts.push(el("p", { text: notice }));
  const downloads = el("div", { class: "batch-tools" },
    el("button", { type: "button", class: "md-button md-button--primary", id: "batch-download-xlsx", text: "下载结果（.xlsx）" }),
    el("button", { type: "button", class: "md-button", id: "batch-download-csv", text: "下载结果（.csv）" }));
  downloads.children[0].addEventListener("click", () => fetchBytes("download", "xlsx", `${fileName}-核对结果.xlsx`));
  downloads.children[1].addEventListener("click", () => fetchBytes("download", "csv", `${fileName}-核对结果.csv`));
  parts.push(downloads);
  if (found.bad_rows.length) {
    parts.push(el("h3", { text: `有误的行（${found.bad_rows.length}，未计入学时）`, id: "batch-bad-title" }),
      el("ul", { class: "batch-bad", id: "batch-bad" },
        ...found.bad_rows.map((bad) => el("li", { text: `第 ${bad.row} 行${bad.field ? `「${bad.field}」` : ""}：${bad.message}` }))));
  }
  const shortOnly = el("input", { type: "checkbox", id: "batch-short-only" });
  const order = el("select", { id: "batch-order" },
    el("option", { value: "file", text: "按表格顺序" }),
    el("option", { value: "short", text: "按尚差学时从多到少" }));
  parts.push(el("div", { class: "batch-tools" },
    el("label", {}, shortOnly, "只看未完成的人"),
    el("label", {}, "排序", order)));
  const wrap = el("div", { class: "batch-table-wrap", tabindex: "0", role: "region", "aria-label": "每人核对结果" });
  const more = el("button", { type: "button", class: "md-button", id: "batch-more", text: "显示更多" });
  parts.push(wrap, more);
  results.replaceChildren(...parts);
  const table = new ResultTable(found, wrap, more);
  const redraw = () => table.draw(shortOnly.checked, order.value);
  shortOnly.addEventListener("change", redraw);
  order.addEventListener("change", redraw);
  more.addEventListener("click", () => table.more());
  redraw();
}

class ResultTable {
  constructor(found, wrap, more) {
    this.found = found;
    this.wrap = wrap;
    this.moreButton = more;
    const header = found.header;
    this.at = Object.fromEntries(header.map((title, i) => [title, i]));
    // The office's own columns: 人员编号, 姓名 and those carried from its file, as they came.
    this.own = [0, 1, ...found.carried.map((title) => this.at[title])];
    this.list = [];
    this.count = 0;
  }

  draw(shortOnly, order) {
    let list = this.found.people.map((person, i) => ({ person, i }));
    if (shortOnly) list = list.filter(({ person }) => person.short || !person.checked);
    if (order === "short") list.sort((a, b) => (b.person.remaining ?? 1e9) - (a.person.remaining ?? 1e9) || a.i - b.i);
    this.list = list;
    this.count = 0;
    const head = el("tr", {},
      ...this.own.map((i) => el("th", { scope: "col", text: this.found.header[i] })),
      el("th", { scope: "col", text: "通知" }),
      ...CATEGORY.map(([, label]) => el("th", { scope: "col", text: `${label}（应/已/差）` })),
      el("th", { scope: "col", text: "截止日期" }),
      el("th", { scope: "col", text: "尚差" }),
      el("th", { scope: "col", text: "计划中的记录" }));
    this.body = el("tbody");
    this.wrap.replaceChildren(el("table", { id: "batch-table" }, el("thead", {}, head), this.body));
    this.more();
  }

  more() {
    const rows = this.list.slice(this.count, this.count + SHOWN).map(({ person }) => this.row(person));
    this.body.append(...rows);
    this.count += rows.length;
    this.moreButton.hidden = this.count >= this.list.length;
    this.moreButton.textContent = `显示更多（还有 ${this.list.length - this.count} 人）`;
  }

  row(person) {
    const cells = person.cells;
    const cell = (title) => {
      const value = cells[this.at[title]];
      return value === "" || value == null ? "—" : String(value);
    };
    return el("tr", { class: person.short || !person.checked ? "batch-short" : "" },
      ...this.own.map((i) => el("td", { text: String(cells[i] ?? "") })),
      el("td", { text: person.notice }),
      ...CATEGORY.map(([key]) => el("td", { text: `${cell(`应完成${key}`)} / ${cell(`已计入${key}`)} / ${cell(`尚差${key}`)}` })),
      el("td", { text: cell("截止日期") }),
      el("td", { class: "batch-what", text: person.what }),
      el("td", { class: "batch-planned", text: person.planned || "—" }));
  }
}

start();
