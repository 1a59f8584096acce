// Records to and from CSV, as Excel in China reads and writes it: UTF-8 with or without BOM, or GBK.
// Columns use the calculator contract's field names (the same as the HR batch check); Chinese headers and
// values are accepted on import.

export const COLUMNS = ["date", "category", "required_course", "hours", "mode", "days", "title"];

const HEADER_ALIASES = {
  日期: "date", 类别: "category", 科目: "category", 必修课: "required_course", 是否必修: "required_course",
  学时: "hours", 方式: "mode", 学习方式: "mode", 天数: "days", 名称: "title", 课程: "title", 课程名称: "title",
};
const VALUE_ALIASES = {
  category: { 公需: "public", 公需科目: "public", 专业: "professional", 专业科目: "professional" },
  mode: { 在线: "online", 在线学习: "online", 面授: "face_to_face", 面授培训: "face_to_face",
    活动: "activity", 活动折算: "activity" },
  required_course: { 是: "true", 否: "false", true: "true", false: "false", 1: "true", 0: "false", "": "false" },
};

/** Bytes of a CSV file -> text: UTF-8 when the bytes are valid UTF-8 (BOM dropped), else GBK. */
export function decodeCsv(buffer) {
  const bytes = new Uint8Array(buffer);
  let text;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    text = new TextDecoder("gbk").decode(bytes);
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** RFC 4180 rows: quoted fields, doubled quotes, CRLF or LF. */
export function parseRows(text) {
  const rows = [];
  let row = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { row.push(field); field = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field); rows.push(row); row = []; field = "";
    } else field += ch;
  }
  if (field !== "" || row.length) { row.push(field); rows.push(row); }
  return rows.filter((r) => r.some((cell) => cell.trim() !== ""));
}

/** CSV text -> {records, problems}: records keep the cells as typed (strings), for the form. */
export function recordsFromCsv(text) {
  const rows = parseRows(text);
  if (!rows.length) return { records: [], problems: ["文件是空的"] };
  const header = rows[0].map((h) => HEADER_ALIASES[h.trim()] || h.trim());
  const unknown = header.filter((h) => !COLUMNS.includes(h));
  if (!header.includes("date") || !header.includes("hours")) {
    return { records: [], problems: [`第 1 行应为表头，至少含 date（日期）和 hours（学时）列；读到：${rows[0].join("，")}`] };
  }
  const problems = unknown.length ? [`忽略未知的列：${unknown.join("，")}`] : [];
  const records = rows.slice(1).map((cells) => {
    const record = { date: "", category: "public", required_course: false, hours: "", mode: "online", days: "", title: "" };
    header.forEach((key, i) => {
      if (!COLUMNS.includes(key)) return;
      let value = unformula((cells[i] ?? "").trim());
      if (VALUE_ALIASES[key] && value in VALUE_ALIASES[key]) value = VALUE_ALIASES[key][value];
      record[key] = key === "required_course" ? value === "true" : value;
    });
    return record;
  });
  return { records, problems };
}

/** Records -> CSV text with a BOM (so Excel opens it as UTF-8); cells that a spreadsheet would run
 * as a formula (= + - @ at the start) are written with a leading apostrophe. */
export function recordsToCsv(records) {
  const lines = [COLUMNS.join(",")];
  for (const record of records) {
    lines.push(COLUMNS.map((key) => quote(key === "required_course" ? String(Boolean(record[key])) : record[key])).join(","));
  }
  return "\ufeff" + lines.join("\r\n") + "\r\n";
}

function quote(value) {
  let text = value === undefined || value === null ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text)) text = "'" + text;
  return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
}

/** Undo the apostrophe that recordsToCsv puts before formula-like cells. */
function unformula(text) {
  return /^'[=+\-@]/.test(text) ? text.slice(1) : text;
}
