// Render the engine's output (the calculator contract) as Chinese text, bars and the explanation steps.
import { el } from "./form.mjs";

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

function bar(label, credited, required) {
  if (required === null || required === undefined) return null;
  const progress = el("progress", { max: String(required || 1), value: String(Math.min(credited ?? 0, required || 1)),
    "aria-label": `${label}完成进度` });
  return progress;
}

/** `link(source)` gives the URL of the quoted passage on its notice page (or null). */
export function renderResult(container, result, link) {
  const table = el("table", { class: "calc-table" },
    el("caption", { text: "学时核对" }),
    el("thead", {}, el("tr", {}, ...["类别", "应完成", "已计入", "尚差", "进度"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...ROWS.filter(([key]) => result.required[key] !== null).map(([key, label]) =>
      el("tr", {}, el("th", { scope: "row", text: label }), el("td", { text: hours(result.required[key]) }),
        el("td", { text: hours(result.credited[key]) }), el("td", { text: hours(result.remaining[key]) }),
        el("td", {}, bar(label, result.credited[key], result.required[key]))))));
  const verdict = result.compliant
    ? el("p", { class: "calc-verdict calc-ok", text: "✓ 已达到本年度学时要求" })
    : el("p", { class: "calc-verdict calc-short", text: `尚未达标：还差 ${result.remaining.total} 学时` });
  const deadline = result.deadline
    ? el("p", { text: `截止日期：${dateText(result.deadline)}（${result.days_left >= 0 ? `还有 ${result.days_left} 天` : `已过 ${-result.days_left} 天`}）` })
    : el("p", { text: "截止日期：通知未写明" });
  const warnings = result.warnings.length
    ? el("section", { "aria-label": "提示" }, el("h3", { text: "提示" }),
      el("ul", {}, ...result.warnings.map((w) => el("li", { text: (w.record !== null && w.record !== undefined ? `第 ${w.record + 1} 条记录：` : "") + w.message }))))
    : null;
  const steps = el("section", { class: "calc-steps", "aria-label": "计算依据" }, el("h3", { text: "计算依据" }),
    el("ol", {}, ...result.steps.map((step) => renderStep(step, link))));
  container.replaceChildren(verdict, deadline, table, ...(warnings ? [warnings] : []), steps);
}

function renderStep(step, link) {
  const item = el("li", {}, el("p", { text: step.text }));
  if (step.source) {
    const href = link(step.source);
    const quote = el("blockquote", {}, el("p", { text: `“${step.source.quote}”` }));
    if (href) quote.append(el("p", {}, el("a", { href, text: "查看通知原文" })));
    item.append(quote);
  }
  if (step.interpretation) item.append(el("p", { class: "calc-interpretation", text: `解释：${step.interpretation}` }));
  return item;
}

/** `errors`: [{field, message, label, target}]; `target` is the id of the input, linked from the list. */
export function renderErrors(container, errors) {
  container.replaceChildren(el("p", { class: "calc-verdict calc-short", text: "请先改正标出的输入：" }),
    el("ul", {}, ...errors.map((e) => (e.label
      ? el("li", {}, e.target ? el("a", { href: `#${e.target}`, text: e.label }) : e.label, `：${e.message}`)
      : el("li", { text: e.message })))));
}
