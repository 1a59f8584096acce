"""The batch check of a big file in several processes, one part of the file each.

A file is cut where one person's rows end and the next person's begin (an HR export lists each person's
rows together); each part is read and evaluated by the same code as a whole file (check.read_part,
check.run_part) in a process of its own, its result rows written there, and the parts' reports joined in file order.

It is used only where it gives exactly what one process gives, and `run` returns None otherwise (the
caller then checks the file in one process):
- every line is one row: no quote character anywhere (a quoted cell may hold a line break, and then
  row numbers could not be counted from the lines) and no carriage return outside CRLF;
- the file is big enough and the machine has more than one core, and can fork (not in Pyodide);
- each person's rows are together: the first lines are looked at before a file is read whole (`layout`
  of its first megabyte), and once the parts are read (before they are evaluated), no person may have
  rows in two parts.
Standard library only; multiprocessing is imported when a file is cut.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import os
from collections.abc import Iterator
from dataclasses import replace
from itertools import chain
from typing import Any, NamedTuple

from ..engine import Engine
from .check import Report, join_reports, read_part, report, run_part
from .csv_io import delimiter_for, first_line
from .people import BatchError, BatchReader, column_index

MIN_PART = 4_000_000  # bytes or characters (about 30,000 rows): a smaller part costs more to start than it saves
MAX_PROCESSES = 8
SAMPLE_LINES = 4096  # the first lines, looked at to see whether each person's rows are together
HEAD = 1 << 20  # bytes of a file looked at before it is read whole (they hold the first lines)
WINDOW = 1 << 20  # characters of the text read at a time
MAX_SHIFT = 10_000  # lines a cut may move forward to fall between two people
MAX_WHOLE = 128 << 20  # bytes: a bigger file is not held whole in memory to be cut (see calculator.batch.spill)


def processes_for(size: int) -> int:
    """How many processes a file of `size` bytes (or text of `size` characters, from standard input) is
    worth on this machine (1: no cutting)."""
    if not hasattr(os, "fork") or size > MAX_WHOLE:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_PROCESSES, size // MIN_PART))


def run(
    engine: Engine, text: str, as_of: dt.date, default_policy: str | None, fmt: str, processes: int
) -> Report | None:
    """The report of the CSV text checked in `processes` parts; None when it cannot be cut safely."""
    plan = cut(text, processes)
    if plan is None:
        return None
    header, delimiter, parts = plan

    readers: dict[int, BatchReader] = {}

    def part_people(index: int) -> frozenset[str]:
        """The part's rows read into people (kept for part_report); their ids."""
        start, end, first_row = parts[index]
        reader = readers[index] = read_part(header, _rows(text, start, end, delimiter), first_row)
        return frozenset(reader.records)

    def part_report(index: int) -> Report:
        part = report(run_part(engine, readers.pop(index), as_of, default_policy), fmt)
        return replace(part, csv_lines=list(part.csv_lines))

    try:
        done = _in_processes(part_report, len(parts), part_people)
    except csv.Error:
        return None  # the one-process check reports it
    if done is None:
        return None  # a part failed, or someone's rows are in two parts
    return join_reports(done)


class Layout(NamedTuple):
    header: list[str]
    header_row: int
    header_end: int  # where the line after the header starts
    delimiter: str
    id_at: int  # the person_id column


def layout(text: str) -> Layout | None:
    """The header and its place when the text is one row a line and its first lines list each person's
    rows together; else None. Also a quick look at the first lines of a file before it is read whole."""
    if '"' in text or text.count("\r") != text.count("\r\n"):
        return None
    delimiter = delimiter_for(first_line(text))  # as csv_io.rows decides it
    header_end, header_row = _header_line(text, delimiter)
    if header_end is None:
        return None  # no header: the one-process check says so
    header = text[text.rfind("\n", 0, header_end - 1) + 1 : header_end].rstrip("\r\n").split(delimiter)
    try:
        id_at = column_index(header)[0]["person_id"]
    except BatchError:
        return None
    if not _grouped(_lines(text, header_end, SAMPLE_LINES), delimiter, id_at):
        return None
    return Layout(header, header_row, header_end, delimiter, id_at)


def cut(text: str, processes: int) -> tuple[list[str], str, list[tuple[int, int, int]]] | None:
    """(header, delimiter, parts): each part (start, end, number of its first row) of the text after the
    header line, cut between two people; None when the text is not one row a line or not grouped."""
    found = layout(text) if processes > 1 else None
    if found is None:
        return None
    header, header_row, header_end, delimiter, id_at = found
    cuts = [header_end]
    for k in range(1, processes):
        target = header_end + (len(text) - header_end) * k // processes
        at = _between_people(text, text.find("\n", target) + 1, delimiter, id_at)
        if at is None:
            return None
        if at > cuts[-1] and at < len(text):
            cuts.append(at)
    cuts.append(len(text))
    parts, row = [], header_row + 1
    for start, end in zip(cuts, cuts[1:], strict=False):
        parts.append((start, end, row))
        row += text.count("\n", start, end)
    return (header, delimiter, parts) if len(parts) > 1 else None


def _rows(text: str, start: int, end: int, delimiter: str) -> Iterator[list[str]]:
    """The rows of text[start:end], read a window of about a million characters at a time (a StringIO
    of the whole part would hold it four bytes a character)."""
    windows = []
    while start < end:
        stop = text.find("\n", min(start + WINDOW, end) - 1, end) + 1 or end
        windows.append((start, stop))
        start = stop
    readers = (csv.reader(io.StringIO(text[a:b], newline=""), delimiter=delimiter) for a, b in windows)
    return chain.from_iterable(readers)


def _header_line(text: str, delimiter: str) -> tuple[int | None, int]:
    """(where the line after the header starts, the header's row number): the first line with a cell
    that is not blank, as people.read_people finds it."""
    start, row = 0, 1
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        if any(cell.strip() for cell in text[start:end].rstrip("\r\n").split(delimiter)):
            return end, row
        start, row = end, row + 1
    return None, row


def _lines(text: str, start: int, count: int) -> Iterator[str]:
    for _ in range(count):
        if start <= 0 or start >= len(text):
            return
        end = text.find("\n", start)
        end = len(text) if end < 0 else end + 1
        yield text[start:end]
        start = end


def _person(line: str, delimiter: str, id_at: int) -> str:
    cells = line.rstrip("\r\n").split(delimiter)
    return cells[id_at].strip() if id_at < len(cells) else ""


def _grouped(lines: Iterator[str], delimiter: str, id_at: int) -> bool:
    """Whether each person's rows among these lines are together (one run of rows per person)."""
    seen: set[str] = set()
    last = None
    for line in lines:
        person = _person(line, delimiter, id_at)
        if person != last:
            if person and person in seen:
                return False
            seen.add(person)
            last = person
    return True


def _between_people(text: str, at: int, delimiter: str, id_at: int) -> int | None:
    """The first line start from `at` on whose row is not the same person's as the row above it."""
    if at <= 0 or at >= len(text):
        return len(text)
    above = _person(text[text.rfind("\n", 0, at - 1) + 1 : at], delimiter, id_at)
    for line in _lines(text, at, MAX_SHIFT):
        if _person(line, delimiter, id_at) != above or not above:
            return at
        at += len(line)
    return None if at < len(text) else len(text)


def _in_processes(work: Any, parts: int, people: Any) -> list[Any] | None:
    """[work(0), work(1), …]: work(0) here, the others each in a forked process; None if one fails, or
    when someone's rows are in two parts. That is found before the parts are evaluated: each process
    first reads its part and gives its person ids (`people(index)`), and all go on only when no id is in
    two parts (it used to evaluate and write every part, then throw them away)."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    started = []
    for index in range(1, parts):
        here, there = context.Pipe()
        process = context.Process(target=_child, args=(work, people, index, there), daemon=True)
        process.start()
        there.close()
        started.append((process, here))
    try:
        ids = [people(0)]
        for _, here in started:
            try:
                ok, value = here.recv()
            except EOFError:
                ok, value = False, None
            ids.append(value if ok else None)
        together = None not in ids and sum(map(len, ids)) == len(set().union(*ids))
        for _, here in started:
            with contextlib.suppress(OSError):
                here.send(together)
        if not together:
            for process, _ in started:
                process.join()
            return None
        results = [work(0)]
    except BaseException:
        for process, _ in started:
            process.terminate()
        raise
    failed = False
    for process, receive in started:
        try:
            ok, value = receive.recv()
        except EOFError:
            ok, value = False, None
        process.join()
        failed = failed or not ok
        results.append(value)
    return None if failed else results


def _child(work: Any, people: Any, index: int, send: Any) -> None:
    try:
        send.send((True, people(index)))
        if not send.recv():
            return  # someone's rows are in two parts: the parent checks the file in one process
        send.send((True, work(index)))
    except Exception:  # any failure: the parent checks the file in one process instead
        send.send((False, None))
    finally:
        send.close()
