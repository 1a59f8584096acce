// The calculator form: built with DOM calls (text is always set as text, never parsed as HTML), every
// input labelled, every field paired with a message element that errors and warnings are written into.

const EMPLOYERS = [["", "（未选择）"], ["public_institution", "事业单位"], ["enterprise", "企业"], ["government", "机关"],
  ["social_org", "社会组织"], ["other", "其他"]];
const CATEGORIES = [["public", "公需科目"], ["professional", "专业科目"]];
const MODES = [["online", "在线学习"], ["face_to_face", "面授培训"], ["activity", "活动折算（审核认定的学时）"]];
const MONTHS = [["abroad_months", "年度内境外工作月数"], ["sick_leave_months", "年度内病假月数"],
  ["maternity_months", "生育（产假）月数"], ["approved_leave_months", "经行业主管部门批准的其他情况月数"]];

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue;
    if (key === "text") node.textContent = value;
    else if (key === "class") node.className = value;
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

/** Make `current`'s children those of `next` (a node built with `el`), changing only what differs: on each
 * keystroke most of the results read as they did, and replacing them all had the browser style and lay out the
 * whole column again (9 ms of style and layout a keystroke with 50 records; 4 ms changed in place). Text
 * changes in place, so a screen reader's live region announces what changed. Nodes without listeners only
 * (events are delegated). */
export function morph(current, next) {
  const wanted = [...next.childNodes];
  wanted.forEach((node, i) => {
    const have = current.childNodes[i];
    if (!have) current.append(node);
    else if (have.nodeType !== node.nodeType || have.nodeName !== node.nodeName) have.replaceWith(node);
    else if (have.nodeType === Node.TEXT_NODE) {
      if (have.data !== node.data) have.data = node.data;
    } else if (have.nodeType === Node.ELEMENT_NODE) {
      if (have.isEqualNode(node)) return; // the same subtree (most of the results on a keystroke), compared natively
      for (const name of have.getAttributeNames()) if (!node.hasAttribute(name)) have.removeAttribute(name);
      for (const name of node.getAttributeNames()) {
        const value = node.getAttribute(name);
        if (have.getAttribute(name) !== value) have.setAttribute(name, value);
      }
      morph(have, node);
    }
  });
  while (current.childNodes.length > wanted.length) current.lastChild.remove();
}

export const slug = (field) => field.replace(/[[\].]+/g, "-").replace(/-$/, "");

/** A labelled control with its message slot; `field` is the contract path (records[0].hours). */
function control(field, label, input, hint) {
  const id = "f-" + slug(field);
  input.id = id;
  input.dataset.field = field;
  const message = el("p", { class: "calc-message", id: "m-" + slug(field), role: "status" });
  const described = [message.id];
  const parts = [el("label", { for: id, text: label })];
  if (hint) {
    const hintNode = el("p", { class: "calc-hint", id: "h-" + slug(field), text: hint });
    described.push(hintNode.id);
    parts.push(input, hintNode, message);
  } else parts.push(input, message);
  input.setAttribute("aria-describedby", described.join(" "));
  return el("div", { class: "calc-field" }, ...parts);
}

function select(options, value) {
  const node = el("select");
  for (const [key, label] of options) node.append(el("option", { value: key, text: label, selected: key === value }));
  return node;
}

const textInput = (value, attrs = {}) => el("input", { type: "text", value: value ?? "", autocomplete: "off", ...attrs });

export function buildPersonFields(state, policies) {
  const policy = control("policy", "城市与年度", select([["", "请选择"], ...policies.map((p) => [p.id, `${p.label} 年度`])], state.policy));
  const employer = control("employer", "单位类型", select(EMPLOYERS, state.employer));
  const months = MONTHS.map(([key, label]) => control(`circumstances.${key}`, label,
    textInput(state.circumstances[key], { inputmode: "decimal" }), "0–12；不填即为 0"));
  const fullYear = el("input", { type: "checkbox", checked: Boolean(state.circumstances.full_year_service) });
  const cadre = control("cadre_academy_hours", "河南干部网络学院已考核合格的学时",
    textInput(state.cadre_academy_hours, { inputmode: "decimal" }), "仅部分通知允许抵扣公需科目学时");
  // What the chosen notice does not provide, and the values it holds back (applyFields, showHeld).
  const notes = el("ul", { class: "calc-field-notes", "data-notes": "circumstances" });
  // aria-live, not role="status": a list keeps its own role (axe: aria-allowed-role).
  const held = el("ul", { class: "calc-held", id: HELD, "data-held": "person", "aria-live": "polite" });
  return el("div", { class: "calc-person" },
    el("fieldset", {}, el("legend", { text: "政策与单位" }), policy, employer),
    el("fieldset", {}, el("legend", { text: "年度内的特殊情况" }), notes, ...months,
      control("circumstances.full_year_service", "援藏、援疆、援外或到基层服务满一年", fullYear),
      evidenceSlot("circumstances.full_year_service"), cadre, evidenceSlot("cadre_academy_hours"), held));
}

const evidenceSlot = (field) => el("div", { class: "calc-evidence", "data-evidence": field, hidden: true });

/** Show the fields the chosen notice provides and one line for each it does not, as Python decided at build
 * time (calculator.form_fields, in the page's data as `fields`; null while no notice is chosen: only the
 * fields every record needs). A hidden field keeps its value in the state; the worker holds it back. */
export function applyFields(root, state, fields, link) {
  for (const input of root.querySelectorAll("[data-field]")) {
    const field = input.dataset.field;
    const record = /^records\[(\d+)\]\.(\w+)$/.exec(field);
    const name = record ? record[2] : field;
    let visible = true;
    if (record && ["required_course", "days"].includes(name) || name.startsWith("circumstances.")
      || name === "cadre_academy_hours") {
      visible = Boolean(fields && fields.shown[name]);
      const when = fields && record ? fields.when[name] : null;
      if (visible && when) visible = Object.entries(when).every(([k, v]) => state.records[Number(record[1])]?.[k] === v);
    }
    const box = input.closest(".calc-field");
    if (box.hidden === visible) box.hidden = !visible; // written only when it changes: no style work otherwise
    const hint = fields && fields.hints[name] && root.querySelector("#h-" + slug(field));
    if (hint && hint.textContent !== fields.hints[name]) hint.textContent = fields.hints[name];
  }
  for (const list of root.querySelectorAll("[data-notes]")) {
    const lines = fields ? fields.notes.filter((n) => n.group === list.dataset.notes).map((n) => n.text)
      : list.dataset.notes === "circumstances" ? ["选择城市与年度后，这里显示该通知规定的特殊情况。"] : [];
    if (list.dataset.shown === lines.join("\n") && list.childElementCount === lines.length) continue;
    list.dataset.shown = lines.join("\n");
    list.replaceChildren(...lines.map((text) => el("li", { text })));
    list.hidden = !lines.length;
  }
  for (const slot of root.querySelectorAll("[data-evidence]")) {
    const found = fields && fields.evidence[slot.dataset.evidence];
    const field = root.querySelector(`[data-field="${slot.dataset.evidence}"]`);
    const hidden = !found || field.closest(".calc-field").hidden;
    if (slot.hidden !== hidden) slot.hidden = hidden;
    if (!found) continue;
    const href = found.source && link(found.source);
    const shown = JSON.stringify([found.text, found.source?.quote, href]);
    if (slot.dataset.shown === shown) continue;
    slot.dataset.shown = shown;
    slot.replaceChildren(el("p", { text: found.text }),
      ...(found.source ? [el("blockquote", {}, el("p", { text: `“${found.source.quote}”` }),
        ...(href ? [el("p", {}, el("a", { href, text: "查看通知原文" }))] : []))] : []));
  }
}

const HELD = "calc-held-person";

/** The values held back for the notice (the worker's `held`, calculator.form_fields.held_back): the person's
 * fields in one list; a record's beside its record (showMessages). */
export function showHeld(held) {
  // By its id: querySelector on the form (and contains()) each took 0.3 ms of an answer after a keystroke.
  const list = document.getElementById(HELD);
  if (!list) return;
  const lines = held.filter((h) => !h.field.startsWith("records[")).map((h) => h.message);
  const shown = JSON.stringify(lines);
  if (list.dataset.shown === shown) return; // most keystrokes hold back what the last one did: the DOM is left be
  list.dataset.shown = shown;
  list.replaceChildren(...lines.map((text) => el("li", { text })));
  list.hidden = !lines.length;
}

export function buildRecord(record, row) {
  const at = (name) => `records[${row}].${name}`;
  const required = el("input", { type: "checkbox", checked: Boolean(record.required_course) });
  const remove = el("button", { type: "button", class: "md-button calc-remove", "data-remove": String(row),
    text: "删除", "aria-label": `删除第 ${row + 1} 条记录` });
  // The record-level message (a warning about the record as a whole) describes the fieldset.
  return el("fieldset", { class: "calc-record", "data-row": String(row), "aria-describedby": `m-records-${row}` },
    el("legend", { text: `第 ${row + 1} 条记录` }),
    // Text, not a date picker: the date is read as typed (2023-05-10, 2023/5/10, 2023年5月10日) by the worker.
    control(at("date"), "日期", textInput(record.date, { placeholder: "2023-05-10" })),
    control(at("category"), "类别", select(CATEGORIES, record.category)),
    control(at("required_course"), "公需科目必修课", required),
    control(at("hours"), "学时", textInput(record.hours, { inputmode: "decimal" })),
    control(at("mode"), "方式", select(MODES, record.mode)),
    control(at("days"), "天数（面授）", textInput(record.days, { inputmode: "decimal" })),
    // A text area, not an input: an input drops line breaks, and a title imported with one must stay as it is.
    control(at("title"), "课程或活动名称",
      el("textarea", { rows: String(textRows(record.title)), autocomplete: "off", text: record.title ?? "" })),
    el("p", { class: "calc-message calc-record-message", id: `m-records-${row}`, role: "status" }),
    remove);
}

/** As many rows as the text has lines (up to 6): a title's text area grows with it. */
export const textRows = (text) => Math.min(6, String(text ?? "").split("\n").length);

/** Read one control back into the state (the value exactly as typed). */
export function readControl(state, input) {
  const field = input.dataset.field;
  const value = input.type === "checkbox" ? input.checked : input.value;
  const record = /^records\[(\d+)\]\.(\w+)$/.exec(field);
  if (record) state.records[Number(record[1])][record[2]] = value;
  else if (field.startsWith("circumstances.")) state.circumstances[field.slice(14)] = value;
  else state[field] = value;
}

/** Per form, the messages and invalid marks showMessages last wrote (a rebuilt form's new nodes are not in it). */
const written = new WeakMap();

/** Show messages next to fields. `messages` maps a form field (records[2].hours, or records[2] for the
 * record as a whole) to [{text, error, note}]; errors also mark the input invalid for screen readers; a note
 * (how a value was read: 读作 16 学时) is shown plainly. */
export function showMessages(root, messages) {
  const before = written.get(root) || new Map();
  const now = new Map(); // message slot -> [text, class]; the invalid inputs as [null, "invalid"]
  for (const [field, items] of Object.entries(messages)) {
    const slot = root.querySelector("#m-" + slug(field));
    if (!slot) continue;
    const error = items.some((m) => m.error);
    now.set(slot, [items.map((m) => m.text).join("；"),
      error ? "calc-error" : items.some((m) => !m.note) ? "calc-warning" : "calc-note"]);
    const input = error && root.querySelector("#f-" + slug(field));
    if (input) now.set(input, [null, "invalid"]);
  }
  // Only what changed is written: with 50 records, clearing and rewriting every slot on each keystroke took
  // longer than the engine's answer.
  for (const [node, [, kind]] of before) {
    if (now.has(node)) continue;
    if (kind === "invalid") node.removeAttribute("aria-invalid");
    else {
      node.textContent = "";
      node.classList.remove(kind);
    }
  }
  for (const [node, [text, kind]] of now) {
    const was = before.get(node);
    if (was && was[0] === text && was[1] === kind) continue;
    if (kind === "invalid") {
      node.setAttribute("aria-invalid", "true");
      continue;
    }
    node.textContent = text;
    if (was) node.classList.remove(was[1]);
    node.classList.add(kind);
  }
  written.set(root, now);
}
