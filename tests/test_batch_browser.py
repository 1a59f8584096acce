"""The batch page's Python entry point (calculator.batch_browser), as the page's worker calls it: the day of
the check passed in, a workbook's sheet asked for when none is plainly the staff list, the progress of an
.xlsx counted against the sheet's stated size, and the planned records in words. (The page itself in
Chromium: tests/test_batch_page.py.)"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from openpyxl import Workbook
from test_batch_tables import BUNDLE

from calculator import batch_browser
from calculator.batch.excel import write_xlsx
from calculator.engine import Engine

ENGINE = Engine(BUNDLE)


@pytest.fixture(autouse=True)
def _engine(monkeypatch: pytest.MonkeyPatch) -> None:
    # The browser's wheel carries its bundle; here the policies are compiled from policies/.
    monkeypatch.setattr(batch_browser, "engine", lambda: ENGINE)


HEADER = ["工号", "姓名", "政策", "日期", "类别", "学时", "方式"]


def _check(data: bytes, name: str, as_of: str | None = "2023-12-01", **extra: Any) -> dict[str, Any]:
    found: dict[str, Any] = json.loads(batch_browser.check(data, name, as_of, **extra))
    return found


def _book(sheets: list[tuple[str, list[list[object]], str]]) -> bytes:
    book = Workbook()
    book.remove(book.active)
    for title, rows, state in sheets:
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
        sheet.sheet_state = state
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


STAFF: list[list[object]] = [
    HEADER,
    ["0001", "张三", "洛阳市 2023", "2023-03-01", "公需", 30, "在线"],
    ["0001", "张三", "", "2023-05-01", "专业", 60, "在线"],
    ["0002", "李四", "洛阳市 2023", "2023-03-01", "公需", 12, "在线"],
]


def test_the_progress_of_an_xlsx_is_counted_against_its_rows() -> None:
    rows = [[f"P{i // 10}", "", "洛阳市 2023", "2023-03-01", "公需", 1, "在线"] for i in range(1800)]
    calls: list[tuple[int, int]] = []
    found = _check(write_xlsx(HEADER, rows), "staff.xlsx", progress=lambda done, total: calls.append((done, total)))
    assert found["ok"] and found["summary"]["rows"] == 1800
    assert len(calls) >= 3
    assert all(total == 1801 for _, total in calls)  # the header and 1,800 rows, from the sheet's <dimension>
    assert [done for done, _ in calls] == sorted(done for done, _ in calls) and calls[-1] == (1801, 1801)


def test_a_workbook_whose_sheet_is_not_plain_asks_which() -> None:
    data = _book([("说明", [["本表说明"], ["见第二张"]], "visible"), ("名单", STAFF, "hidden")])
    asked = _check(data, "staff.xlsx")
    assert not asked["ok"] and asked["ask"] and asked["sheets"] == ["说明", "名单"]
    assert "“名单”（隐藏）" in asked["message"]
    found = _check(data, "staff.xlsx", sheet="名单")
    assert found["ok"] and found["summary"]["people"] == 2
    assert found["sheets"] == ["说明", "名单"] and found["sheet"] == "名单"


def test_several_staff_sheets_read_the_first_and_name_them_all() -> None:
    later = [HEADER, ["0009", "赵六", "洛阳市 2023", "2023-03-01", "公需", 30, "在线"]]
    data = _book([("2023", STAFF, "visible"), ("2024", later, "visible")])
    first = _check(data, "staff.xlsx")
    assert first["ok"] and first["sheet"] == "2023" and first["sheets"] == ["2023", "2024"]
    assert first["summary"]["people"] == 2
    second = _check(data, "staff.xlsx", sheet="2024")
    assert second["sheet"] == "2024" and [p["cells"][0] for p in second["people"]] == ["0009"]
    assert _check(STAFF_CSV, "staff.csv")["sheets"] == []


STAFF_CSV = "\n".join(",".join(str(c) for c in row) for row in STAFF).encode("utf-8")


def test_the_day_of_the_check_makes_later_records_planned() -> None:
    before = _check(STAFF_CSV, "staff.csv", "2023-04-15")
    assert before["as_of"] == "2023-04-15"
    zhang = before["people"][0]
    cell = dict(zip(before["header"], zhang["cells"], strict=True))
    assert cell["已计入专业"] == 0 and cell["计划记录条数"] == 1 and cell["计划完成后是否完成"] == "是"
    assert zhang["what"] == "专业 60 学时" and zhang["planned"] == "计划 1 条，按期完成后即可完成"
    li = before["people"][1]
    assert li["planned"] == ""  # nothing planned
    after = _check(STAFF_CSV, "staff.csv", "2023-12-01")
    assert after["people"][0]["what"] == "已完成" and after["people"][0]["planned"] == ""
    short = _check(STAFF_CSV.replace(b",60,", b",50,"), "staff.csv", "2023-04-15")
    assert short["people"][0]["planned"] == "计划 1 条，按期完成后仍差 专业 10 学时"


def test_a_day_that_is_not_a_date_is_named() -> None:
    found = _check(STAFF_CSV, "staff.csv", "2023-13-01")
    assert not found["ok"] and "核对日期“2023-13-01”不是一个日期" in found["message"]
