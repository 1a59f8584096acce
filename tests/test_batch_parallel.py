"""A big batch file checked in parts, each in its own process, gives exactly what one process gives;
a file that cannot be cut safely is checked in one process."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from test_batch_paths import BUNDLE, batch_files

from calculator.batch import check as batch
from calculator.batch import csv_io
from calculator.batch import parallel as batch_parallel
from calculator.batch.check import Report
from calculator.cli import main
from calculator.engine import Engine

AS_OF = dt.date(2023, 12, 1)
ENGINE = Engine(BUNDLE)
HEADER = "person_id,name,policy,employer,maternity_months,date,category,hours,mode,days"


def staff(people: int = 300, newline: str = "\n", blank_lines: int = 0) -> str:
    """Each person's rows together; now and then a bad row, a row without an id, an inconsistent cell."""
    lines = [""] * blank_lines + [HEADER]
    for p in range(people):
        policy = ("luoyang/2023", "henan/2023", "anyang/2025")[p % 3]
        year = policy[-4:]
        lines.append(f"P{p},员工{p},{policy},public_institution,{p % 4},{year}-03-01,public,{p % 31},online,")
        lines += [f"P{p},,,,,{year}-0{n}-02,professional,{n * 2},face_to_face,1" for n in range(1, 1 + p % 6)]
        if p % 37 == 3:
            lines += [f"P{p},,,,,{year}-02-30,public,1,,", f"P{p},,,,,{year}-04-01,public,-1,,"]
        if p % 53 == 7:
            lines.append(f"P{p},,henan/2023,,,{year}-05-01,public,2,,")  # a policy unlike the first row's
        if p % 41 == 3:
            lines.append(",,,,,,,5,,")  # no person
    return newline.join(lines) + newline


def one_process(text: str, fmt: str) -> Report:
    return batch.report(batch.run_batch(ENGINE, csv_io.rows(text), AS_OF, None), fmt)


def in_parts(text: str, fmt: str, processes: int = 3) -> Report | None:
    return batch_parallel.run(ENGINE, text, AS_OF, None, fmt, processes)


def same(a: Report, b: Report) -> None:
    assert list(a.csv_lines) == list(b.csv_lines)
    assert json.dumps(a.json(), ensure_ascii=False) == json.dumps(b.json(), ensure_ascii=False)
    assert [str(p) for p in a.bad_rows] == [str(p) for p in b.bad_rows]


@pytest.mark.parametrize("fmt", ["csv", "json"])
@pytest.mark.parametrize(("newline", "blank_lines"), [("\n", 0), ("\r\n", 2)])
def test_parts_give_what_one_process_gives(fmt: str, newline: str, blank_lines: int) -> None:
    text = staff(newline=newline, blank_lines=blank_lines)
    plan = batch_parallel.cut(text, 3)
    assert plan is not None and len(plan[2]) == 3
    joined = in_parts(text, fmt)
    assert joined is not None
    whole = one_process(text, fmt)
    same(joined, whole)
    # the later parts' bad rows are numbered as rows of the whole file
    assert max(p.row or 0 for p in joined.bad_rows) > plan[2][2][2]
    assert joined.summary()["bad_rows"] == whole.summary()["bad_rows"] > 10


def test_every_cut_falls_between_two_people() -> None:
    text = staff()
    plan = batch_parallel.cut(text, 5)
    assert plan is not None
    _, _, parts = plan
    lines = text.splitlines(keepends=True)
    for (_, _, first_row), (_, end, _) in zip(parts[1:], parts, strict=False):
        assert sum(map(len, lines[: first_row - 1])) == end  # the part's first row is the line after its cut
        above, below = lines[first_row - 2], lines[first_row - 1]
        assert above.split(",")[0] != below.split(",")[0] or not above.split(",")[0]


@pytest.mark.parametrize(
    ("why", "change"),
    [
        ("a quoted cell may hold a line break", lambda t: t.replace("员工5,", '"员工,5",', 1)),
        ("a lone carriage return ends a row for the csv module", lambda t: t.replace("员工5,", "员工\r5,", 1)),
        ("rows in no order", lambda t: "\n".join([t.split("\n")[0], *sorted(t.split("\n")[1:], key=len)]) + "\n"),
        ("no header", lambda t: "\n\n"),
        ("no person_id column", lambda t: t.replace("person_id", "who", 1)),
    ],
)
def test_a_file_that_cannot_be_cut_safely_is_not_cut(why: str, change: Any) -> None:
    assert in_parts(change(staff()), "csv") is None, why


def test_a_person_in_two_parts_after_the_first_lines_is_checked_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch_parallel, "SAMPLE_LINES", 100)
    text = staff()
    moved = "P2,,,,,2023-09-09,professional,3,online,\n"  # P2's rows again, near the end
    lines = text.splitlines(keepends=True)
    text = "".join([*lines[:-3], moved, *lines[-3:]])
    assert batch_parallel.cut(text, 3) is not None  # the first lines look grouped...
    assert in_parts(text, "csv") is None  # ...but P2 has rows in two parts


def test_a_person_in_two_parts_is_found_before_any_part_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parts compare their person ids once read: no part is evaluated when one is in two parts (it
    used to evaluate and write every part, discard them and start again)."""
    monkeypatch.setattr(batch_parallel, "SAMPLE_LINES", 100)
    text = staff()
    lines = text.splitlines(keepends=True)
    text = "".join([*lines[:-3], "P2,,,,,2023-09-09,professional,3,online,\n", *lines[-3:]])
    ran: list[int] = []
    real = batch_parallel.run_part
    monkeypatch.setattr(batch_parallel, "run_part", lambda *args: (ran.append(os.getpid()), real(*args))[1])
    assert in_parts(text, "csv") is None
    assert ran == []  # not even the part checked in this process
    assert in_parts(staff(), "csv") is not None and ran  # a file that can be cut still is


def test_a_failing_part_is_checked_again_in_one_process(monkeypatch: pytest.MonkeyPatch) -> None:
    real = batch_parallel.run_part

    parent = os.getpid()

    def failing(*args: Any) -> Any:
        if os.getpid() != parent:  # the parts after the first (each in a forked process)
            raise RuntimeError("a part fails")
        return real(*args)

    monkeypatch.setattr(batch_parallel, "run_part", failing)
    assert in_parts(staff(), "csv") is None


def test_a_cut_moves_past_a_long_run_or_gives_up(monkeypatch: pytest.MonkeyPatch) -> None:
    lines = [HEADER] + [f"P1,,,,,2023-03-{1 + n % 28:02d},public,1,," for n in range(400)]
    lines += [f"P2,,,,,2023-03-{1 + n % 28:02d},public,1,," for n in range(400)]
    text = "\n".join(lines) + "\n"
    plan = batch_parallel.cut(text, 3)  # both cuts fall inside a run: they move to where P2 begins
    assert plan is not None and [first_row for _, _, first_row in plan[2]] == [2, 402]
    monkeypatch.setattr(batch_parallel, "MAX_SHIFT", 50)
    assert batch_parallel.cut(text, 3) is None


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(batch_files())
def test_any_file_that_is_cut_gives_what_one_process_gives(file: tuple[str, list[str]]) -> None:
    text, extra = file
    default = extra[1] if extra else None  # --policy: given to both
    joined = batch_parallel.run(ENGINE, text, AS_OF, default, "json", 2)
    assume(joined is not None)  # the files that cannot be cut are checked in one process, as tested above
    assert joined is not None
    whole = batch.report(batch.run_batch(ENGINE, csv_io.rows(text), AS_OF, default), "json")
    same(joined, whole)


@pytest.mark.parametrize(("order", "newline"), [("grouped", "\n"), ("grouped", "\r\n"), ("shuffled", "\r\n")])
def test_the_command_cuts_a_big_file_and_writes_what_one_process_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, order: str, newline: str
) -> None:
    path, bundle = tmp_path / "staff.csv", tmp_path / "policies.json"
    text = staff(people=600, newline=newline)
    if order == "shuffled":  # not cut: read again from the file, in one process
        header, *lines = text.splitlines(keepends=True)
        text = header + "".join(random.Random(5).sample(lines, len(lines)))
    path.write_bytes(text.encode("gbk"))
    bundle.write_text(json.dumps(BUNDLE, ensure_ascii=False), encoding="utf-8")
    monkeypatch.setattr(batch_parallel, "MIN_PART", 1000)
    monkeypatch.setattr(batch_parallel, "HEAD", 5000)  # the first lines only, cut in a line and a character
    monkeypatch.setattr(batch_parallel.os, "cpu_count", lambda: 4)
    cuts: list[int] = []
    joined: list[bool] = []
    real_cut, real_run = batch_parallel.cut, batch_parallel.run
    monkeypatch.setattr(batch_parallel, "cut", lambda text, n: cuts.append(n) or real_cut(text, n))
    monkeypatch.setattr(batch_parallel, "run", lambda *a: (found := real_run(*a), joined.append(found is not None))[0])
    outputs = []
    for jobs in ("1", "0", "3"):
        out, err = io.StringIO(), io.StringIO()
        args = ["batch", str(path), "--bundle", str(bundle), "--as-of", "2023-12-01", "--jobs", jobs]
        code = main(args, out, err)
        outputs.append((code, out.getvalue(), err.getvalue()))
    # --jobs 1 never cuts; 0 takes the machine's cores; 3 at most 3; rows in no order: seen in the first lines
    assert cuts == ([4, 3] if order == "grouped" else [])
    assert joined == ([True, True] if order == "grouped" else [])  # checked in parts, not in one process
    assert outputs[0] == outputs[1] == outputs[2]
    assert "P599" in outputs[0][1]
    assert outputs[0][0] == 2 and "第 " in outputs[0][2]  # bad rows reported by number, exit 2


def test_output_buffered_before_the_fork_is_written_once(tmp_path: Path) -> None:
    """A forked process flushes its copy of the parent's buffers when it ends: they must be empty at the fork
    (multiprocessing flushes them; a plain os.fork would not)."""
    import subprocess
    import sys

    (tmp_path / "staff.csv").write_text(staff(), encoding="utf-8")
    script = (
        "import sys, datetime as dt\n"
        "sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from test_batch_parallel import ENGINE\n"
        "from calculator.batch import parallel as batch_parallel\n"
        "sys.stdout.write('before ')\n"  # buffered: stdout is a pipe
        "text = open(sys.argv[3], encoding='utf-8').read()\n"
        "report = batch_parallel.run(ENGINE, text, dt.date(2023, 12, 1), None, 'csv', 3)\n"
        "print(report is not None)\n"
    )
    tests = Path(__file__).resolve().parent
    done = subprocess.run(
        [sys.executable, "-c", script, str(tests), str(tests.parent), str(tmp_path / "staff.csv")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == "before True\n"


@pytest.mark.parametrize("jobs", ["-1", "two", ""])
def test_jobs_must_be_a_whole_number(jobs: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["batch", "staff.csv", "--jobs", jobs], io.StringIO(), io.StringIO())
    assert stop.value.code == 2
    assert "--jobs: 应为 0 或正整数" in capsys.readouterr().err
