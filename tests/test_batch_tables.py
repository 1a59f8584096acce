"""The batch as the office's table: .xlsx in and out on the command line, the office's own columns carried
into the results, notices named as people name them (洛阳市 2023, a 城市 and a 年度 column)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch import BUNDLE, CATEGORIES, people

from calculator import vocabulary
from calculator.batch.excel import read_xlsx, write_xlsx
from calculator.batch.table import NUMBER_HEADERS
from calculator.cli import main
from calculator.engine import Engine

ID = "110105199001011234"  # an 18-digit 身份证号: a number cell would keep 15 of its digits


@pytest.fixture(scope="module")
def bundle_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bundle") / "policies.json"
    path.write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    return path


def batch(bundle_path: Path, path: Path, *extra: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", str(path), "--bundle", str(bundle_path), "--as-of", "2023-12-01", *extra], out, err)
    return code, out.getvalue(), err.getvalue()


def csv_table(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))


def xlsx_table(path: Path) -> list[list[str]]:
    """The workbook's cells as text, each row as wide as the header."""
    rows = [cells for _, cells in read_xlsx(path)]
    return [cells + [""] * (len(rows[0]) - len(cells)) for cells in rows]


def same_cells(xlsx: list[list[str]], text: list[list[str]]) -> None:
    """The .xlsx holds the CSV's results cell by cell: numbers as numbers, text as the CSV's text (the CSV
    writes a formula-like text with a leading apostrophe; the .xlsx, whose text cells never run, without)."""
    assert xlsx[0] == text[0]
    assert len(xlsx) == len(text)
    for got, want in zip(xlsx[1:], text[1:], strict=True):
        for title, a, b in zip(text[0], got, want, strict=True):
            if title in NUMBER_HEADERS and b:
                assert float(a) == float(b), title
            else:
                assert a == (b[1:] if b.startswith("'=") else b), title


STAFF_HEADER = ["工号", "姓名", "身份证号", "部门", "政策", "日期", "类别", "学时", "备注"]
STAFF = [
    ["0001", "张三", ID, "内科", "洛阳市 2023", "2023-05-01", "公需", 30, "=HYPERLINK(1)"],
    ["0001", "张三", "", "内科二病区", "", "2023-06-01", "专业", 60, ""],
    ["0002", "李四", "41010519900101123X", "外科", "洛阳 2023", "2023-05-01", "公需", 10, "调入"],
    ["0003", "王五", "410105199001011235", "", "洛阳市2023年", "2023-13-01", "专业", 10, ""],
    ["0003", "王五", "410105199001011235", "检验科", "", "2023-05-01", "专业", 20, ""],
]


@pytest.fixture
def staff(tmp_path: Path) -> Path:
    path = tmp_path / "staff.xlsx"
    path.write_bytes(write_xlsx(STAFF_HEADER, STAFF, title="人员"))
    return path


def test_xlsx_in_csv_and_xlsx_out_hold_the_same_results(tmp_path: Path, bundle_path: Path, staff: Path) -> None:
    code, out, err = batch(bundle_path, staff)
    assert code == 2, err  # row 5's date is bad
    text = csv_table(out)
    header = text[0]
    assert header[:5] == ["人员编号", "姓名", "身份证号", "部门", "备注"] and header[5] == "政策"
    rows = {row[0]: dict(zip(header, row, strict=True)) for row in text[1:]}
    assert list(rows) == ["0001", "0002", "0003"]
    assert rows["0001"]["身份证号"] == ID and rows["0001"]["是否完成"] == "是"
    assert rows["0001"]["备注"] == "'=HYPERLINK(1)"  # inert in CSV
    # The person's value: the first of their rows whose cell is not empty.
    assert rows["0001"]["部门"] == "内科" and rows["0003"]["部门"] == "检验科"
    assert rows["0002"]["政策"] == "luoyang/2023" and rows["0002"]["尚差总学时"] == "80"
    assert "第 5 行 日期" in rows["0003"]["有误的行"]  # the spreadsheet's row number
    assert "第 5 行 日期" in err and "原样带入结果的列：身份证号, 部门, 备注" in err

    result = tmp_path / "result.xlsx"
    code, _, err = batch(bundle_path, staff, "--out", str(result))
    assert code == 2, err
    same_cells(xlsx_table(result), text)
    from openpyxl import load_workbook

    sheet = load_workbook(result).active
    cells = {cell.value: cell for cell in sheet[2]}
    assert cells[ID].data_type == "s" and cells[ID].number_format == "@"
    assert cells["=HYPERLINK(1)"].data_type == "s"  # text, not a formula
    assert cells["0001"].data_type == "s"

    as_csv = tmp_path / "result.csv"
    assert batch(bundle_path, staff, "--out", str(as_csv))[0] == 2
    assert csv_table(as_csv.read_text(encoding="utf-8-sig")) == text


def test_xlsx_sheet_choice_and_old_xls(tmp_path: Path, bundle_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "说明"
    book.active.append(["这是说明"])
    for title in ("人员A", "人员B"):
        sheet = book.create_sheet(title)
        sheet.append(["人员编号", "政策", "日期", "类别", "学时"])
        sheet.append([f"{title}-1", "luoyang/2023", "2023-05-01", "公需", 30 if title == "人员A" else 5])
    path = tmp_path / "two.xlsx"
    book.save(path)
    code, out, err = batch(bundle_path, path)
    assert code == 1 and "人员A-1" in out and "人员B-1" not in out  # the first sheet with the headers
    code, out, err = batch(bundle_path, path, "--sheet", "人员B")
    assert "人员B-1" in out
    code, out, err = batch(bundle_path, path, "--sheet", "无此表")
    assert code == 2 and "没有名为“无此表”的工作表" in err
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    code, out, err = batch(bundle_path, old)
    assert code == 2 and "请另存为 .xlsx" in err and "Traceback" not in err


def test_two_person_numbers_the_first_kind_is_the_id(tmp_path: Path, bundle_path: Path) -> None:
    path = tmp_path / "staff.csv"
    path.write_text(
        f"身份证号,工号,政策,日期,类别,学时\n{ID},007,洛阳市 2023,2023-05-01,公需,30\n{ID},007,,2023-06-01,专业,60\n",
        encoding="utf-8",
    )
    code, out, err = batch(bundle_path, path)
    header, row = csv_table(out)
    assert code == 0, err
    assert row[:3] == ["007", "", ID] and header[2] == "身份证号"


CITY_YEAR = [
    ("洛阳市", "2023", "luoyang/2023", "是"),
    ("洛阳", "2023年", "luoyang/2023", "是"),
    ("luoyang", "2023", "luoyang/2023", "是"),
]


def test_city_and_year_columns_name_the_notice(tmp_path: Path, bundle_path: Path) -> None:
    lines = ["人员编号,城市,年度,部门,日期,类别,学时"]
    for i, (city, year, _, _) in enumerate(CITY_YEAR):
        lines += [f"P{i},{city},{year},财务,2023-05-01,公需,30", f"P{i},,,,2023-06-01,专业,60"]
    lines.append("K,开封市,2023,财务,2023-05-01,公需,30")
    path = tmp_path / "staff.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, err = batch(bundle_path, path)
    text = csv_table(out)
    rows = {row[0]: dict(zip(text[0], row, strict=True)) for row in text[1:]}
    for i, (_, _, policy, done) in enumerate(CITY_YEAR):
        assert rows[f"P{i}"]["政策"] == policy and rows[f"P{i}"]["是否完成"] == done
        assert rows[f"P{i}"]["部门"] == "财务"
    assert "城市" not in text[0] and "年度" not in text[0]  # used by the check, not carried
    # No notice for 开封市: the province's of the same year is suggested, never another city's.
    assert code == 2 and "最接近的是 henan/2023" in rows["K"]["有误的行"]


# ---- the reading of a notice's name (calculator.vocabulary) ----------------------------------------------

NOTICE_NAMES = [
    ("洛阳市 2023", "luoyang/2023", "luoyang/2023"),
    ("洛阳 2023", "luoyang/2023", "luoyang/2023"),
    ("洛阳市2023年", "luoyang/2023", "luoyang/2023"),
    ("洛阳市2023年度", "luoyang/2023", "luoyang/2023"),
    ("洛阳市／２０２３", "luoyang/2023", "luoyang/2023"),
    ("luoyang/2023", "luoyang/2023", "luoyang/2023"),
    ("Luoyang 2023", "luoyang/2023", "luoyang/2023"),
    ("  洛阳市 2023 ", "luoyang/2023", "luoyang/2023"),
    ("河南 2023", "henan/2023", "henan/2023"),
    ("平顶山2021年", "pingdingshan/2021", "pingdingshan/2021"),
    ("洛阳市 2021", None, "luoyang/2023"),  # the same city's nearest year
    ("洛阳市", None, "luoyang/2023"),
    ("郑州 2024", None, "zhengzhou/2020"),
    ("开封市 2023", None, "henan/2023"),  # a city without a notice: the province's, not a city spelt alike
    ("luoyng/2023", None, "henan/2023"),  # not a city: never luoyang's because the id is spelt alike
    ("安阳 2023", None, "anyang/2025"),
    ("洛阳市 2023 2024", None, "henan/2023"),
    ("", None, "henan/2025") if "henan/2025" in BUNDLE["policies"] else ("", None, "henan/2023"),
]


@pytest.mark.parametrize(("text", "named", "nearest"), NOTICE_NAMES)
def test_notice_names(text: str, named: str | None, nearest: str) -> None:
    assert vocabulary.notice_id(text, BUNDLE) == named
    assert vocabulary.nearest_notice(text, BUNDLE) == nearest


# ---- the batch and the single check agree, through .xlsx in and out -----------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(people(), min_size=1, max_size=4), st.sampled_from(["id", "name"]))
def test_xlsx_batch_agrees_with_check(
    tmp_path: Path, bundle_path: Path, persons: list[dict[str, Any]], naming: str
) -> None:
    header = [
        "工号", "身份证号", "政策", "单位类型", "干部网络学院学时", "生育月数", "服务满一年",
        "日期", "类别", "学时", "方式", "天数", "必修课",
    ]  # fmt: skip
    rows: list[list[object]] = []
    for i, person in enumerate(persons):
        c = person["circumstances"]
        policy = person["policy"] if naming == "id" else vocabulary.notice_text(person["policy"], BUNDLE)
        rows.append(
            [f"0{i}", f"41010519900101{i:04d}", policy, person["employer"], person["cadre_academy_hours"],
             c["maternity_months"], "是" if c["full_year_service"] else "否", None, None, None, None, None, None]
        )  # fmt: skip
        for r in person["records"]:
            rows.append(
                [f"0{i}", None, None, None, None, None, None, r["date"], CATEGORIES[r["category"]], r["hours"],
                 r["mode"], r.get("days"), "是" if r["required_course"] else None]
            )  # fmt: skip
    staff = tmp_path / "staff.xlsx"
    staff.write_bytes(write_xlsx(header, rows))
    code, out, err = batch(bundle_path, staff, "--format", "json")
    assert code in (0, 1), err
    found = json.loads(out)["people"]
    engine = Engine(BUNDLE)
    for i, person in enumerate(persons):
        single = engine.check(person, dt.date(2023, 12, 1))
        for key in ("compliant", "required", "credited", "remaining", "deadline", "days_left"):
            assert found[i][key] == single[key], key
        assert found[i]["columns"] == {"身份证号": f"41010519900101{i:04d}"}
    code, out, err = batch(bundle_path, staff)
    text = csv_table(out)
    result = tmp_path / "result.xlsx"
    assert batch(bundle_path, staff, "--out", str(result))[0] == code
    same_cells(xlsx_table(result), text)
    for i, row in enumerate(text[1:]):
        assert row[2] == f"41010519900101{i:04d}"
