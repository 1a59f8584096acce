"""The batch check in segments, stragglers read again, or buckets (calculator/batch/spill.py) gives exactly
what the whole file checked at once gives, and its memory does not grow with the file."""

from __future__ import annotations

import csv
import datetime as dt
import gc
import io
import json
import random
import re
import tempfile
import tracemalloc
from argparse import Namespace
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_batch import BUNDLE
from test_hostile_batch import CASES, Case, broken_files, run

from calculator.batch import csv_io, spill
from calculator.batch.check import Report, report, run_batch, write_json
from calculator.cli import _Batch
from calculator.engine import Engine

ENGINE = Engine(BUNDLE)
AS_OF = dt.date(2023, 12, 1)

# How each way of step 1 … 3 is forced on a small file (see calculator.batch.spill's docstring).
MODES: dict[str, dict[str, int]] = {
    "segments": {"SEGMENT": 3, "SEGMENT_PEOPLE": 2},  # stragglers, if any, read again
    "stragglers": {"SEGMENT": 3, "SEGMENT_PEOPLE": 2, "SAMPLE": 1 << 62, "MAX_STRAGGLERS": 1 << 30},
    "buckets": {"SEGMENT": 3, "SEGMENT_PEOPLE": 2, "MAX_STRAGGLERS": -1, "BUCKET_BYTES": 64},
}


def _rows(data: bytes) -> csv_io.Rows:
    decoded = csv_io.decode_lines(data)
    return csv_io.Rows.of_text(decoded.text, decoded)


def _whole(data: bytes, fmt: str, carry: bool = False) -> Report:
    """The whole file checked at once, its lines made a list (to compare with several times); with
    `carry`, as the command line checks a file with columns of the office's own in one process."""
    if carry:
        found = _Batch().one_process(Namespace(policy=None, format=fmt), ENGINE, AS_OF, _rows(data))
    else:
        found = report(run_batch(ENGINE, _rows(data), AS_OF), fmt)
    return replace(found, csv_lines=list(found.csv_lines))


def _spilled(data: bytes, fmt: str, mode: str, patch: pytest.MonkeyPatch, carry: bool = False) -> Report:
    for name, value in MODES[mode].items():
        patch.setattr(spill, name, value)
    return spill.check_file(ENGINE, lambda use: use(_rows(data)), AS_OF, None, fmt, len(data), carry=carry)


OFFICE = [b"D0", b"", b"=D2", b'"D,3"']  # a department each line, some empty, one formula-like, one quoted


def with_office_column(data: bytes) -> bytes:
    """The file with a column of the office's own (部门) ahead of its others, on every line (a line inside
    a quoted cell too: the whole check and the spill read the same bytes either way). A UTF-16 file is
    left as it is (its lines are not ASCII-compatible)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in data:
        return data
    bom = b"\xef\xbb\xbf" if data.startswith(b"\xef\xbb\xbf") else b""
    lines = data[len(bom) :].split(b"\n")
    prefixed = [("部门".encode() if i == 0 else OFFICE[i % len(OFFICE)]) + b"," + line for i, line in enumerate(lines)]
    if lines and lines[-1] == b"":
        prefixed[-1] = b""
    return bom + b"\n".join(prefixed)


def _same(a: Report, b: Report) -> None:
    assert list(a.csv_lines) == list(b.csv_lines)
    assert list(a.people_json) == list(b.people_json)  # (the spill's are read back from a file, once)
    assert a.bad_rows == b.bad_rows
    assert a.counts == b.counts
    assert list(a.counts) == list(b.counts)  # (the JSON summary's keys in the same order)
    assert a.notices == b.notices
    assert a.ignored_columns == b.ignored_columns


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    broken_files(),
    st.sampled_from(["grouped", "stragglers", "no order"]),
    st.randoms(use_true_random=False),
    st.booleans(),
)
def test_spilled_check_is_the_whole_check(
    case: tuple[list[bytes], list[bytes], dict[int, str], list[tuple[int, int]]],
    order: str,
    rng: random.Random,
    carry: bool,
) -> None:
    """Random hostile files (stray quotes, GBK rows, long cells, bad dates, missing ids, multi-line
    titles), grouped, with a few rows moved away, or in no order, with or without a column of the office's
    own (carried into the results): the same report in every way."""
    _, broken, _, _ = case
    header, body = broken[0], broken[1:]
    if order == "stragglers":
        for _ in range(max(1, len(body) // 10)):
            body.append(body.pop(rng.randrange(len(body))))
    elif order == "no order":
        rng.shuffle(body)
    data = b"\n".join([header, *body]) + b"\n"
    if carry:
        data = with_office_column(data)
    for fmt in ("csv", "json"):
        whole = _whole(data, fmt, carry)
        if carry:
            assert all(line.count(",") >= 1 for line in whole.csv_lines)
        for mode in MODES:
            with pytest.MonkeyPatch.context() as patch:
                _same(_spilled(data, fmt, mode, patch, carry), whole)


SHARED = """person_id,name,policy,date,category,hours
P1,甲,luoyang/2023,2023-03-01,public,30
P2,乙,luoyang/2023,2023-03-01,public,30
P2,,,2023-04-01,professional,60
P3,丙,henan/2023,2023-03-01,public,10
P1,甲,henan/2023,2023-05-01,professional,60
P4,丁,,2023-03-01,public,10
P3,,,2023-02-30,public,10
"""


@pytest.mark.parametrize("mode", MODES)
def test_a_straggler_is_checked_from_all_its_rows(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """P1 comes back after other people (with a policy that differs: one message, from both rows), P3's
    bad date is reported by its row, P4 has no policy: as the whole file says it, in the same order."""
    data = SHARED.encode()
    whole = _whole(data, "csv")
    got = _spilled(data, "csv", mode, monkeypatch)
    lines = list(got.csv_lines)
    assert lines == list(whole.csv_lines)
    assert [line.split(",")[0] for line in lines] == ["P1", "P2", "P3", "P4"]
    assert "与第 2 行不一致" in lines[0]
    assert [p.row for p in got.bad_rows] == [p.row for p in whole.bad_rows] == [6, 7, 8]


@pytest.mark.parametrize("office", [False, True], ids=["plain", "office column"])
@pytest.mark.parametrize("case", [c for c in CASES if not c.stdin], ids=lambda c: c.id)
def test_hostile_table_through_the_spill(
    case: Case, office: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every case of the hostile-input table, on the command line, checked in segments of 2 people (the
    file counted as big), says and writes exactly what the whole check says and writes; and again with a
    column of the office's own (部门) ahead of the others, carried into the results by the spill."""
    (tmp_path / "policies.json").write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    data = case.data() if callable(case.data) else case.data
    if office:
        data = with_office_column(data)
    args = case.args(tmp_path)
    if any("--out" in a for a in args) or case.after is not Case.after:
        pytest.skip("writes a file the next run would find")
    whole = run(tmp_path, data, args)
    monkeypatch.setattr(spill, "MIN_SIZE", 0)
    monkeypatch.setattr(spill, "SEGMENT", 3)
    monkeypatch.setattr(spill, "SEGMENT_PEOPLE", 2)
    assert run(tmp_path, data, case.args(tmp_path)) == whole


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("shuffle", [False, True], ids=["grouped", "no order"])
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_a_big_file_with_the_offices_own_columns_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str, shuffle: bool, fmt: str
) -> None:
    """A file counted as big whose header has columns of the office's own (部门, 备注, 身份证号) and the
    notice as 城市 and 年度 goes through the spill (segments, stragglers or buckets), which carries the
    columns into the results exactly as the whole file checked at once: each person's first non-empty cell."""
    (tmp_path / "policies.json").write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    lines = ["工号,部门,城市,年度,日期,类别,学时,备注,身份证号"]
    rows = [
        f"P{i // 3:03d},{'' if i % 3 == 0 else f'科{i % 4}'},洛阳市,2023,2023-05-{1 + i % 28:02d},公需,3,"
        f"{'' if i % 2 else f'备{i}'},41010519900101{i // 3:04d}"
        for i in range(30)
    ]
    if shuffle:
        random.Random(7).shuffle(rows)
    data = ("\n".join(lines + rows) + "\n").encode("utf-8")
    extra = ["--format", "json"] if fmt == "json" else []
    small = run(tmp_path, data, extra)
    checked: list[bool] = []
    spilled = spill.check_file

    def spy(*args: Any, **kwargs: Any) -> Report:
        checked.append(kwargs["carry"])
        return spilled(*args, **kwargs)

    monkeypatch.setattr(spill, "check_file", spy)
    monkeypatch.setattr(spill, "MIN_SIZE", 0)
    for name, value in MODES[mode].items():
        monkeypatch.setattr(spill, name, value)
    big = run(tmp_path, data, extra)
    assert checked == [True]  # through the spill, carrying the columns
    assert big == small
    theirs = [row.split(",") for row in rows if row.startswith("P000,")]  # in file order
    expected = [next((cells[at] for cells in theirs if cells[at]), "") for at in (1, 7, 8)]
    assert expected[0] and expected[1]  # the first non-empty cell of each, not the first row's (empty)
    if fmt == "csv":
        header, *results = list(csv.reader(small[1].lstrip("\ufeff").splitlines()))
        assert header[:5] == ["人员编号", "姓名", "部门", "备注", "身份证号"]
        assert {row[0]: row for row in results}["P000"][2:5] == expected
        assert all(row[header.index("政策")] == "luoyang/2023" for row in results)
    else:
        people = {p["person_id"]: p for p in json.loads(small[1])["people"]}
        assert people["P000"]["columns"] == dict(zip(["部门", "备注", "身份证号"], expected, strict=True))


@pytest.mark.parametrize("mode", ["whole", *MODES])
@pytest.mark.parametrize("text", [SHARED, SHARED.splitlines()[0] + "\n"], ids=["people", "no people"])
def test_json_is_written_a_person_at_a_time_as_one_document(
    text: str, mode: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """write_json, a person at a time, writes what json.dumps writes of the whole document, byte for byte;
    the spill's people are read back from its temporary file as they are written."""
    data = text.encode()
    whole = _whole(data, "json")
    expected = json.dumps(whole.json(), ensure_ascii=False, indent=1) + "\n"
    found = whole if mode == "whole" else _spilled(data, "json", mode, monkeypatch)
    if mode != "whole":
        assert not isinstance(found.people_json, list)
    out = io.StringIO()
    write_json(out, found)
    assert out.getvalue() == expected
    assert json.loads(expected)["people"] or text != SHARED


def test_standard_input_is_spooled_and_checked_as_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Standard input is copied to a temporary file and checked as a file is: a big one through the spill
    (not held whole in memory), the same results as the file named; the copy is removed."""
    (tmp_path / "policies.json").write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    data = with_office_column(SHARED.encode())
    named = run(tmp_path, data, ["--format", "json"])
    spilled = spill.check_file
    calls: list[int] = []

    def spy(*args: Any, **kwargs: Any) -> Report:
        calls.append(1)
        return spilled(*args, **kwargs)

    monkeypatch.setattr(spill, "check_file", spy)
    monkeypatch.setattr(spill, "MIN_SIZE", 0)
    monkeypatch.setattr(spill, "SEGMENT_PEOPLE", 2)
    before = set(Path(tempfile.gettempdir()).glob("calculator-stdin-*"))
    code, out, err = run(tmp_path, data, ["--format", "json"], stdin=True, monkeypatch=monkeypatch)
    assert calls == [1]  # through the spill
    assert (code, out) == named[:2] and json.loads(out)["people"][1]["columns"] == {"部门": "=D2"}
    assert err == named[2].replace(str(tmp_path / "staff.csv"), "-")  # the messages name standard input
    assert set(Path(tempfile.gettempdir()).glob("calculator-stdin-*")) == before


def test_the_temporary_folder_is_removed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After a check that spilled to buckets, and after one that failed halfway, no file is left."""
    work = tmp_path / "work"
    work.mkdir()
    data = SHARED.encode()
    for name, value in MODES["buckets"].items():
        monkeypatch.setattr(spill, name, value)
    spill.check_file(ENGINE, lambda use: use(_rows(data)), AS_OF, None, "csv", len(data), str(work))
    assert not list(work.iterdir())

    def broken(use: Any) -> Any:
        def rows() -> Iterator[list[str]]:
            yield from _rows(data)
            raise OSError("disk gone")

        return use(rows())

    with pytest.raises(OSError):
        spill.check_file(ENGINE, broken, AS_OF, None, "csv", len(data), str(work))
    assert not list(work.iterdir())


# ---- memory: 4x the rows, not 4x the peak -------------------------------------------------------------


def _staff(path: Path, people: int, shuffle: bool) -> None:
    rng = random.Random(people)
    rows = []
    for p in range(people):
        pid = f"E{p:06d}"
        for r in range(5):
            head = [pid, f"员工{p}", "luoyang/2023"] if r == 0 else [pid, "", ""]
            rows.append([*head, f"2023-{rng.randrange(1, 13):02d}-01", rng.choice(["public", "professional"]), "4"])
    if shuffle:
        rng.shuffle(rows)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["person_id", "name", "policy", "date", "category", "hours"])
        writer.writerows(rows)


def _peak(path: Path, check: Any) -> tuple[int, int]:
    """(peak traced memory, people in the result) of checking the file, its result lines read and let go."""
    gc.collect()
    tracemalloc.start()
    try:
        found = check(path)
        people = sum(1 for _ in found.csv_lines)
        return tracemalloc.get_traced_memory()[1], people
    finally:
        tracemalloc.stop()


def _spill_check(path: Path) -> Report:
    read = lambda use: csv_io.read_file(path, use)[0]  # noqa: E731
    return spill.check_file(ENGINE, read, AS_OF, None, "csv", path.stat().st_size)


def _whole_check(path: Path) -> Report:
    return csv_io.read_file(path, lambda rows: report(run_batch(ENGINE, rows, AS_OF), "csv"))[0]


@pytest.mark.parametrize("shuffle", [False, True], ids=["grouped", "no order"])
def test_memory_stays_flat(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, shuffle: bool) -> None:
    """4x the people: the whole-file check's peak grows about 4x (the measure can tell), the spilled
    check's by less than 1.5x (segments of 2,000 rows, buckets of 256 KiB of the file, the file read 64 K
    characters at a time, results spooled 256 at a time: the sizes that do not grow with the file are
    made small, so that the smaller file reaches them too)."""
    monkeypatch.setattr(csv_io, "BLOCK", 1 << 16)
    monkeypatch.setattr(spill, "SPOOLED", 256)
    monkeypatch.setattr(spill, "SEGMENT", 2_000)
    monkeypatch.setattr(spill, "SEGMENT_PEOPLE", 400)
    monkeypatch.setattr(spill, "BUCKET_BYTES", 256 << 10)
    peaks: dict[str, list[int]] = {"spill": [], "whole": []}
    for people in (2_000, 8_000):
        path = tmp_path / f"staff-{people}.csv"
        _staff(path, people, shuffle)
        for name, check in (("spill", _spill_check), ("whole", _whole_check)):
            peak, found = _peak(path, check)
            assert found == people
            peaks[name].append(peak)
        path.unlink()
    small, big = peaks["whole"]
    assert big > 2.5 * small, peaks  # the whole file in memory: the test can fail
    small, big = peaks["spill"]
    assert big < 1.5 * small, peaks


def test_summary_keys_and_text_unchanged(monkeypatch: pytest.MonkeyPatch) -> None:
    """The summary line from a spilled check reads as the whole check's."""
    from calculator.batch.check import summary_text

    data = SHARED.encode()
    text = summary_text(_spilled(data, "csv", "segments", monkeypatch))
    assert text == summary_text(_whole(data, "csv"))
    assert re.match(r"读取 7 行记录，共 4 人", text)


def test_a_file_of_ten_buckets_reaches_the_bound_that_more_buckets_share() -> None:
    """The rows held across all buckets and the results read at once from all of them are bounded by HELD,
    shared by the buckets: a file of ten buckets (80 MB) already reaches it, so that a file of 81 buckets
    (a million people) holds no more (before: HELD was 131,072, reached by no file under 1 GB, and 9
    buckets held 36,864 results where 81 held 131,072)."""
    assert 10 * min(spill.FLUSH, spill.SPOOLED) >= spill.HELD
    for count in range(2, spill.MAX_BUCKETS + 1):
        for most in (spill.FLUSH, spill.SPOOLED):
            assert count * spill._share(most, count) <= spill.HELD, count


def test_results_held_at_once_stay_within_the_bound(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows in no order over 40 buckets: every bucket's results are written once it is checked (none wait
    in memory for the merge), and the merge holds one batch of each, HELD in all."""
    monkeypatch.setattr(spill, "HELD", 1024)
    monkeypatch.setattr(spill, "SPOOLED", 64)
    path = tmp_path / "staff.csv"
    _staff(path, 2_000, shuffle=True)
    size = path.stat().st_size
    monkeypatch.setattr(spill, "BUCKET_BYTES", size // 40 + 1)
    monkeypatch.setattr(spill, "MAX_STRAGGLERS", -1)
    unwritten: dict[int, int] = {}  # results added to each spool, not yet written
    loaded: dict[int, int] = {}  # results of the batch read back last from each spool's file
    most, at_merge = [0], [-1]
    add, flush, read_back, load = spill.Spool.add, spill.Spool.flush, spill.Spool.__iter__, spill.pickle.load

    def counted_add(self: spill.Spool[Any], entry: Any) -> None:
        add(self, entry)
        unwritten[id(self)] = len(self.batch)
        most[0] = max(most[0], sum(unwritten.values()) + sum(loaded.values()))

    def counted_flush(self: spill.Spool[Any]) -> None:
        flush(self)
        unwritten[id(self)] = 0

    def counted_iter(self: spill.Spool[Any]) -> Iterator[Any]:
        if at_merge[0] < 0:  # the merge begins: what the spools hold by then
            at_merge[0] = sum(unwritten.values())
        yield from read_back(self)

    def counted_load(file: Any) -> Any:
        found = load(file)
        if isinstance(found, list):
            loaded[id(file)] = len(found)
            most[0] = max(most[0], sum(unwritten.values()) + sum(loaded.values()))
        return found

    monkeypatch.setattr(spill.Spool, "add", counted_add)
    monkeypatch.setattr(spill.Spool, "flush", counted_flush)
    monkeypatch.setattr(spill.Spool, "__iter__", counted_iter)
    monkeypatch.setattr(spill, "pickle", Namespace(**{**vars(spill.pickle), "load": counted_load}))
    found = _spill_check(path)
    lines = list(found.csv_lines)
    assert len(lines) == 2_000
    whole = _whole_check(path)
    assert lines == list(whole.csv_lines)
    assert at_merge[0] == 0, at_merge  # nothing waited in memory for the merge
    assert 0 < most[0] <= spill.HELD, most
