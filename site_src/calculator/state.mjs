// The form's state: exactly what the user typed (strings), saved to localStorage on every change, and
// turned into the calculator contract's person JSON only when it is sent to the engine.

const KEY = "henan-ce-calculator/v1";
const MONTH_FIELDS = ["abroad_months", "sick_leave_months", "maternity_months", "approved_leave_months"];

export function emptyRecord() {
  return { date: "", category: "public", required_course: false, hours: "", mode: "online", days: "", title: "" };
}

export function initialState(defaultPolicy) {
  return {
    policy: defaultPolicy,
    employer: "",
    circumstances: { abroad_months: "", sick_leave_months: "", maternity_months: "", approved_leave_months: "",
      full_year_service: false },
    cadre_academy_hours: "",
    records: [emptyRecord()],
  };
}

export function loadState(defaultPolicy, policyIds) {
  const fallback = initialState(defaultPolicy);
  try {
    const saved = JSON.parse(localStorage.getItem(KEY) || "null");
    if (!saved || typeof saved !== "object") return fallback;
    const state = { ...fallback, ...saved, circumstances: { ...fallback.circumstances, ...(saved.circumstances || {}) } };
    if (!policyIds.includes(state.policy)) state.policy = defaultPolicy;
    state.records = Array.isArray(saved.records) ? saved.records.map((r) => ({ ...emptyRecord(), ...r })) : [];
    return state;
  } catch {
    return fallback;
  }
}

export function saveState(state) {
  try {
    localStorage.setItem(KEY, JSON.stringify(state));
  } catch {
    // Private mode or a full quota: the calculator still works, it just will not remember.
  }
}

const blank = (text) => String(text ?? "").trim() === "";

/** A typed number becomes a number; anything else is passed on as typed, so the engine can name it. */
function number(text) {
  const trimmed = String(text).trim();
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(trimmed) ? Number(trimmed) : trimmed;
}

export function isEmptyRecord(record) {
  return blank(record.date) && blank(record.hours) && blank(record.days) && blank(record.title);
}

/** -> {person, indexOf}: `indexOf[i]` is the form row of the person's records[i] (empty rows are left out). */
export function toPerson(state) {
  const person = { policy: state.policy, circumstances: {}, records: [] };
  if (state.employer) person.employer = state.employer;
  for (const field of MONTH_FIELDS) {
    if (!blank(state.circumstances[field])) person.circumstances[field] = number(state.circumstances[field]);
  }
  person.circumstances.full_year_service = Boolean(state.circumstances.full_year_service);
  if (!blank(state.cadre_academy_hours)) person.cadre_academy_hours = number(state.cadre_academy_hours);
  const indexOf = [];
  state.records.forEach((record, row) => {
    if (isEmptyRecord(record)) return;
    const out = { date: String(record.date).trim(), category: record.category, required_course: Boolean(record.required_course),
      hours: blank(record.hours) ? "" : number(record.hours), mode: record.mode };
    if (!blank(record.days)) out.days = number(record.days);
    if (!blank(record.title)) out.title = String(record.title);
    person.records.push(out);
    indexOf.push(row);
  });
  return { person, indexOf };
}
