"""The batch check of a file of any size in one process, its memory flat as the file grows.

`check_file(engine, read, …)` is given `read(use)`, which reads the file and returns `use(rows)`; it may
read the file up to three times. The result is exactly what check.run_batch gives on the whole file:
the same people in the same order (of each person's first row), the same messages, the same counts.

1. The rows are read a segment of about SEGMENT rows (or SEGMENT_PEOPLE people) at a time, each segment
   cut where one person's rows end and the next person's begin; a segment is read into people and
   evaluated by the same code as a whole file (check.run_part), and its people's results go to a spool (a
   temporary file). A grouped file (each person's rows together, as HR exports list them) is then done:
   no row is kept once its segment is evaluated, only the results (about a sixth of the file) and 8 bytes
   per person (the hash of the id), to find people whose rows are in two segments once the file is read.
2. A few such people (stragglers, up to MAX_STRAGGLERS): their results of step 1 are dropped, the file is
   read again for their rows only, and they are checked from all their rows and merged in by first row.
3. Rows in no order (more stragglers than that; one id in SAMPLE is remembered, so that people coming
   back in later segments are seen after the first few segments, not at the end of the file): the file
   is read again and its rows spread over temporary files by person (the hash of the id), each bucket
   checked as a whole file, the buckets' results merged by first row.

The office's own columns (calculator.batch.table.OfficeRows, with `carry`) are carried the same way: the
cells of a part's rows are kept while the part is checked, written into its people's results, then let
go; a person's cells come from all their rows, in file order, as the whole check takes them (a straggler
is checked again from all its rows, a bucket holds its people's rows in file order).

A refused row (csv_io.Rows.problems) belongs to its person when that person has other rows in the file:
one whose person is not in its segment makes that person a straggler. Temporary files live in a
temporary folder that is removed when the check ends, however it ends. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import heapq
import pickle
import tempfile
from array import array
from collections.abc import Callable, Iterable, Iterator
from itertools import chain, islice
from itertools import count as count_from
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, Generic, TypeVar

from ..engine import Engine
from ..person import FieldProblem
from .check import Report, csv_rows, paused_gc, report, run_part
from .csv_io import RowProblem, Rows
from .people import CHUNK, BatchReader, read_header
from .table import OfficeRows, plain
from .table import csv_lines as office_lines

MIN_SIZE = 16 << 20  # bytes: a smaller file is checked whole (check.run_batch), in memory
SEGMENT = 200_000  # rows read into people and evaluated at a time, at most
SEGMENT_PEOPLE = 20_000  # people in a segment, at most (rows in no order make segments of many people)
SAMPLE = 32  # one id in SAMPLE is remembered, to see early whether people come back in later segments
UNORDERED = 20  # rows in no order: more than one person in UNORDERED seen so far came back in a later segment
MAX_STRAGGLERS = 20_000  # people with rows in two segments checked by a second reading; more: buckets
BUCKET_BYTES = 8 << 20  # of the file per bucket when rows are in no order
MAX_BUCKETS = 512
FLUSH = 1024  # rows of a bucket written at a time (fewer when there are many buckets)
SPOOLED = 4096  # results written to a spool at a time (fewer when many spools are merged)
# Rows held at once across all buckets, and results across all the spools being merged: a bound that
# a file of ten buckets already reaches, so that more buckets share it rather than add to it (each
# result, its CSV line with it, is about a kilobyte in memory).
HELD = 1 << 13

# One person's result: first row, person id, CSV line (or JSON entry), checked, compliant, hundredths short.
Entry = tuple[int, str, Any, bool, bool, int]
Read = Callable[[Callable[[Iterable[list[str]]], Any]], Any]
BadRow = tuple[str | None, FieldProblem]  # a bad row with its person's id (None: a row of no person)
T = TypeVar("T")


class _Unordered(Exception):
    """The rows are in no order: too many people have rows in two segments."""


class Spool(Generic[T]):
    """Results (or JSON entries) in a temporary file, in the order they were added."""

    def __init__(self, folder: str, batch: int | None = None):
        self.file: IO[bytes] = tempfile.TemporaryFile(dir=folder)
        self.batch: list[T] = []
        self.size = batch or SPOOLED  # results written (and read back) at a time

    def add(self, entry: T) -> None:
        self.batch.append(entry)
        if len(self.batch) >= self.size:
            self.flush()

    def flush(self) -> None:
        """The results added so far written to the file."""
        if self.batch:
            pickle.dump(self.batch, self.file, pickle.HIGHEST_PROTOCOL)
            self.batch = []

    def __iter__(self) -> Iterator[T]:
        self.flush()
        self.file.seek(0)
        while True:
            try:
                batch: list[T] = pickle.load(self.file)
            except EOFError:
                return
            yield from batch


class _Totals:
    """What the parts of a file add up to: bad rows (spooled: a file in no order gives a segment's people
    bad rows by the thousand, their first rows elsewhere, until it is seen to be in no order), rows read."""

    def __init__(self, folder: str) -> None:
        self.bad = Spool[BadRow](folder)
        self.rows = 0  # rows read under the header, blank ones left out (refused ones added at the end)
        self.ignored: list[str] = []
        self.carried: list[str] | None = None  # the office's own columns, when carried
        self.notices: list[str] = []
        self.problems: list[RowProblem] = []


def _person_of(cells: list[str], id_at: int) -> str:
    return cells[id_at].strip() if id_at < len(cells) else ""


def _new_reader(header: list[str], before: BatchReader | None) -> BatchReader:
    """A reader for the next part, sharing the texts already checked (each cache is bounded)."""
    reader = BatchReader(header)
    if before is not None:
        reader.days_seen, reader.person_seen = before.days_seen, before.person_seen
        reader.cells_seen, reader.bodies_seen = before.cells_seen, before.bodies_seen
    return reader


def _header(rows: Iterable[list[str]], carry: bool) -> tuple[Iterator[list[str]], list[str], int, OfficeRows | None]:
    """read_header's (rows after the header, header, its row number), and what keeps the office's cells
    when the header has columns of the office's own or 城市 and 年度 (the rows then pass through it, their
    政策 cell made of 城市 and 年度); a plain file's rows are read as they come."""
    iterator, header, header_row = read_header(rows)
    if not carry or plain(header):
        return iterator, header, header_row, None
    office = OfficeRows(chain([header], iterator), keep=False)
    iterator, header, _ = read_header(office)
    return iterator, header, header_row, office


def _made(result: Any, fmt: str, office: OfficeRows | None) -> Iterable[Any]:
    """Each person's CSV line or JSON entry, with the office's columns as the command line writes them
    (calculator.cli's one process), and the office's kept cells let go."""
    made: list[Any]
    if fmt == "csv":
        if office is None or not office.header:
            return csv_rows(result).lines()  # (read at once, into the spool)
        made = list(office_lines(result, office))
    else:
        made = list(report(result, "json").people_json)
        if office is not None and office.header:
            for entry, person in zip(made, result.people, strict=True):
                entry["columns"] = dict(zip(office.header, office.of(person.person_id), strict=True))
    if office is not None:
        office.forget()
    return made


def _evaluate(
    engine: Engine,
    reader: BatchReader,
    as_of: dt.date,
    policy: str | None,
    fmt: str,
    spool: Spool[Entry],
    totals: _Totals,
    office: OfficeRows | None = None,
) -> None:
    """Evaluate a part read into people: its results to the spool, its bad rows to the totals."""
    result = run_part(engine, reader, as_of, policy)
    made = _made(result, fmt, office)
    for problem in reader.orphans:
        totals.bad.add((None, problem))
    for p, text in zip(result.people, made, strict=True):
        outcome = p.outcome
        short = outcome is not None and not outcome.compliant
        spool.add(
            (
                p.first_row,
                p.person_id,
                text,
                outcome is not None,
                outcome is not None and outcome.compliant,
                (outcome.remaining[0] or 0) if short and outcome is not None else 0,
            )
        )
        for problem in (*p.bad_rows, *p.problems):
            totals.bad.add((p.person_id, problem))


class _Segments:
    """Step 1: the file a segment at a time (see the module's docstring)."""

    def __init__(self, engine: Engine, as_of: dt.date, policy: str | None, fmt: str, folder: str, carry: bool):
        self.engine, self.as_of, self.policy, self.fmt, self.folder = engine, as_of, policy, fmt, folder
        self.carry = carry

    def __call__(self, rows: Iterable[list[str]]) -> tuple[_Totals, Spool[Entry], set[int]]:
        """(totals, the results' spool, hashes of the stragglers' ids)."""
        iterator, header, header_row, office = _header(rows, self.carry)
        self.office = office
        problems = rows.problems if isinstance(rows, Rows) else []
        self.totals, self.spool = _Totals(self.folder), Spool[Entry](self.folder)
        self.totals.carried = office.header if office is not None else None
        self.hashes: list[array[int]] = []
        self.sample: set[str] = set()  # the ids of closed segments whose hash is a multiple of SAMPLE
        self.sample_seen = self.sample_back = 0
        self.ahead: list[RowProblem] = []  # refused rows not yet given to a segment
        self.taken = 0
        self.stragglers: set[int] = set()
        reader = _new_reader(header, None)
        self.totals.ignored = reader.ignored
        id_at = reader.id_at
        row_no = first = header_row + 1
        while chunk := list(islice(iterator, CHUNK)):
            if row_no + len(chunk) - first >= SEGMENT or len(reader.records) >= SEGMENT_PEOPLE:
                ids = [_person_of(row, id_at) for row in chunk]
                k, last = len(ids), ids[-1]
                while k and ids[k - 1] == last:
                    k -= 1
                if k:  # the segment ends where the chunk's last person begins
                    reader.feed(chunk[:k], row_no)
                    if office is not None:
                        office.keep(chunk[:k])
                    self._close(reader, first, row_no + k, problems, False)
                    reader, first = _new_reader(header, reader), row_no + k
                    reader.feed(chunk[k:], first)
                    if office is not None:
                        office.keep(chunk[k:])
                    row_no += len(chunk)
                    continue
            reader.feed(chunk, row_no)
            if office is not None:
                office.keep(chunk)
            row_no += len(chunk)
        self._close(reader, first, row_no, problems, True)
        self.totals.problems = list(problems)
        self.totals.notices = list(rows.notices) if isinstance(rows, Rows) else []
        merged = heapq.merge(*self.hashes)
        last_hash = None
        for value in merged:
            if value == last_hash:
                self.stragglers.add(value)
            last_hash = value
        if len(self.stragglers) > MAX_STRAGGLERS:
            raise _Unordered
        return self.totals, self.spool, self.stragglers

    def _close(self, reader: BatchReader, first: int, end: int, problems: list[RowProblem], final: bool) -> None:
        """Evaluate a segment (rows first … end - 1) with the refused rows among them."""
        self.totals.rows += end - first - reader.blank
        self.ahead += problems[self.taken :]
        self.taken = len(problems)
        mine = [p for p in self.ahead if final or p.row < end]
        self.ahead = [p for p in self.ahead if not (final or p.row < end)]
        kept = []
        for problem in mine:
            person = _person_of(problem.cells, reader.id_at)
            if person and person not in reader.records:  # their person is elsewhere, or nowhere
                self.stragglers.add(hash(person))
            else:
                kept.append(problem)
        reader.refused(kept, [])
        ids = reader.records.keys()
        hashes = array("q", sorted(map(hash, ids)))
        sampled = {person for person in ids if hash(person) % SAMPLE == 0}
        self.sample_seen += len(sampled)
        back = len(self.sample.intersection(sampled))  # of the sample, so many people came back
        self.sample_back += back
        self.sample |= sampled
        if (self.sample_back >= 8 and self.sample_back * UNORDERED > self.sample_seen) or (
            self.sample_back * SAMPLE + len(self.stragglers) > MAX_STRAGGLERS
        ):
            raise _Unordered
        self.hashes.append(hashes)
        _evaluate(self.engine, reader, self.as_of, self.policy, self.fmt, self.spool, self.totals, self.office)


class _Again:
    """Step 2: the stragglers' rows read again, checked from all their rows."""

    def __init__(
        self, engine: Engine, as_of: dt.date, policy: str | None, fmt: str, folder: str, carry: bool, people: set[int]
    ):
        self.engine, self.as_of, self.policy, self.fmt, self.folder = engine, as_of, policy, fmt, folder
        self.carry, self.people = carry, people

    def __call__(self, rows: Iterable[list[str]]) -> tuple[_Totals, Spool[Entry]]:
        iterator, header, header_row, office = _header(rows, self.carry)
        reader = _new_reader(header, None)
        id_at, people = reader.id_at, self.people
        row_no = header_row + 1
        while chunk := list(islice(iterator, CHUNK)):
            at = [i for i, row in enumerate(chunk) if (person := _person_of(row, id_at)) and hash(person) in people]
            if at:
                theirs = [chunk[i] for i in at]
                reader.feed(theirs, [row_no + i for i in at])
                if office is not None:
                    office.keep(theirs)
            row_no += len(chunk)
        problems = rows.problems if isinstance(rows, Rows) else []
        reader.refused([p for p in problems if (person := _person_of(p.cells, id_at)) and hash(person) in people], [])
        totals, spool = _Totals(self.folder), Spool[Entry](self.folder)
        _evaluate(self.engine, reader, self.as_of, self.policy, self.fmt, spool, totals, office)
        return totals, spool


class _Buckets:
    """Step 3: the rows spread over temporary files by person, each bucket checked as a whole file."""

    def __init__(
        self, engine: Engine, as_of: dt.date, policy: str | None, fmt: str, folder: str, carry: bool, buckets: int
    ):
        self.engine, self.as_of, self.policy, self.fmt, self.folder = engine, as_of, policy, fmt, folder
        self.carry, self.buckets = carry, buckets

    def __call__(self, rows: Iterable[list[str]]) -> tuple[_Totals, list[Spool[Entry]]]:
        iterator, header, header_row, office = _header(rows, self.carry)
        reader = _new_reader(header, None)
        id_at, count = reader.id_at, self.buckets
        flush = _share(FLUSH, count)  # the rows held for all buckets stay bounded
        paths = [Path(self.folder, f"rows-{i}") for i in range(count)]
        files = [path.open("wb") for path in paths]
        try:
            numbers: list[list[int]] = [[] for _ in range(count)]
            held: list[list[list[str]]] = [[] for _ in range(count)]
            row_no = header_row + 1
            while chunk := list(islice(iterator, CHUNK)):
                for number, row, at in zip(count_from(row_no), chunk, self._buckets_of(chunk, id_at), strict=False):
                    numbers[at].append(number)
                    held[at].append(row)
                row_no += len(chunk)
                for at, kept in enumerate(held):
                    if len(kept) >= flush:
                        _dump((numbers[at], kept), files[at])
                        numbers[at], held[at] = [], []
            for at, kept in enumerate(held):
                if kept:
                    _dump((numbers[at], kept), files[at])
        finally:
            for handle in files:
                handle.close()
        totals = _Totals(self.folder)
        totals.ignored = reader.ignored
        totals.carried = office.header if office is not None else None
        totals.problems = list(rows.problems) if isinstance(rows, Rows) else []
        totals.notices = list(rows.notices) if isinstance(rows, Rows) else []
        refused: list[list[RowProblem]] = [[] for _ in range(count)]
        for problem in totals.problems:
            person = _person_of(problem.cells, id_at)
            refused[hash(person) % count].append(problem)
        spools = []
        shared = reader  # holds no rows, only the texts checked so far (the last bucket's reader would
        for at, path in enumerate(paths):  # keep its rows alive while the next bucket is read)
            reader = _new_reader(header, shared)
            fed = 0
            with path.open("rb") as source:
                while True:
                    try:
                        part_numbers, part_rows = pickle.load(source)
                    except EOFError:
                        break
                    reader.feed(part_rows, part_numbers)
                    if office is not None:
                        office.keep(part_rows)
                    fed += len(part_rows)
            path.unlink()
            totals.rows += fed - reader.blank
            reader.refused(refused[at], [])
            spool = Spool[Entry](self.folder, _share(SPOOLED, count))  # the merge reads one batch of each
            _evaluate(self.engine, reader, self.as_of, self.policy, self.fmt, spool, totals, office)
            spool.flush()  # its last batch written, not held while the other buckets are checked
            spools.append(spool)
        return totals, spools

    def _buckets_of(self, chunk: list[list[str]], id_at: int) -> list[int]:
        """Each row's bucket: by the hash of its person's id (rows without one: the bucket of "")."""
        count = self.buckets
        try:
            ids = map(str.strip, map(itemgetter(id_at), chunk))
            return [hash(person) % count for person in ids]
        except IndexError:  # a row shorter than the header
            return [hash(_person_of(row, id_at)) % count for row in chunk]


def _share(most: int, count: int) -> int:
    """What each of `count` buckets (or spools) may hold at once, so that together they hold no more
    than HELD (and each no more than `most`; at least 16, for files of hundreds of buckets)."""
    return max(16, min(most, HELD // count))


def _dump(value: object, file: IO[bytes]) -> None:
    """Pickle without the memo (each object is written once anyway): faster."""
    pickler = pickle.Pickler(file, pickle.HIGHEST_PROTOCOL)
    pickler.fast = True
    pickler.dump(value)


def _first_row(entry: Entry) -> int:
    return entry[0]


def _report(entries: Iterable[Entry], totals: _Totals, fmt: str, bad: Iterable[BadRow]) -> Report:
    """The report from the results in order: the CSV lines (or the JSON entries) in a temporary file, read
    back as they are written."""
    counts = {"people": 0, "compliant": 0, "short": 0, "not_checked": 0, "hours_short": 0}
    lines: IO[str] = tempfile.TemporaryFile("w+", encoding="utf-8", newline="")
    people_json: Spool[dict[str, Any]] | None = Spool(tempfile.gettempdir()) if fmt == "json" else None
    batch: list[str] = []
    for _, _, text, checked, compliant, short in entries:
        counts["people"] += 1
        if not checked:
            counts["not_checked"] += 1
        elif compliant:
            counts["compliant"] += 1
        else:
            counts["short"] += 1
            counts["hours_short"] += short
        if fmt == "csv":
            batch.append(text)
            if len(batch) >= SPOOLED:
                lines.write("".join(batch))
                batch = []
        elif people_json is not None:
            people_json.add(text)
    lines.write("".join(batch))
    bad_rows = [problem for _, problem in bad]
    bad_rows.sort(key=lambda p: (p.row or 0, p.field))
    counts["bad_rows"] = len({p.row for p in bad_rows})
    counts["rows"] = totals.rows + len(totals.problems)
    people = _entries(people_json) if people_json is not None else []
    return Report(_read_back(lines), people, bad_rows, totals.ignored, counts, totals.notices, totals.carried)


def _entries(spool: Spool[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """The JSON entries as they were added (each result's third field), read back once."""
    with spool.file:
        yield from spool


def _read_back(lines: IO[str]) -> Iterator[str]:
    lines.seek(0)
    with lines:
        yield from lines


def check_file(
    engine: Engine,
    read: Read,
    as_of: dt.date,
    policy: str | None,
    fmt: str,
    size: int,
    folder: str | None = None,
    carry: bool = False,
) -> Report:
    """The report of the file that `read` reads (`size`: its bytes), checked in parts (see the docstring);
    with `carry`, the office's own columns in the results (and a 政策 cell made of 城市 and 年度), as
    calculator.cli writes them when it checks the file in one process."""
    with paused_gc(), tempfile.TemporaryDirectory(prefix="calculator-batch-", dir=folder) as work:
        found: tuple[_Totals, Spool[Entry], set[int]] | None
        try:
            found = read(_Segments(engine, as_of, policy, fmt, work, carry))
        except _Unordered:
            found = None  # the buckets are read after the except block, whose traceback holds the
        if found is None:  # segments' last reader, spool and reading of the file until the block ends
            buckets = max(2, min(MAX_BUCKETS, size // BUCKET_BYTES + 1))
            totals, spools = read(_Buckets(engine, as_of, policy, fmt, work, carry, buckets))
            return _report(heapq.merge(*spools, key=_first_row), totals, fmt, totals.bad)
        totals, spool, stragglers = found
        if not stragglers:
            return _report(spool, totals, fmt, totals.bad)
        again, again_spool = read(_Again(engine, as_of, policy, fmt, work, carry, stragglers))
        kept = (entry for entry in spool if hash(entry[1]) not in stragglers)
        bad = ((person, p) for person, p in totals.bad if person is None or hash(person) not in stragglers)
        return _report(heapq.merge(kept, again_spool, key=_first_row), totals, fmt, chain(bad, again.bad))
