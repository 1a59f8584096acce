// Draw the engine's output (the calculator contract) and what Python made of it (the answer's `view`): the
// verdict, the table and its bars, late and planned records, making up after the deadline, the explanation steps.
import { el, morph } from "./form.mjs";

const ROWS = [["total", "合计"], ["public", "公需科目"], ["public_required_course", "其中必修课"], ["professional", "专业科目"]];

const hours = (value) => (value === null || value === undefined ? "—" : `${value} 学时`);

function dateText(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

/** The requirements alone, from the page's static data: shown at once, before Pyodide is ready. */
export function renderRequirements(container, policy) {
  if (!policy) {
    container.replaceChildren(el("p", { class: "calc-prompt",
      text: "请先选择城市与年度：这里会列出那份通知要求的学时；填写学习记录后显示核对结果。" }));
    return;
  }
  container.replaceChildren(
    el("h2", { text: `${policy.label}：应完成学时` }),
    el("ul", {}, ...ROWS.filter(([key]) => policy.required[key] !== null && policy.required[key] !== undefined)
      .map(([key, label]) => el("li", { text: `${label}：不少于 ${policy.required[key]} 学时` }))),
    el("p", { class: "calc-prompt", text: "填写学习记录后，这里显示已计入多少、还差多少。" }),
  );
}

/** A bar of what counts toward the floor: full only when nothing in its row is short (calculator.verdict.rows). */
function bar(row) {
  return el("progress", { max: String(row.progress.max), value: String(row.progress.value),
    "aria-label": `${row.label}完成进度` });
}

// Shown apart (the late and planned sections), not again among the warnings.
const APART = new Set(["late_record", "planned"]);
const recordName = (row) => `第 ${row + 1} 条记录`;

/** `view`: what Python made of the result (calculator.browser.view): the verdict, the rows, the planned
 * records' projection and, after the deadline, what the notice says about making up. `link(source)` gives the
 * URL of the quoted passage on its notice page (or null). */
export function renderResult(container, result, link, view) {
  const table = el("table", { class: "calc-table" },
    el("caption", { text: "学时核对" }),
    el("thead", {}, el("tr", {}, ...["类别", "应完成", "已计入", "尚差", "进度"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...view.rows.map((row) =>
      el("tr", { class: row.full ? "calc-row-done" : "calc-row-short" }, el("th", { scope: "row", text: row.label }),
        el("td", { text: hours(row.required) }), el("td", { text: hours(row.credited) }), el("td", { text: hours(row.remaining) }),
        el("td", {}, bar(row), row.note ? el("span", { class: "calc-row-note", text: row.note }) : null)))));
  const verdict = el("p", { class: `calc-verdict ${view.verdict.compliant ? "calc-ok" : "calc-short"}`, text: view.verdict.text });
  const deadline = result.deadline
    ? el("p", { text: `截止日期：${dateText(result.deadline)}（${result.days_left >= 0 ? `还有 ${result.days_left} 天` : `已过 ${-result.days_left} 天`}）` })
    : el("p", { text: "截止日期：通知未写明" });
  const warnings = result.warnings.filter((w) => !APART.has(w.code));
  const warningList = warnings.length
    ? el("section", { "aria-label": "提示" }, el("h3", { text: "提示" }),
      el("ul", {}, ...warnings.map((w) => el("li", { text: (w.record !== null && w.record !== undefined ? `${recordName(w.record)}：` : "") + w.message }))))
    : null;
  const steps = el("section", { class: "calc-steps", "aria-label": "计算依据" }, el("h3", { text: "计算依据" }),
    el("ol", {}, ...result.steps.map((step) => renderStep(step, link))));
  morph(container, el("div", {}, verdict, deadline, ...[table, afterDeadline(view.after_deadline, link),
    late(result.late, link), planned(view.planned, result), warningList, steps].filter(Boolean)));
}

/** A quoted passage with its link and, where the notice needed reading, the reading. */
function quoted(source, interpretation, link) {
  const parts = [];
  if (source) {
    const href = link(source);
    const quote = el("blockquote", {}, el("p", { text: `“${source.quote}”` }));
    if (href) quote.append(el("p", {}, el("a", { href, text: "查看通知原文" })));
    parts.push(quote);
  }
  if (interpretation) parts.push(el("p", { class: "calc-interpretation", text: `解释：${interpretation}` }));
  return parts;
}

function afterDeadline(said, link) {
  if (!said) return null;
  return el("section", { class: "calc-after-deadline", "aria-label": "截止后能否补学" }, el("h3", { text: said.heading }),
    el("ul", {}, ...said.items.map((item) => el("li", {}, el("p", { text: item.text }),
      ...quoted(item.source, item.interpretation, link)))),
    said.advice ? el("p", { text: said.advice }) : null);
}

function late(items, link) {
  if (!items.length) return null;
  return el("section", { class: "calc-late", "aria-label": "逾期未计入的记录" },
    el("h3", { text: `逾期未计入的记录（${items.length} 条）` }),
    el("ul", {}, ...items.map((item) => el("li", {}, el("p", { text: `${recordName(item.record)}：${item.reason}` }),
      ...quoted(item.source, item.interpretation, link)))));
}

function planned(plan, result) {
  if (!plan) return null;
  const dates = Object.fromEntries(result.warnings.filter((w) => w.code === "planned").map((w) => [w.record, w.message]));
  return el("section", { class: "calc-planned", "aria-label": "计划中的记录" },
    el("h3", { text: `计划中的记录（${plan.records.length} 条，尚未计入）` }),
    el("ul", {}, ...plan.records.map((row) => el("li", { text: `${recordName(row)}：${dates[row] || "日期在今天之后"}` }))),
    el("p", { class: "calc-planned-outcome", text: plan.text }));
}

function renderStep(step, link) {
  return el("li", {}, el("p", { text: step.text }), ...quoted(step.source, step.interpretation, link));
}

/** `errors`: [{field, message, label, target}]; `target` is the id of the input, linked from the list. */
export function renderErrors(container, errors) {
  container.replaceChildren(el("p", { class: "calc-verdict calc-short", text: "请先改正标出的输入：" }),
    el("ul", {}, ...errors.map((e) => (e.label
      ? el("li", {}, e.target ? el("a", { href: `#${e.target}`, text: e.label }) : e.label, `：${e.message}`)
      : el("li", { text: e.message })))));
}
