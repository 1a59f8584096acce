"""Hostile input to `python -m calculator batch`: a table of cases, each a staff list broken in one way.

Every case runs the batch on a small clean staff list with one thing broken (a stray quote, a GBK row, a
200 KB cell, an Excel file, an unwritable --out…) and asserts:
- the exit code (0 everyone done, 1 someone short, 2 bad input);
- the message names what is wrong and where (row, column, path), in Chinese;
- no traceback, and no binary bytes in a message;
- nothing valid was lost: the rows read, as the summary says, and every person the break does not touch
  has exactly the result they have from the clean file.
A hypothesis property then breaks random files in many places at once: every physical line is a row
checked or a row reported bad, and the untouched people's results equal the clean file's.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch import BUNDLE

from calculator.batch import csv_io
from calculator.batch.check import csv_rows, run_batch
from calculator.batch.people import read_people
from calculator.cli import main
from calculator.engine import Engine

HEADER = "person_id,name,policy,date,category,hours,mode,title"
CLEAN = [
    HEADER,
    "P01,王甲,luoyang/2023,2023-03-01,public,30,online,数字技术",  # row 2
    "P01,,,2023-05-01,professional,60,online,专业课程",
    "P02,李乙,luoyang/2023,2023-03-01,public,20,online,网络安全",  # row 4
    "P02,,,2023-04-01,professional,8,face_to_face,学术会议",
    "P03,张丙,zhengzhou/2020,2020-03-01,public,30,online,应急管理",  # row 6
    "P03,,,2020-04-01,professional,40,online,知识产权",
    "P04,赵丁,luoyang/2023,2023-02-01,public,30,online,数字技术",  # row 8
    "P04,,,2023-06-01,professional,50,online,专业课程",
    "P04,,,2023-07-01,professional,10,online,专业课程",
    "P05,孙戊,henan/2023,2023-03-01,public,30,online,数字技术",  # row 11
    "P05,,,2023-08-01,professional,60,online,专业课程",
    "P06,周己,luoyang/2023,2023-03-01,public,10,online,网络安全",  # row 13
    "P07,吴庚,luoyang/2023,2023-03-01,public,30,online,数字技术",  # row 14
    "P07,,,2023-09-01,professional,60,online,学术会议",
    "P08,郑辛,luoyang/2023,2023-03-01,public,30,online,数字技术",  # row 16
    "P08,,,2023-10-01,professional,20,online,专业课程",
]
ROWS = len(CLEAN) - 1  # rows under the header
PERSON_OF_ROW = {i + 1: line.split(",")[0] for i, line in enumerate(CLEAN) if i}
COLUMNS = HEADER.split(",")


def text_of(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"


def utf8(lines: list[str]) -> bytes:
    return text_of(lines).encode("utf-8")


def cell(row: int, column: str, value: str, lines: list[str] | None = None) -> list[str]:
    """The clean lines with one cell of spreadsheet row `row` replaced."""
    lines = list(lines or CLEAN)
    cells = lines[row - 1].split(",")
    cells[COLUMNS.index(column)] = value
    lines[row - 1] = ",".join(cells)
    return lines


def encoded(overrides: dict[int, str], base: str = "utf-8", lines: list[str] | None = None) -> bytes:
    """The clean file in `base`, rows named in `overrides` ({row: encoding}) in another."""
    lines = lines or CLEAN
    out = [line.encode(overrides.get(i + 1, base)) for i, line in enumerate(lines)]
    return b"\n".join(out) + b"\n"


def big_with_bob() -> bytes:
    """1,000 people, one name cell `"Bob` (the issue's case: it was read as 104 people)."""
    lines = [HEADER]
    for p in range(1000):
        lines.append(f"Q{p:04d},员工{p},luoyang/2023,2023-03-01,public,30,online,数字技术")
        lines.append(f"Q{p:04d},,,2023-05-01,professional,{30 + p % 40},online,专业课程")
    lines[5] = lines[5].replace("员工2", '"Bob')
    return utf8(lines)


@dataclass
class Case:
    id: str
    data: bytes | Callable[[], bytes]
    code: int
    says: tuple[str, ...]  # each appears in what the command writes to stderr
    affected: frozenset[str] = frozenset()  # people whose result may differ from the clean file's
    rows: int | None = ROWS  # rows read, as the summary says; None: no summary (the file is refused)
    bad: int | None = None  # bad rows, as the summary says
    args: Callable[[Path], list[str]] = lambda tmp: []
    after: Callable[[Path], None] = lambda tmp: None
    compare: bool = True  # compare the untouched people with the clean file's results
    stdin: bool = False


def people(*ids: str) -> frozenset[str]:
    return frozenset(ids)


def out_to(name: str) -> Callable[[Path], list[str]]:
    return lambda tmp: ["--out", name.format(tmp=tmp)]


def nothing_at(name: str) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        target = Path(name.format(tmp=tmp))
        assert not target.exists() or target.is_dir()
        assert not list(tmp.glob("**/*.part")), "a half-written result was left behind"

    return check


def unchanged(path: str, content: str) -> Callable[[Path], None]:
    def check(tmp: Path) -> None:
        assert Path(path.format(tmp=tmp)).read_text(encoding="utf-8") == content
        assert not list(tmp.glob("**/*.part"))

    return check


def existing(path: str, content: str) -> Callable[[Path], list[str]]:
    def make(tmp: Path) -> list[str]:
        Path(path.format(tmp=tmp)).write_text(content, encoding="utf-8")
        return ["--out", path.format(tmp=tmp)]

    return make


CHINESE_HEADER = "人员编号,姓名,政策,日期,类别,学时,方式,名称"
BROKEN_QUOTE = "引号没有闭合"
NOT_UTF8 = "不是文件其余部分的 UTF-8 编码"
NOT_GBK = "不是文件其余部分的 GBK 编码"
MULTILINE = cell(3, "title", '"第一行\n第二行"')

CASES = [
    # ---- a stray quote: the row is named, the rows it would swallow are read as the rows they are
    Case("quote-name-middle", utf8(cell(6, "name", '"张丙')), 2, ("第 6 行 name", BROKEN_QUOTE), people("P03"), bad=2),
    Case("quote-first-row", utf8(cell(2, "name", '"王甲')), 2, ("第 2 行 name", BROKEN_QUOTE), people("P01")),
    Case("quote-last-row", utf8(cell(17, "title", '"专业课程')), 2, ("第 17 行 title", BROKEN_QUOTE), people("P08")),
    Case(
        "quote-last-row-no-newline",
        text_of(cell(17, "hours", '"20'))[:-1].encode(),
        2,
        ("第 17 行 hours", BROKEN_QUOTE),
        people("P08"),
    ),
    Case(
        "two-stray-quotes",
        utf8(cell(12, "name", '"x', cell(4, "name", '"李乙'))),
        2,
        ("第 4 行 name", "第 12 行 name", BROKEN_QUOTE),
        people("P02", "P05"),
    ),
    Case("quote-in-record-row", utf8(cell(9, "title", '"专业')), 2, ("第 9 行 title", BROKEN_QUOTE), people("P04")),
    Case(
        "quote-in-person-id",
        utf8(cell(13, "person_id", '"P06')),
        2,
        ("第 13 行 person_id", BROKEN_QUOTE),
        people("P06"),
    ),
    Case(
        "issue-1000-people-bob",
        big_with_bob,
        2,
        ("第 6 行 name", BROKEN_QUOTE, "读取 2000 行记录，共 1000 人"),
        rows=2000,
        compare=False,
    ),
    Case(
        "quote-then-gbk-row-inside",
        encoded({8: "gbk"}, lines=cell(6, "name", '"张丙')),
        2,
        ("第 6 行 name", BROKEN_QUOTE, "第 8 行", NOT_UTF8, "赵丁"),
        people("P03", "P04"),
    ),
    # ---- quotes that are right: one spreadsheet row, the row numbers after it stay right
    Case(
        "multiline-title-row-numbers-stay",
        utf8(cell(9, "date", "2023-13-01", MULTILINE)),
        2,
        ("第 9 行 date",),
        people("P04"),
    ),
    Case("quoted-comma", utf8(cell(2, "title", '"数字,技术"')), 1, ()),
    Case("doubled-quotes", utf8(cell(2, "title", '"数字""技术"""')), 1, ()),
    Case("quote-inside-a-cell", utf8(cell(3, "title", '专业"课程')), 1, ()),
    Case("crlf", text_of(CLEAN).replace("\n", "\r\n").encode(), 1, ()),
    Case("lone-cr", text_of(CLEAN).replace("\n", "\r").encode(), 1, ()),
    Case("tab-separated", text_of(CLEAN).replace(",", "\t").encode(), 1, ()),
    Case(
        "blank-lines",
        utf8(cell(13, "date", "2023-02-30", CLEAN[:6] + ["", ",,,,"] + CLEAN[6:])),  # row 11 now 13
        2,
        ("第 13 行 date",),
        people("P05"),
    ),
    # ---- encodings: never decoded into the wrong characters
    Case("gbk-row-in-utf8", encoded({6: "gbk"}), 2, ("第 6 行", NOT_UTF8, "张丙"), people("P03")),
    Case(
        "two-gbk-rows-in-utf8",
        encoded({4: "gbk", 14: "gbk"}),
        2,
        ("第 4 行", "第 14 行", NOT_UTF8),
        people("P02", "P07"),
    ),
    Case("gbk-record-row", encoded({9: "gbk"}), 2, ("第 9 行", NOT_UTF8), people("P04")),
    Case("utf8-row-in-gbk", encoded({6: "utf-8"}, base="gbk"), 2, ("第 6 行", NOT_GBK, "张丙"), people("P03")),
    Case("whole-file-gbk", encoded({}, base="gbk"), 1, ()),
    Case("bom-then-gbk", b"\xef\xbb\xbf" + encoded({}, base="gbk"), 1, ("文件开头有 UTF-8 标记，但内容是 GBK 编码",)),
    Case(
        "gbk-file-with-bytes-in-neither",
        encoded({}, base="gbk").replace("数字技术".encode("gbk"), b"\xff\xfe\xfd", 1),
        2,
        ("第 2 行", NOT_GBK, "也不是 UTF-8"),
        people("P01"),
    ),
    Case(
        "bom-then-gbk-chinese-header",
        b"\xef\xbb\xbf" + encoded({}, base="gbk", lines=[CHINESE_HEADER, *CLEAN[1:]]),
        1,
        ("文件开头有 UTF-8 标记，但内容是 GBK 编码",),
    ),
    Case("utf8-bom", b"\xef\xbb\xbf" + utf8(CLEAN), 1, ()),
    Case("utf16-bom", text_of(CLEAN).encode("utf-16"), 1, ()),
    Case("utf16-le-no-bom", text_of(CLEAN).encode("utf-16-le"), 1, ()),
    Case("utf16-be-no-bom", text_of(CLEAN).encode("utf-16-be"), 1, ()),
    Case("utf16-bom-not-utf16", b"\xff\xfe" + b"a\x00b\x00\x00\xd8", 2, ("UTF-16",), rows=None, compare=False),
    Case(
        "bytes-in-neither",
        encoded({}).replace("数字技术".encode(), b"\xff\xfe\xfd", 1),
        2,
        ("第 2 行", "也不是 GBK"),
        people("P01"),
    ),
    Case("gbk-row-from-stdin", encoded({6: "gbk"}), 2, ("第 6 行", NOT_UTF8), people("P03"), stdin=True),
    # ---- cells and files that are not what they seem
    Case("cell-200kb", utf8(cell(5, "title", "长" * 200_000)), 2, ("第 5 行 title", "200,000 个字符"), people("P02")),
    Case(
        "quoted-cell-200kb-lines",
        utf8(cell(5, "title", '"' + "长\n" * 40_000 + '"')),
        2,
        ("第 5 行 title", "个字符"),
        people("P02"),
    ),
    Case("header-only", utf8(CLEAN[:1]), 2, ("没有记录行",), rows=None, compare=False),
    Case("header-and-blank-rows", utf8([*CLEAN[:1], "", ",,,"]), 2, ("没有记录行",), rows=None, compare=False),
    Case("empty-file", b"", 2, ("文件是空的",), rows=None, compare=False),
    Case(
        "fake-xlsx",
        b"PK\x03\x04\x14\x00\x06\x00" + bytes(range(256)) * 4,
        2,
        ("已损坏", ".xlsx"),
        rows=None,
        compare=False,
    ),
    Case(
        "old-xls",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500),
        2,
        ("旧版 Excel", "请另存为 .xlsx"),
        rows=None,
        compare=False,
    ),
    Case("binary", b"\x7fELF\x02\x01\x01" + bytes(range(256)), 2, ("不是 CSV 文本文件",), rows=None, compare=False),
    Case("missing-id", utf8(cell(7, "person_id", "")), 2, ("第 7 行 person_id: 缺少人员编号",), people("P03")),
    Case("bad-date", utf8(cell(10, "date", "2023/13/45")), 2, ("第 10 行 date",), people("P04")),
    Case("hours-3_0", utf8(cell(3, "hours", "3_0")), 2, ("第 3 行 hours", "3_0"), people("P01")),
    Case("hours-1e999", utf8(cell(3, "hours", "1e999")), 2, ("第 3 行 hours", "1e999"), people("P01")),
    Case("american-date", utf8(cell(3, "date", "5/1/2023")), 2, ("第 3 行 date", "5/1/2023"), people("P01")),
    Case(
        "no-person-id-column",
        utf8([HEADER.replace("person_id", "who"), *CLEAN[1:]]),
        2,
        ("第 1 行", "缺少列 person_id"),
        rows=None,
        compare=False,
    ),
    # ---- where the result goes
    Case(
        "out-missing-folder",
        utf8(CLEAN),
        2,
        ("no/such/folder/result.csv", "不存在"),
        rows=None,
        args=out_to("{tmp}/no/such/folder/result.csv"),
        after=nothing_at("{tmp}/no/such/folder/result.csv"),
        compare=False,
    ),
    Case(
        "out-onto-folder",
        utf8(CLEAN),
        2,
        ("文件夹",),
        rows=None,
        args=out_to("{tmp}"),
        after=nothing_at("{tmp}/staff.csv.part"),
        compare=False,
    ),
    Case(
        "xlsx-out-missing-folder",
        utf8(CLEAN),
        2,
        ("no/such/folder/result.xlsx", "不存在"),
        rows=None,
        args=out_to("{tmp}/no/such/folder/result.xlsx"),
        after=nothing_at("{tmp}/no/such/folder/result.xlsx"),
        compare=False,
    ),
    Case(
        "xlsx-out-as-json",
        utf8(CLEAN),
        2,
        ("--format", "json"),
        rows=None,
        args=lambda tmp: ["--format", "json", "--out", f"{tmp}/result.xlsx"],
        after=nothing_at("{tmp}/result.xlsx"),
        compare=False,
    ),
    Case("out-dev-full", utf8(CLEAN), 2, ("/dev/full", "无法写入"), rows=None, args=out_to("/dev/full"), compare=False),
    Case(
        "out-kept-when-input-bad",
        b"PK\x03\x04" + bytes(100),
        2,
        (".xlsx",),
        rows=None,
        args=existing("{tmp}/old.csv", "上次的结果\n"),
        after=unchanged("{tmp}/old.csv", "上次的结果\n"),
        compare=False,
    ),
    Case(
        "input-missing",
        b"",
        2,
        ("找不到文件",),
        rows=None,
        args=lambda tmp: ["--input", str(tmp / "nope.csv")],
        compare=False,
    ),
    Case("input-folder", b"", 2, ("文件夹",), rows=None, args=lambda tmp: ["--input", str(tmp)], compare=False),
]


def run(tmp: Path, data: bytes, extra: list[str], stdin: bool = False, monkeypatch: Any = None) -> tuple[int, str, str]:
    path = tmp / "staff.csv"
    path.write_bytes(data)
    target = str(path)
    if "--input" in extra:  # the case names another input path
        at = extra.index("--input")
        target = extra[at + 1]
        extra = extra[:at] + extra[at + 2 :]
    if stdin:
        target = "-"
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    out, err = io.StringIO(), io.StringIO()
    code = main(["batch", target, "--bundle", str(tmp / "policies.json"), "--as-of", "2023-12-01", *extra], out, err)
    return code, out.getvalue(), err.getvalue()


def results(out: str) -> dict[str, dict[str, str]]:
    return {row["人员编号"]: row for row in csv.DictReader(io.StringIO(out.lstrip("\ufeff")))}


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, str]]:
    tmp = tmp_path_factory.mktemp("clean")
    (tmp / "policies.json").write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    code, out, err = run(tmp, utf8(CLEAN), [])
    assert code == 1, err
    assert f"读取 {ROWS} 行记录，共 8 人" in err
    return results(out)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_batch(
    case: Case, clean: dict[str, dict[str, str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "policies.json").write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    data = case.data() if callable(case.data) else case.data
    code, out, err = run(tmp_path, data, case.args(tmp_path), case.stdin, monkeypatch)
    assert "Traceback" not in out + err
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffd]", err), f"binary in a message: {err!r}"
    for expected in case.says:
        assert expected in err, f"{expected!r} not in:\n{err}"
    assert code == case.code, err
    case.after(tmp_path)
    if case.rows is None:
        return
    summary = err.strip().splitlines()[-1]
    assert f"读取 {case.rows} 行记录" in summary, summary
    if case.bad is not None:
        assert f"有误的行 {case.bad} 行" in summary, summary
    if case.code == 2:
        assert "有误的行" in summary, summary
    if not case.compare:
        return
    found = results(out)
    for person_id, row in clean.items():
        if person_id not in case.affected:
            assert found.get(person_id) == row, f"{person_id} changed"
    for person_id in case.affected:  # every affected person is still named: in the results or a message
        assert person_id in found or any(
            f"第 {row} 行" in err for row, who in PERSON_OF_ROW.items() if who == person_id
        ), person_id


def test_the_table_is_big_enough() -> None:
    assert len(CASES) >= 35


# ---- the property: random files broken in many places ----------------------------------------------

BREAKS = ("quote", "gbk", "long", "date", "blank")
ENGINE = Engine(BUNDLE)
AS_OF = dt.date(2023, 12, 1)


@st.composite
def broken_files(draw: st.DrawFn) -> tuple[list[bytes], list[bytes], dict[int, str], list[tuple[int, int]]]:
    """(clean lines, broken lines, {row: how it is broken}, legit multi-line rows (row, lines)) of a
    random staff list: each row one line, but a few with a quoted two-line title (one spreadsheet row)."""
    count = draw(st.integers(4, 60))
    lines: list[str] = [HEADER]
    for p in range(count):
        pid = f"R{p:03d}"
        lines.append(f"{pid},员工{p},luoyang/2023,2023-03-01,public,{draw(st.sampled_from([10, 30]))},online,课程")
        for r in range(draw(st.integers(0, 3))):
            title = draw(st.sampled_from(["讲座", '"两行\n标题"', '"有,逗号"']))
            lines.append(f"{pid},,,2023-0{4 + r}-01,professional,{draw(st.integers(1, 40))},online,{title}")
    rows = len(lines)
    breaks: dict[int, str] = {}
    plain = [row for row in range(2, rows + 1) if '"' not in lines[row - 1]]  # (a break in a quoted
    # title would change where the rows are, for Excel as for the batch)
    for row in draw(st.lists(st.sampled_from(plain), max_size=max(1, rows // 6), unique=True)):
        breaks[row] = draw(st.sampled_from(BREAKS))
    clean = [line.encode() for line in lines]
    broken = list(clean)
    for row, how in breaks.items():
        line = lines[row - 1]
        cells = line.split(",")
        if how == "quote":
            cells[1] = '"' + cells[1]
            broken[row - 1] = ",".join(cells).encode()
        elif how == "gbk":
            broken[row - 1] = line.encode("gbk")
        elif how == "long":
            cells[-1] = "长" * (csv_io.MAX_CELL + 1)
            broken[row - 1] = ",".join(cells).encode()
        elif how == "date":
            cells[3] = "2023-02-30"
            broken[row - 1] = ",".join(cells).encode()
        else:  # the id left out
            cells[0] = ""
            broken[row - 1] = ",".join(cells).encode()
    multiline = [(i + 1, line.count("\n") + 1) for i, line in enumerate(lines) if "\n" in line]
    return clean, broken, breaks, multiline


def _rows(data: bytes) -> csv_io.Rows:
    decoded = csv_io.decode_lines(data)
    return csv_io.Rows.of_text(decoded.text, decoded)


def _results(data: bytes) -> dict[str, list[str]]:
    result = run_batch(ENGINE, _rows(data), AS_OF)
    return {row[0]: row for row in csv_rows(result)}


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(broken_files())
def test_every_line_is_a_row_checked_or_reported(
    case: tuple[list[bytes], list[bytes], dict[int, str], list[tuple[int, int]]],
) -> None:
    clean_lines, broken_lines, breaks, multiline = case
    data = b"\n".join(broken_lines) + b"\n"
    reader = read_people(_rows(data))
    checked = {row for numbers, _, _ in reader.records.values() for row in numbers}
    bad = {p.row for p in reader.orphans} | {p.row for ps in reader.bad_rows.values() for p in ps}
    rows = len(clean_lines)  # one spreadsheet row a line of the generator (a two-line title is one row)
    assert checked | bad == set(range(2, rows + 1))  # every row, hence every physical line
    assert not checked & set(breaks)  # a broken row is never counted as checked
    assert set(breaks) <= bad
    assert reader.rows == rows - 1
    physical = sum(lines for _, lines in multiline) - len(multiline) + rows
    assert physical == (b"\n".join(broken_lines) + b"\n").count(b"\n")
    # The people none of whose rows is broken have the clean file's results.
    whole = _results(b"\n".join(clean_lines) + b"\n")
    found = _results(data)
    touched = {line.decode().split(",")[0] for row, line in enumerate(clean_lines, 1) if row in breaks}
    assert whole.keys() - touched  # (someone is left untouched to compare)
    for person_id, row in whole.items():
        if person_id not in touched:
            assert found[person_id] == row, person_id
