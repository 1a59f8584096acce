"""The browser's input read in Python (calculator.person_input, calculator.person_file, calculator.browser): the
form's typed text, CSV files of one person's records, and the export that reads back to the same records. Fast,
no browser.

Tables of cases: text as people type it or spreadsheets write it, and what the page must be told.
"""

from __future__ import annotations

import io
import json
import sys
import time
import zipfile
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from calculator import browser
from calculator.cli import load_bundle
from calculator.engine import Engine
from calculator.person_file import MAX_RECORDS, ImportRefused, export_records, import_records
from calculator.person_input import read_form

HEADER = "日期,类别,是否必修,学时,方式,天数,课程名称\r\n"


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(load_bundle(None, err=sys.stderr))


@pytest.fixture
def respond(engine, monkeypatch):
    """calculator.browser's answer to a form, with the checkout's policies."""
    monkeypatch.setattr(browser, "engine", lambda: engine)

    def answer(form: dict[str, Any], as_of: str = "2023-11-23") -> dict[str, Any]:
        return json.loads(browser.handle(json.dumps({"form": form, "as_of": as_of})))

    return answer


def rec(**typed: Any) -> dict[str, Any]:
    out: dict[str, Any] = {
        "date": "2023-05-10",
        "category": "public",
        "required_course": False,
        "hours": "6",
        "mode": "online",
        "days": "",
        "title": "",
    }
    out.update(typed)
    return out


def form(*records: dict[str, Any], **fields: Any) -> dict[str, Any]:
    circumstances = {
        "abroad_months": "",
        "sick_leave_months": "",
        "maternity_months": "",
        "approved_leave_months": "",
        "full_year_service": False,
    }
    circumstances.update(fields.pop("circumstances", {}))
    return {
        "policy": "luoyang/2023",
        "employer": "",
        "circumstances": circumstances,
        "cadre_academy_hours": "",
        "records": list(records),
        **fields,
    }


# ---- the form ----------------------------------------------------------------------------------------------

READ = [
    # (field, typed, value sent to the engine, reading shown to the person or None)
    ("records[0].hours", "16学时", 16, "读作 16 学时"),
    ("records[0].hours", "５", 5, "读作 5 学时"),
    ("records[0].hours", "1.5", 1.5, None),
    ("records[0].hours", " 6 ", 6, None),
    ("records[0].date", "2023/5/10", "2023-05-10", "读作 2023年5月10日"),
    ("records[0].date", "2023.5.10", "2023-05-10", "读作 2023年5月10日"),
    ("records[0].date", "2023年5月10日", "2023-05-10", "读作 2023年5月10日"),
    ("records[0].date", "2023-05-10", "2023-05-10", None),
    ("records[0].days", "2天", 2, "读作 2 天"),
    ("circumstances.abroad_months", "5个月", 5, "读作 5 个月"),
    ("cadre_academy_hours", "２０", 20, "读作 20 学时"),
]


def _set(data: dict[str, Any], field: str, typed: str) -> None:
    if field.startswith("records[0]."):
        data["records"][0][field.split(".")[1]] = typed
    elif field.startswith("circumstances."):
        data["circumstances"][field.split(".")[1]] = typed
    else:
        data[field] = typed


def _sent(person: dict[str, Any], field: str) -> Any:
    if field.startswith("records[0]."):
        return person["records"][0][field.split(".")[1]]
    if field.startswith("circumstances."):
        return person["circumstances"][field.split(".")[1]]
    return person[field]


@pytest.mark.parametrize(("field", "typed", "value", "shown"), READ, ids=[f"{f}={t}" for f, t, _, _ in READ])
def test_the_form_is_read_by_the_vocabulary_and_says_how(field, typed, value, shown):
    data = form(rec())
    _set(data, field, typed)
    reading = read_form(data)
    assert reading.problems == []
    assert reading.person is not None
    assert _sent(reading.person, field) == value
    assert reading.readings.get(field) == shown


REFUSED = [
    # (field, typed, words the message must have)
    ("records[0].hours", "", "缺少此项"),
    ("records[0].hours", "   ", "缺少此项"),
    ("records[0].hours", "1e999", "学时应为数字"),
    ("records[0].hours", "3_0", "学时应为数字"),
    ("records[0].hours", "-3", "学时不能为负数"),
    ("records[0].hours", "5000.004", "最多两位小数"),
    ("records[0].hours", "16小时", "学时应为数字"),
    ("records[0].date", "5/1/2023", "分不清月和日"),
    ("records[0].date", "2023-02-30", "日期不存在"),
    ("records[0].date", "", "缺少此项"),
    ("records[0].days", "0", "天数不能少于 0.5"),
    ("circumstances.abroad_months", "13", "月数不能超过 12"),
    ("circumstances.sick_leave_months", "三个月", "月数应为数字"),
    ("cadre_academy_hours", "NaN", "学时应为数字"),
]


@pytest.mark.parametrize(("field", "typed", "words"), REFUSED, ids=[f"{f}={t!r}" for f, t, _ in REFUSED])
def test_a_bad_field_is_named_with_a_plain_message(respond, field, typed, words):
    data = form(rec(title="x"))  # the title keeps the record from being empty when the date is blank
    if field.endswith(".days"):  # days are read for face-to-face records only (calculator.form_fields)
        data["records"][0]["mode"] = "face_to_face"
    _set(data, field, typed)
    answer = respond(data)
    assert answer["ok"] is False
    assert [e["field"] for e in answer["errors"]] == [field]
    message = answer["errors"][0]["message"]
    assert words in message
    assert "null" not in message and "不是文本" not in message


def test_rows_are_the_forms_rows_in_errors_and_warnings(respond):
    data = form(
        rec(date="", hours="", title=""),  # an empty row: not sent
        rec(hours="30", mode="face_to_face", days="1"),  # 30 hours in a day: the engine's error, on row 1
        rec(date="2022-12-31"),
    )
    answer = respond(data)
    assert answer["ok"] is False
    assert [e["field"] for e in answer["errors"]] == ["records[1].hours"]
    data["records"][1]["hours"] = "6"
    answer = respond(data)
    assert answer["ok"] is True
    assert [w["record"] for w in answer["result"]["warnings"] if w["record"] is not None] == [2]
    assert answer["result"]["credited"]["public"] == 6


def test_every_quoted_passage_comes_with_its_notice_anchor(respond):
    from calculator.citations import quote_id

    answer = respond(form(rec(hours="16", mode="face_to_face", days="2", category="professional")))
    assert answer["ok"] is True
    sources = [s["source"] for s in answer["result"]["steps"] if s.get("source")]
    assert sources, "the answer quotes no passage"
    assert {f"{s['document']}|{s['quote']}" for s in sources} <= set(answer["anchors"])
    for key, anchor in answer["anchors"].items():
        assert anchor == quote_id(key.split("|", 1)[1])


def test_a_person_request_still_gets_the_contracts_answer(engine, monkeypatch):
    monkeypatch.setattr(browser, "engine", lambda: engine)
    person = {"policy": "luoyang/2023", "records": [{"date": "2023-05-10", "category": "public", "hours": 6}]}
    answer = json.loads(browser.handle(json.dumps({"person": person, "as_of": "2023-11-23"})))
    assert answer == {"ok": True, "result": engine.check(person, __import__("datetime").date(2023, 11, 23))}


def test_nothing_raises_out_of_the_entry_points():
    assert json.loads(browser.handle("{not json"))["ok"] is False
    assert json.loads(browser.import_file(object(), "x.csv"))["ok"] is False
    assert json.loads(browser.export_file("{"))["ok"] is False


# ---- import: what a cell means ------------------------------------------------------------------------------

VALUES = [
    # (cells as a spreadsheet writes them, the record the form gets)
    ("2023/5/10,公需课,TRUE,6,线上,,a", rec(required_course=True, title="a")),
    ("2023.5.10,公需,yes,6,网络,,a", rec(required_course=True, title="a")),
    ("2023年5月10日,公需科目,是,6,在线,,a", rec(required_course=True, title="a")),
    ("2023-05-10,public,√,6,online,,a", rec(required_course=True, title="a")),
    ("2023-05-10,公需,必修,6,,,a", rec(required_course=True, title="a")),
    (
        "2023-05-10,专业课,否,８,面授,２天,a",
        rec(category="professional", hours="8", mode="face_to_face", days="2", title="a"),
    ),
    (
        "2023-05-10,专业,,16学时,线下,1,a",
        rec(category="professional", hours="16", mode="face_to_face", days="1", title="a"),
    ),
    ("2023-05-10,公需,FALSE,6,活动,,a", rec(mode="activity", title="a")),
]


@pytest.mark.parametrize(("cells", "want"), VALUES, ids=[c for c, _ in VALUES])
def test_import_reads_cells_with_the_batchs_vocabulary(cells, want):
    got = import_records((HEADER + cells + "\r\n").encode("utf-8"), "r.csv")
    assert got.records == [want]
    assert got.problems == []


ENCODINGS = [
    ("utf-8", b""),
    ("utf-8", b"\xef\xbb\xbf"),
    ("gbk", b""),
    ("utf-16-le", b"\xff\xfe"),
    ("utf-16-be", b"\xfe\xff"),
]


@pytest.mark.parametrize(("encoding", "bom"), ENCODINGS, ids=[f"{e}{'+bom' if b else ''}" for e, b in ENCODINGS])
@pytest.mark.parametrize("delimiter", [",", "\t"], ids=["comma", "tab"])
def test_import_reads_what_excel_and_wps_write(encoding, bom, delimiter):
    text = (
        HEADER + "2023-05-10,公需科目,是,6,在线学习,,数字经济\r\n2023-06-01,专业科目,否,8,面授培训,1,岩土\r\n"
    ).replace(",", delimiter)
    got = import_records(bom + text.encode(encoding), "r.csv")
    assert [r["title"] for r in got.records] == ["数字经济", "岩土"]
    assert got.records[0]["required_course"] is True and got.records[1]["mode"] == "face_to_face"


def test_a_stray_quote_swallows_no_row_and_is_named():
    lines = [f"2023-05-{d:02d},公需,否,1,在线,,课{d}" for d in range(1, 21)]
    lines[1] = '2023-05-02,公需,否,1,在线,,"Bob'  # spreadsheet row 3
    lines[9] = '2023-05-10,公需,否,1,在线,,x"y'  # a quote inside a cell is a character
    got = import_records((HEADER + "\r\n".join(lines) + "\r\n").encode("utf-8"), "r.csv")
    # As the batch check reads it (one CSV reader): the row with the broken quote is refused by its number,
    # every other row is imported, none swallowed into a cell.
    assert len(got.records) == 19
    assert got.rows == 20 and got.left_out == 1
    assert [r["title"] for r in got.records] == [f"课{d}" for d in range(1, 21) if d not in (2, 10)][:8] + [
        'x"y',
        *[f"课{d}" for d in range(11, 21)],
    ]
    assert [p for p in got.problems if "引号" in p] == [got.problems[0]]
    assert got.problems[0].startswith("第 3 行未导入：引号没有闭合")


def test_a_quote_left_open_at_the_end_keeps_the_last_row():
    data = (HEADER + '2023-05-01,公需,否,1,在线,,a\r\n2023-05-02,公需,否,2,在线,,"b\r\n').encode()
    got = import_records(data, "r.csv")
    assert [r["title"] for r in got.records] == ["a"]
    assert got.left_out == 1 and got.problems[0].startswith("第 3 行未导入：引号没有闭合")


def test_a_title_with_a_line_break_stays_one_record():
    data = (HEADER + '2023-05-01,公需,否,1,在线,,"第一行\r\n第二行"\r\n2023-05-02,公需,否,2,在线,,b\r\n').encode()
    got = import_records(data, "r.csv")
    assert [r["title"] for r in got.records] == ["第一行\n第二行", "b"]  # LF, as the form's text area holds it
    assert got.problems == []


def test_rows_with_bad_cells_are_kept_or_named_never_dropped_silently():
    data = (
        HEADER
        + "2023-05-01,公需,否,abc,在线,,kept\r\n"  # bad hours: imported as written, for the form to name
        + "5/1/2023,公需,否,1,在线,,kept too\r\n"
        + "2023-05-03,体育,否,1,在线,,left out\r\n"  # a category the form cannot hold: left out, named
        + ",,,,,,\r\n"
        + "2023-05-04,公需,也许,1,在线,,left out\r\n"
    ).encode()
    got = import_records(data, "r.csv")
    assert [r["title"] for r in got.records] == ["kept", "kept too"]
    assert got.records[0]["hours"] == "abc" and got.records[1]["date"] == "5/1/2023"
    assert got.rows == 5 and got.blank == 1 and got.left_out == 2
    text = "；".join(got.problems)
    for words in ("第 2 行", "第 3 行", "第 4 行未导入", "体育", "第 6 行未导入", "也许"):
        assert words in text
    assert got.summary() == "已导入 2 条记录（共读到 5 行：2 行未导入，1 行空行）。"


def _xlsx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return out.getvalue()


FILES = [
    # (bytes, file name, words of the refusal)
    (_xlsx(), "学时.xlsx", "Excel 工作簿"),
    (_xlsx(), "学时.csv", "Excel 工作簿"),  # a workbook renamed
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500), "学时.xls", "旧版 Excel"),
    ((HEADER + "2023-05-10,公需,否,6,在线,,a\r\n").encode(), "学时.xlsx", "本页只读 CSV"),  # a CSV named .xlsx
    (bytes(range(256)) * 8, "学时.csv", "二进制"),
    (b"", "x.csv", "文件是空的"),
    (b"\r\n\r\n", "x.csv", "文件是空的"),
    (HEADER.encode(), "x.csv", "只有表头"),
    (b"name,note\r\nx,y\r\n", "x.csv", "至少含“日期”"),
    (b"\xff\xfe\x00\xd8", "x.csv", "UTF-16"),
    ("工号,姓名,日期,学时\r\nA1,张三,2023-05-10,6\r\nA2,李四,2023-05-10,6\r\n".encode(), "x.csv", "多人的名单"),
    ("姓名,日期,学时\r\n张三,2023-05-10,6\r\n李四,2023-05-11,6\r\n".encode(), "x.csv", "批量核对"),
    (b"person_id,date,hours\r\n" + b"".join(b"P%d,2023-05-10,1\r\n" % i for i in range(3)), "x.csv", "3 个不同的值"),
]


@pytest.mark.parametrize(("data", "name", "words"), FILES, ids=[f"{n}:{w}" for _, n, w in FILES])
def test_a_file_that_cannot_be_imported_is_refused_with_a_plain_message(data, name, words):
    with pytest.raises(ImportRefused) as refused:
        import_records(data, name)
    message = str(refused.value)
    assert words in message
    assert all(c.isprintable() for c in message), "no binary in the message"
    answer = json.loads(browser.import_file(data, name))
    assert answer == {"ok": False, "message": message}


def test_one_persons_file_with_an_id_column_imports():
    data = "工号,姓名,日期,学时\r\nA1,张三,2023-05-10,6\r\nA1,张三,2023-05-11,2\r\n".encode()
    assert [r["hours"] for r in import_records(data, "x.csv").records] == ["6", "2"]


def test_thousands_of_records_are_refused_quickly_and_point_to_the_batch_check():
    rows = "".join(f"2023-05-{1 + i % 28:02d},公需,否,1,在线,,课程{i}\r\n" for i in range(10_000))
    data = (HEADER + rows).encode("utf-8")
    start = time.perf_counter()
    with pytest.raises(ImportRefused) as refused:
        import_records(data, "big.csv")
    elapsed = time.perf_counter() - start
    assert "10000 行记录" in str(refused.value) and "批量核对" in str(refused.value)
    assert elapsed < 1.0, elapsed
    ok = (HEADER + rows.split("\r\n", MAX_RECORDS)[0] + "\r\n").encode()
    assert len(import_records(ok, "one.csv").records) == 1


def test_a_500_record_file_imports_in_well_under_a_second():
    rows = "".join(f"2023-05-{1 + i % 28:02d},公需,否,1,在线,,课程{i}\r\n" for i in range(MAX_RECORDS))
    start = time.perf_counter()
    got = import_records((HEADER + rows).encode("utf-8"), "r.csv")
    assert len(got.records) == MAX_RECORDS
    assert time.perf_counter() - start < 0.5


# ---- export then import -----------------------------------------------------------------------------------

TITLES = [
    "=already",
    "\tleading tab",
    "  spaces  ",
    'say "hi"',
    "a,b",
    "line\nbreak",
    "'=x",
    "'quote",
    "+86",
    "-",
    "@home",
    "",
    "<img src=x onerror=alert(1)>",
]


def test_export_then_import_gives_exactly_the_records():
    records = [rec(title=t, hours=str(i + 1)) for i, t in enumerate(TITLES)]
    records.append(rec(hours="abc", date="5/1/2023", days="2", mode="face_to_face", category="professional"))
    text = export_records(records)
    assert (
        text.startswith("\ufeff")
        and text.splitlines()[0] == "\ufeffdate,category,required_course,hours,mode,days,title"
    )
    assert "\r\n" in text and "'=already" in text, "a formula is written as text"
    got = import_records(text.encode("utf-8"), "export.csv")
    assert got.records == records
    assert [p for p in got.problems if "已导入" not in p] == []


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("\t\n"), max_size=12),
        min_size=1,
        max_size=5,
    )
)
def test_any_title_survives_export_then_import(titles):
    records = [rec(title=t) for t in titles]
    got = import_records(export_records(records).encode("utf-8"), "export.csv")
    assert got.records == records


def test_empty_rows_are_not_exported():
    text = export_records([rec(date="", hours="", title=""), rec()])
    assert len(text.strip().splitlines()) == 2


# ---- records read before are not read again (person.read_record, person_input.read_form) -------------------


# Values that Python's == and hash take for one another, each read after the others: a cache keyed on the
# values alone would give one's reading for the next (True == 1 == 1.0, -0.0 == 0.0); and rows with nothing typed.
CONFLATED = [
    ("hours", [True, 1, 1.0, "1", False, 0, 0.0, -0.0, ""]),
    ("days", [True, 1, 1.0, "1", -0.0, 0.0, ""]),
    ("required_course", [True, 1, "true", False, 0, ""]),
    ("title", ["", None, 0, False]),
]


@pytest.mark.parametrize(("column", "values"), CONFLATED, ids=[c for c, _ in CONFLATED])
def test_a_cached_reading_is_the_reading_for_that_very_value(column, values):
    from calculator import person, person_input

    def clear() -> None:
        person_input._record_again.cache_clear()
        person._read_record_again.cache_clear()

    def reading(row: dict[str, Any]) -> tuple[Any, ...]:
        form = read_form({"policy": "luoyang/2023", "records": [row]})
        engine_row = {k: v for k, v in row.items() if k != "title"}
        return form.person, form.readings, form.problems, person.read_record(engine_row, 0)

    rows = [r for v in values for r in (rec(**{column: v}), rec(**{"date": "", "hours": "", "title": "", column: v}))]
    alone = []
    for row in rows:  # each read with nothing cached
        clear()
        alone.append(reading(row))
    clear()
    for i in [*range(len(rows)), *reversed(range(len(rows)))]:  # each read after the others are cached
        assert reading(rows[i]) == alone[i], (column, rows[i][column])


def test_a_record_read_again_is_read_as_the_first_time():
    """The page sends every record on each keystroke, and a record seen before is not read again; the answer must
    be what reading it gives. True == 1 in Python: a cache keyed on the values alone would take one for the other."""
    from calculator.person import read_record

    record = {"date": "2023-05-10", "category": "public", "hours": 1}
    first = read_record(record, 0)
    assert first[1] == [] and first == read_record(dict(record), 0)
    refused = read_record({**record, "hours": True}, 0)
    assert refused[0] is None and "真假值" in refused[1][0].message
    assert read_record(record, 1)[0][0] == 1  # the same values at another index are another record
    first[1].append("changed by a caller")  # a caller's list is its own
    assert read_record(record, 0)[1] == []

    form = {"policy": "luoyang/2023", "records": [{**record, "mode": "online"}]}
    assert read_form(form).person["records"][0]["hours"] == 1
    bad = read_form({**form, "records": [{**record, "mode": "online", "hours": True}]})
    assert bad.person is None and bad.problems[0].field == "records[0].hours"
    again = read_form(form)
    again.person["records"][0]["hours"] = 99  # a caller may change what it got
    assert read_form(form).person["records"][0]["hours"] == 1
    # Not cacheable values (a list where text was expected) are read, and refused, all the same.
    odd = read_form({**form, "records": [{**record, "mode": "online", "hours": [1]}]})
    assert odd.person is None and odd.problems[0].field == "records[0].hours"


# ---- the page's keystrokes as lines (browser.handle_lines): the same answer as handle() ----------------------


def lines_of(form: dict[str, Any], as_of: str | None) -> str:
    """What the worker sends (worker.mjs formLines): the form without its records, then a line a record."""
    fields = {k: v for k, v in form.items() if k != "records"}
    compact = {"ensure_ascii": False, "separators": (",", ":")}
    head = json.dumps({"form": fields, "as_of": as_of}, **compact)
    records = form.get("records")
    if not isinstance(records, list):
        return head
    return "\n".join([head, *(json.dumps(r, **compact) for r in records)])


# Forms the page may send, hostile ones included: each answered as lines must be answered as handle() does.
AS_LINES = [
    ("typed", form(rec(hours="16学时"), rec(date="2023/5/10", category="professional", hours="５"))),
    ("empty rows", form(rec(date="", hours="", title=""), rec(), rec(date="", hours="", title=""))),
    ("not records", form(rec(), [1, 2], 7, None, "text", rec(hours="2"))),
    ("held back", form(rec(category="professional", required_course=True), rec(mode="online", days="2"))),
    ("an error", form(rec(hours="abc"), rec(date="2023-13-40"))),
    ("the engine's error", form(rec(), rec(hours="30", mode="face_to_face", days="1"))),
    ("conflated values", form(rec(hours=True), rec(hours=1), rec(hours=1.0), rec(hours="1"), rec(days=-0.0))),
    ("line breaks in titles", form(rec(title="一\n二"), rec(title="三\u2028四\r五"), rec(title='"引号"\\'))),
    ("late and planned", form(rec(date="2024-01-05"), rec(date="2023-12-20"), rec(date="2022-06-01"))),
    ("no records", {**form(), "records": "none"}),
    ("unknown notice", {**form(rec()), "policy": "nowhere/2099"}),
    ("no notice", {**form(rec()), "policy": None}),
    (
        "the person's fields",
        {
            **form(rec()),
            "employer": "事业单位",
            "cadre_academy_hours": "10",
            "circumstances": {"maternity_months": "5个月", "full_year_service": True},
        },
    ),
]


@pytest.mark.parametrize(("name", "data"), AS_LINES, ids=[n for n, _ in AS_LINES])
def test_a_form_sent_as_lines_gets_handles_answer(engine, monkeypatch, name, data):
    monkeypatch.setattr(browser, "engine", lambda: engine)
    for as_of in ("2023-11-23", None):
        want = browser.handle(json.dumps({"form": data, "as_of": as_of}, ensure_ascii=False))
        browser._line_row.cache_clear()
        assert browser.handle_lines(lines_of(data, as_of)) == want, name  # read the first time
        assert browser.handle_lines(lines_of(data, as_of)) == want, name  # each line's reading kept


def test_a_line_kept_for_one_row_is_not_another_rows_reading(engine, monkeypatch):
    """The same text in two rows is two readings (each names its row), and a row's line read before is its
    reading still after other lines were read."""
    monkeypatch.setattr(browser, "engine", lambda: engine)
    browser._line_row.cache_clear()
    bad = rec(hours="abc")
    first = json.loads(browser.handle_lines(lines_of(form(bad, rec()), "2023-11-23")))
    second = json.loads(browser.handle_lines(lines_of(form(rec(), bad), "2023-11-23")))
    assert [e["field"] for e in first["errors"]] == ["records[0].hours"]
    assert [e["field"] for e in second["errors"]] == ["records[1].hours"]
    again = json.loads(browser.handle_lines(lines_of(form(bad, rec()), "2023-11-23")))
    assert again == first


def test_lines_that_are_not_json_get_a_message_not_a_traceback():
    for text in ("", "{not json", '{"form": {}}\n{broken', '{"form": {"policy": "luoyang/2023"}}\n[1', "[]"):
        answer = json.loads(browser.handle_lines(text))
        assert answer["ok"] is False and answer["errors"][0]["message"], text
