// The compact summary that stays in view while the person types (issue 12, item 2): what is still short, per
// category, and the deadline, from the same result JSON the full results are drawn from. On a phone it sticks
// under the header above the form; on a wide screen it heads the results column beside the form.
import { el, morph } from "./form.mjs";

const PARTS = [["public", "公需"], ["public_required_course", "必修"], ["professional", "专业"]];

const number = (value) => `${value}`;

function dateText(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

/** "截止 2023年12月31日（已过 1066 天）", or that the notice names no date. */
export function deadlineText(result) {
  if (!result.deadline) return "截止日期：通知未写明";
  const left = result.days_left;
  return `截止 ${dateText(result.deadline)}（${left >= 0 ? `还有 ${left} 天` : `已过 ${-left} 天`}）`;
}

/** What is short, category by category: "公需 4 · 其中必修 4 · 专业 60", only the ones that are short. */
export function shortText(result) {
  const parts = PARTS.filter(([key]) => (result.remaining[key] ?? 0) > 0)
    .map(([key, label]) => `${label} ${number(result.remaining[key])}`);
  return parts.join(" · ");
}

const link = () => el("a", { href: "#calc-results", class: "calc-summary-more", text: "详细结果" });

/** Keep --calc-summary-h on <html> at the summary's height: the wide layout's results column sticks below it. */
export function trackHeight(node) {
  if (typeof ResizeObserver !== "function") return;
  new ResizeObserver(() => {
    document.documentElement.style.setProperty("--calc-summary-h", `${node.offsetHeight}px`);
  }).observe(node);
}

/** `view`: {policy} (chosen, no answer yet), {policy, result, verdict}, {policy, errors: n}, or {} (nothing
 * chosen); `verdict`: the answer's words (calculator.verdict, naming the floor that is short); `waiting`: while
 * the calculator loads, the words saying how far it has got (the answer comes after). */
export function renderSummary(node, view) {
  const { policy, result, verdict, errors, waiting } = view;
  if (!policy) {
    node.hidden = true;
    node.replaceChildren();
    return;
  }
  node.hidden = false;
  let lines;
  if (errors) {
    lines = [el("p", { class: "calc-summary-verdict calc-short", text: `有 ${errors} 处输入需要改正，改正后显示还差多少` })];
  } else if (result && result.compliant) {
    lines = [el("p", { class: "calc-summary-verdict calc-ok", text: "✓ 已达到本年度学时要求" }),
      el("p", { text: deadlineText(result) })];
  } else if (result) {
    const short = shortText(result);
    lines = [el("p", { class: "calc-summary-verdict calc-short",
      text: verdict || `尚未达标：还差 ${number(result.remaining.total)} 学时` }),
    // the answer's own words already name each floor that is short; without them, the categories
    el("p", { text: (short && !verdict ? `其中 ${short}；` : "") + deadlineText(result) })];
  } else {
    const req = policy.required;
    const parts = [["total", "合计"], ...PARTS].filter(([key]) => req[key] !== null && req[key] !== undefined)
      .map(([key, label]) => `${label} ${req[key]}`);
    lines = [el("p", { class: "calc-summary-verdict", text: `${policy.label} 年度应完成：${parts.join(" · ")} 学时` })];
    if (waiting) lines.push(el("p", { text: `计算组件加载中（${waiting}），加载完即显示还差多少。` }));
  }
  morph(node, el("div", {}, el("div", { class: "calc-summary-text" }, ...lines), link()));
}
