// The printed self-check report (issue 12, item 8): one A4 page that an HR office can file. Built from the
// page's data (the notice and its 文号), the person's optional name, unit and employee number (kept only in
// this browser), the records as typed and the engine's result JSON. Hidden on screen; the print stylesheet
// (calculator.css) prints it alone, in black on white whatever the screen's palette.
import { el } from "./form.mjs";

const ROWS = [["total", "合计"], ["public", "公需科目"], ["public_required_course", "其中必修课"], ["professional", "专业科目"]];
const CATEGORY = { public: "公需", professional: "专业" };
const MODE = { online: "在线", face_to_face: "面授", activity: "活动折算" };
export const PERSON = [["name", "姓名"], ["unit", "单位"], ["staff_number", "工号"]];

const hours = (value) => (value === null || value === undefined ? "—" : `${value}`);
const typed = (value) => String(value ?? "").trim();

function dateText(iso) {
  const [y, m, d] = iso.split("-").map(Number);
  return `${y}年${m}月${d}日`;
}

const today = () => {
  const now = new Date();
  return `${now.getFullYear()}年${now.getMonth() + 1}月${now.getDate()}日`;
};

/** The optional fields for the report's heading: inside the form, so that they are saved with it. */
export function personFields(person) {
  const field = ([key, label]) => {
    const id = `f-person-${key}`;
    return el("div", { class: "calc-field" }, el("label", { for: id, text: label }),
      el("input", { type: "text", id, value: person[key] ?? "", autocomplete: "off", "data-person": key }));
  };
  return el("fieldset", { class: "calc-report-person-fields" },
    el("legend", { text: "自查报告上的个人信息（可不填）" }),
    el("p", { class: "calc-hint", text: "只用于打印的报告，只保存在本机浏览器，不参与计算。" }),
    el("div", { class: "calc-report-person-grid" }, ...PERSON.map(field)));
}

function noticeLine(policy) {
  const notice = policy.notice || {};
  const number = `文号：${notice.number || (notice.number_note || "不详").replace(/。$/, "")}`;
  const implementing = (notice.implements || []).length ? `；所贯彻的上级通知：${notice.implements.join("、")}` : "";
  return `${policy.label} 年度：${notice.title || ""}（${number}${implementing}）`;
}

function resultTable(result) {
  return el("table", { class: "calc-report-table" },
    el("thead", {}, el("tr", {}, ...["类别", "应完成", "已计入", "尚差"].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...ROWS.filter(([key]) => result.required[key] !== null && result.required[key] !== undefined)
      .map(([key, label]) => el("tr", {}, el("th", { scope: "row", text: label }),
        ...["required", "credited", "remaining"].map((column) => el("td", { text: hours(result[column][key]) }))))));
}

function recordsTable(records) {
  const heads = ["序号", "日期", "类别", "必修", "方式", "学时", "天数", "课程或活动名称"];
  return el("table", { class: "calc-report-table calc-report-records" },
    el("thead", {}, el("tr", {}, ...heads.map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...records.map(({ record, row }) => el("tr", {},
      el("td", { text: String(row + 1) }), el("td", { text: typed(record.date) }),
      el("td", { text: CATEGORY[record.category] || typed(record.category) }),
      el("td", { text: record.required_course ? "是" : "" }),
      el("td", { text: MODE[record.mode] || typed(record.mode) }),
      el("td", { text: typed(record.hours) }), el("td", { text: typed(record.days) }),
      el("td", { text: typed(record.title) })))));
}

function reasons(result) {
  return el("ol", { class: "calc-report-steps" }, ...result.steps.map((step) => {
    const item = el("li", {}, step.text);
    if (step.source) item.append(el("span", { class: "calc-report-quote", text: ` 原文：“${step.source.quote}”` }));
    if (step.interpretation) item.append(el("span", { class: "calc-report-quote", text: ` 解释：${step.interpretation}` }));
    return item;
  }));
}

/** `view`: {policy, state, result?, errors?}; the report is rebuilt whenever one of them changes. */
export function renderReport(node, view) {
  const { policy, state, result, errors, verdict } = view; // verdict: the answer's words (calculator.verdict)
  const person = PERSON.filter(([key]) => typed(state.person?.[key]))
    .map(([key, label]) => el("span", { text: `${label}：${typed(state.person[key])}` }));
  const records = state.records.map((record, row) => ({ record, row }))
    .filter(({ record }) => ["date", "hours", "days", "title"].some((k) => typed(record[k])));
  const parts = [el("h2", { class: "calc-report-title", text: "专业技术人员继续教育学时自查报告" })];
  if (person.length) parts.push(el("p", { class: "calc-report-person" }, ...person));
  if (!policy) {
    parts.push(el("p", { text: "尚未选择城市与年度，没有核对结果。" }));
  } else {
    parts.push(el("p", { class: "calc-report-notice", text: `依据通知：${noticeLine(policy)}` }));
    if (errors && errors.length) {
      parts.push(el("p", { class: "calc-report-verdict", text: "输入有误，尚未核对：" }),
        el("ul", {}, ...errors.map((e) => el("li", { text: (e.label ? `${e.label}：` : "") + e.message }))));
    } else if (result) {
      const when = result.deadline
        ? `截止日期 ${dateText(result.deadline)}（${result.days_left >= 0 ? `还有 ${result.days_left} 天` : `已过 ${-result.days_left} 天`}）`
        : "截止日期：通知未写明";
      parts.push(el("p", { class: "calc-report-verdict",
        text: `结论：${verdict ? verdict.replace(/^✓\s*/, "")
          : result.compliant ? "已达到本年度学时要求" : `尚未达标，还差 ${result.remaining.total} 学时`}；${when}` }),
      resultTable(result));
    } else {
      parts.push(el("p", { text: "尚未填写学习记录，没有核对结果。" }));
    }
  }
  if (records.length) parts.push(el("h3", { text: `学习记录（${records.length} 条）` }), recordsTable(records));
  if (result && !(errors && errors.length)) {
    if (result.warnings.length) {
      parts.push(el("h3", { text: "提示" }), el("ul", { class: "calc-report-warnings" }, ...result.warnings.map((w) =>
        el("li", { text: (w.record !== null && w.record !== undefined ? `第 ${w.record + 1} 条记录：` : "") + w.message }))));
    }
    parts.push(el("h3", { text: "计算依据（引自通知原文）" }), reasons(result));
  }
  const address = location.origin + location.pathname;
  parts.push(el("p", { class: "calc-report-footer" },
    el("span", { text: `生成日期：${today()}` }), el("span", { text: `本站地址：${address}` }),
    el("strong", { text: "本报告为个人自查结果，以主管部门审核为准。" })));
  node.replaceChildren(...parts);
}
