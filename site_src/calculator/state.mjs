// The form's state: exactly what the user typed (strings, and true/false for the check boxes), saved in this
// browser (localStorage) on every change and sent as typed to the worker, where Python reads it.
//
// Several tabs share one saved copy. Each tab remembers the text it last read or wrote (`seen`): another
// tab's save shows as a `storage` event (the page then takes the newer copy), and before each save the page
// checks that the copy is still the one it knows, so a tab opened earlier never writes over newer data.

const KEY = "henan-ce-calculator/v1";
let seen = null; // the saved text as this tab last read or wrote it

export function emptyRecord() {
  return { date: "", category: "public", required_course: false, hours: "", mode: "online", days: "", title: "" };
}

/** `policy`: "" until the person chooses where and which year (no notice is assumed for them). */
export function initialState(policy = "") {
  return {
    policy,
    employer: "",
    circumstances: { abroad_months: "", sick_leave_months: "", maternity_months: "", approved_leave_months: "",
      full_year_service: false },
    cadre_academy_hours: "",
    records: [emptyRecord()],
    // For the printed report only (name, unit, employee number): never sent to the worker.
    person: { name: "", unit: "", staff_number: "" },
  };
}

/** Saved text -> state (a copy saved by an older page, or damaged, falls back field by field). */
export function parseState(text, defaultPolicy, policyIds) { // defaultPolicy: "" (none chosen) or an id
  const fallback = initialState(defaultPolicy);
  try {
    const saved = JSON.parse(text || "null");
    if (!saved || typeof saved !== "object") return fallback;
    const state = { ...fallback, ...saved, circumstances: { ...fallback.circumstances, ...(saved.circumstances || {}) },
      person: { ...fallback.person, ...(saved.person && typeof saved.person === "object" ? saved.person : {}) } };
    if (!policyIds.includes(state.policy)) state.policy = defaultPolicy;
    state.records = Array.isArray(saved.records) ? saved.records.map((r) => ({ ...emptyRecord(), ...r })) : [];
    return state;
  } catch {
    return fallback;
  }
}

function stored() {
  try {
    return localStorage.getItem(KEY);
  } catch {
    return null; // storage disabled: nothing to share with other tabs
  }
}

/** The saved state; `preselect` (a policy named in the page's address, ?policy=luoyang/2023) replaces the
 * saved choice of notice, nothing else. */
export function loadState(preselect, policyIds) {
  seen = stored();
  const state = parseState(seen, "", policyIds);
  if (policyIds.includes(preselect)) state.policy = preselect;
  return state;
}

/** Whether the person has entered anything beyond the choice of notice and employer (until then: no verdict). */
export function entered(state) {
  const typed = (value) => String(value ?? "").trim() !== "";
  return state.records.some((r) => ["date", "hours", "days", "title"].some((k) => typed(r[k])))
    || Object.entries(state.circumstances).some(([, v]) => v === true || (v !== false && typed(v)))
    || typed(state.cadre_academy_hours);
}

/** The saved text when another tab has saved since this tab last read or wrote it; else null. */
export function newerSaved() {
  const now = stored();
  return now !== null && now !== seen ? now : null;
}

/** Take another tab's saved text as this tab's own (it was read from the `storage` event or newerSaved). */
export function adopt(text) {
  seen = text;
}

export const isStorageKey = (key) => key === KEY || key === null;

/** Save; false when the browser refuses (a full quota, storage disabled): the page keeps the state and says so. */
export function saveState(state) {
  const text = JSON.stringify(state);
  try {
    localStorage.setItem(KEY, text);
    seen = text;
    return true;
  } catch {
    return false;
  }
}
