"""The browser calculator's entry points: JSON text in, JSON text out; nothing here raises.

The web worker calls
- `handle(request)` with {"form": {...the form's fields as typed...}, "as_of": "YYYY-MM-DD" | null}: the
  fields are read by calculator.vocabulary (calculator.person_input.read_form) and checked by the engine.
  The answer is {"ok": true, "result": <the contract's output>, "view": <what the page draws from it>,
  "readings": {field: how it was read}, "held": [{"field", "message"}],
  "anchors": {"<document>|<quote>": the passage's anchor on its notice page}} or {"ok": false, "errors": [{"field",
  "message"}], "readings": {...}, "held": [...]}; fields, each warning's `record`, each late record's `record`
  and planned.records name the form's rows (empty rows are not sent to the engine, so its records[i] is the
  form's rows[i]). `view` (calculator.verdict, calculator.make_up): the verdict naming each floor that is
  short, the table's rows with their progress, the planned records' projection, and after the deadline what
  the notice says about making up. `held`: values in fields the notice does not use (calculator.form_fields),
  kept in the form and not counted.
  {"person": <the contract's person JSON>, "as_of": ...} is answered with the contract's output as is.
- `handle_lines(text)` with the same form as lines (the page's keystrokes): the form without its records and
  "as_of" on the first line, then each record's JSON on a line of its own; the answer is handle()'s, but a
  record's reading is kept by its line, so that a keystroke reads again only the record it changed.
- `import_file(data, name)` with a file's bytes: {"ok": true, "records", "problems", "summary"} or
  {"ok": false, "message"} (calculator.person_file.import_records);
- `export_file(records)` with the form's records as JSON: {"ok": true, "text": <CSV>}.
An unexpected failure becomes one plain message, never a traceback on the page. The policy bundle ships
inside the wheel (calculator/data/: an index and a file a policy, webcalc.wheel.bundle_files), so its sha256
is checked with the code; a policy's file is read the first time it is asked for. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from functools import cache, lru_cache
from typing import Any

from .citations import quote_id
from .engine import Engine
from .form_fields import form_fields, held_back_person, held_back_record
from .make_up import after_deadline
from .person import PersonError, ReadRecord, read_person_with, read_record
from .person_input import RowReading, read_form_rows, read_row
from .verdict import planned, rows, verdict

DATA = os.path.join(os.path.dirname(__file__), "data")
INTERNAL = "计算器内部错误（{}），请刷新后重试"


@cache
def engine() -> Engine:
    index = json.loads(_read_beside_module(os.path.join(DATA, "bundle.json")))
    ids = index.pop("policy_ids")  # the policies' files: webcalc.wheel.bundle_files
    return Engine({**index, "policies": PolicyFiles(ids)})


class PolicyFiles(Mapping[str, Any]):
    """The bundle's policies by id, each parsed from its own file the first time it is asked for: a visit
    parses the notice it checks, not every notice archived. (Asking whether an id is here reads nothing.)"""

    def __init__(self, ids: list[str]):
        self._ids = frozenset(ids)
        self._read: dict[str, Any] = {}

    def __getitem__(self, policy_id: str) -> Any:
        if policy_id not in self._ids:
            raise KeyError(policy_id)
        if policy_id not in self._read:
            path = os.path.join(DATA, "policies", *policy_id.split("/")) + ".json"
            self._read[policy_id] = json.loads(_read_beside_module(path))
        return self._read[policy_id]

    def __contains__(self, policy_id: object) -> bool:
        return policy_id in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._ids))

    def __len__(self) -> int:
        return len(self._ids)


def _read_beside_module(path: str) -> bytes:
    """A file of the package: the calculator page imports the wheel as a zip (its modules' files are inside it),
    the batch page installs it unpacked; this module's own loader reads the file either way. (importlib.resources
    would import pathlib, tempfile, shutil and inspect first, on the way to the first result.)"""
    loader = globals().get("__loader__")
    get_data = getattr(loader, "get_data", None)
    if get_data is not None:
        data: bytes = get_data(path)
        return data
    with open(path, "rb") as handle:
        return handle.read()


def fields_of(policy_id: str) -> dict[str, Any]:
    """The fields a notice provides: the same for every keystroke, worked out once per engine."""
    return _fields_of(engine(), policy_id)


@cache
def _fields_of(rules: Engine, policy_id: str) -> dict[str, Any]:
    return form_fields(rules.policy(policy_id))


def policies() -> str:
    return json.dumps(engine().policy_ids())


def handle(request: str) -> str:
    return json.dumps(respond(request), ensure_ascii=False)


def handle_lines(text: str) -> str:
    """handle() for the page's keystrokes, as lines: first {"form": <the form without its records>, "as_of"},
    then one line a form row, each the row's JSON (which holds no raw line break). A row's reading is kept by
    its line, so that a keystroke reads the one record it changed, not all fifty; the answer is handle()'s."""
    return json.dumps(_guarded(lambda: _respond_lines(text)), ensure_ascii=False)


def respond(request: str) -> dict[str, Any]:
    return _guarded(lambda: _respond_request(json.loads(request)))


def _respond_request(data: Any) -> dict[str, Any]:
    as_of = _as_of(data)
    if "form" in data:
        return respond_form(data["form"], as_of)
    return {"ok": True, "result": engine().check(data.get("person"), as_of)}


def _respond_lines(text: str) -> dict[str, Any]:
    head, *lines = text.split("\n")  # not splitlines(): a title may hold U+2028, which JSON leaves as it is
    data = json.loads(head)
    form = data.get("form")
    form = form if isinstance(form, dict) else {}
    policy_id = _known_policy(form)
    rows = [_line_row(policy_id, row, line) for row, line in enumerate(lines)]
    return _respond_rows(form, policy_id, rows, _as_of(data))


def _as_of(data: Any) -> dt.date | None:
    return dt.date.fromisoformat(data["as_of"]) if data.get("as_of") else None


def _guarded(answer: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    try:
        return answer()
    except PersonError as err:
        return {"ok": False, "errors": [{"field": p.field, "message": p.message} for p in err.problems]}
    except Exception as err:  # noqa: BLE001 - the page must get a message, not a traceback
        return {"ok": False, "errors": [{"field": "", "message": INTERNAL.format(type(err).__name__)}]}


# A form row as the page's worker holds it: the values held back there, its reading (person_input.read_row),
# and, when it reads as a record, that record as the engine reads it (person.read_record, named by its row).
FormRow = tuple[Sequence[dict[str, str]], RowReading, ReadRecord | None]


def _known_policy(form: Mapping[str, Any]) -> str | None:
    policy_id = form.get("policy")
    return policy_id if isinstance(policy_id, str) and policy_id in engine().bundle.get("policies", {}) else None


def _form_row(policy_id: str | None, row: int, record: Any) -> FormRow:
    held: list[dict[str, str]] = []
    if policy_id is not None:
        record, held = held_back_record(row, record, fields_of(policy_id))
    reading = read_row(row, record)
    as_engine_reads = read_record(reading[0], row) if reading is not None and not reading[2] else None
    return held, reading, as_engine_reads


@lru_cache(maxsize=1024)
def _line_row(policy_id: str | None, row: int, line: str) -> FormRow:
    """A row sent as a line: its reading depends on the notice, the row and the line's text alone. (The text,
    not the values: true and 1 are different lines.) Its messages are shared with the cache, never changed."""
    held, reading, as_engine_reads = _form_row(policy_id, row, json.loads(line))
    return tuple(held), reading, as_engine_reads


def respond_form(form: Any, as_of: dt.date | None) -> dict[str, Any]:
    form = form if isinstance(form, dict) else {}
    policy_id = _known_policy(form)
    records = form.get("records")
    rows = [
        _form_row(policy_id, row, record) for row, record in enumerate(records if isinstance(records, list) else [])
    ]
    return _respond_rows(form, policy_id, rows, as_of)


def _respond_rows(
    form: dict[str, Any], policy_id: str | None, rows: list[FormRow], as_of: dt.date | None
) -> dict[str, Any]:
    """The answer to a form whose rows are read already (its own records are not looked at)."""
    held: list[dict[str, str]] = []
    if policy_id is not None:
        form, held = held_back_person(form, fields_of(policy_id))  # the rows are held back each alone
    for row_held, _, _ in rows:
        held.extend(row_held)
    reading = read_form_rows(form, [row_reading for _, row_reading, _ in rows])
    readings = reading.readings
    if reading.person is None:
        errors = [{"field": p.field, "message": p.message} for p in reading.problems]
        return {"ok": False, "errors": errors, "readings": readings, "held": held}
    form_rows = reading.rows
    # The records as the engine reads them, each once per line (a record's problems name its form row): the
    # person's i-th record is the row form_rows[i].
    records = [_numbered(i, rows[row][2]) for i, row in enumerate(form_rows)]
    try:
        result = engine().check_person(read_person_with(reading.person, records), as_of)
    except PersonError as err:
        errors = [{"field": p.field, "message": p.message} for p in err.problems]
        return {"ok": False, "errors": errors, "readings": readings, "held": held}
    for warning in result["warnings"]:
        if isinstance(warning.get("record"), int):
            warning["record"] = form_rows[warning["record"]]
    for late in result["late"]:
        late["record"] = form_rows[late["record"]]
    result["planned"]["records"] = [form_rows[ref] for ref in result["planned"]["records"]]
    shown = view(result)
    answer = {"ok": True, "result": result, "view": shown, "readings": readings, "held": held}
    return {**answer, "anchors": passage_anchors([result, shown])}


def _numbered(index: int, read: ReadRecord | None) -> ReadRecord:
    """A row's record as the engine read it, numbered as the person's `index`-th record."""
    assert read is not None  # a row read without problems is read by the engine too (_form_row)
    record, problems = read
    return (None if record is None else (index, record[1], record[2])), problems


def view(result: dict[str, Any]) -> dict[str, Any]:
    """What the page draws from a result, decided here so that the page never re-derives a rule."""
    return {
        "verdict": verdict(result),
        "rows": rows(result),
        "planned": planned(result),
        "after_deadline": after_deadline(engine().policy(result["policy"]), result),
    }


def passage_anchors(value: Any) -> dict[str, str]:
    """The notice-page anchor of every passage the answer quotes ({document, quote} anywhere in it), so that
    the page can link each quote without a table of all the site's passages (1.4 MB at 180 policies)."""
    found: dict[str, str] = {}
    stack = [value]
    while stack:  # only containers go on the stack: an answer holds hundreds of strings and numbers
        item = stack.pop()
        if type(item) is dict:
            quote = item.get("quote")
            if type(quote) is str and type(item.get("document")) is str:
                found[f"{item['document']}|{quote}"] = quote_id(quote)
            stack.extend([v for v in item.values() if type(v) is dict or type(v) is list])
        elif type(item) is list:
            stack.extend([v for v in item if type(v) is dict or type(v) is list])
    return found


def import_file(data: Any, name: str = "") -> str:
    """`data`: the file's bytes (in Pyodide, the worker's Uint8Array, which has `to_bytes`)."""
    from .person_file import ImportRefused, import_records  # here: off the way to the first result

    try:
        raw = data.to_bytes() if hasattr(data, "to_bytes") else bytes(data)
        answer: dict[str, Any] = import_records(raw, str(name)).as_json()
    except ImportRefused as err:
        answer = {"ok": False, "message": str(err)}
    except Exception as err:  # noqa: BLE001
        answer = {"ok": False, "message": f"导入时出现内部错误（{type(err).__name__}），文件没有导入"}
    return json.dumps(answer, ensure_ascii=False)


def export_file(records: str) -> str:
    from .person_file import export_records

    try:
        data = json.loads(records)
        answer = {"ok": True, "text": export_records(data if isinstance(data, list) else [])}
    except Exception as err:  # noqa: BLE001
        answer = {"ok": False, "message": f"导出时出现内部错误（{type(err).__name__}）"}
    return json.dumps(answer, ensure_ascii=False)
