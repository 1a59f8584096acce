"""`build.py new ... --notice FILE`: carry last year's citations over to the new notice, rule by rule.

For every citation of the old file, the passage of the new notice that says the same thing is found
(calculator.passages: white space ignored, digits compared as placeholders). Each rule gets one outcome:

- `same`: every passage is there and reads the same (a year moved with the notice's year counts as the
  same: "2023 年" in the 2023 notice, "2024 年" in the 2024 one); the new passages are written, unmarked;
- `changed`: a passage is there with other numbers, dates or words; the new value is proposed from the new
  passage and the citation is written as "待核对（有改动）：<new passage>", so `check` refuses it until a
  maintainer has read it and removed the marker;
- `not_found`: the notice no longer says it; the citation stays "待核对（新通知未找到）：<old passage>".

Values are proposed only from what the passages say: a number or date is carried to what the same place of
the new passage reads; one the passage does not state is kept, except a date in the notice's own year
("于当年"), which moves to the new year.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from typing import Any

from calculator.bundle import citations
from calculator.citations import squeeze
from calculator.passages import DIGITS, PLACEHOLDER, Notice, normalise
from calculator.policy_checks import UNVERIFIED

CHANGED_MARK = f"{UNVERIFIED}（有改动）："
MISSING_MARK = f"{UNVERIFIED}（新通知未找到）："
NEAR = 0.6  # below FOUND, a passage worth showing as the nearest
STATUSES = ("same", "changed", "not_found")  # in order of weight: a rule takes its worst citation's
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DATE_PART = re.compile(r"(\d{4})年|(\d{1,2})月|(\d{1,2})日")
NOT_VALUES = {"note", "interpretation", "reference", "status"}
AS_IS = {"policy", "url"}  # ids and addresses: never rewritten from a passage


@dataclass
class Cited:
    """One citation's outcome."""

    status: str
    old: str  # the old quote
    new: str | None  # the new notice's passage (None when not found)
    score: float
    nearest: str | None = None  # when not found: the most similar passage, if it is at all similar


@dataclass
class Outcome:
    """One rule's (or document field's) outcome, as `new` reports it."""

    rule: str
    status: str
    cited: list[Cited] = field(default_factory=list)
    old_value: Any = None
    new_value: Any = None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "status": self.status,
            "old_source": " | ".join(c.old for c in self.cited),
            "new_source": " | ".join(c.new for c in self.cited if c.new is not None) or None,
            "old_value": self.old_value,
            "new_value": self.new_value,
        }


class Aligner:
    def __init__(self, notice: Notice, old_document: str, old_year: int, new_year: int):
        self.notice = notice
        self.old_document = old_document
        self.old_year = old_year
        self.new_year = new_year

    def rule(
        self, name: str, rule: dict[str, Any], rename: tuple[str, str] | None = None
    ) -> tuple[dict[str, Any], Outcome]:
        """The rule as the new file states it, and its outcome. `rename` (old city's name, new city's) is
        applied to a text value (a title, an issuer): a value so made up is always `changed`, to be read."""
        outcome = Outcome(name, "same")
        new = self._walk(rule, [], outcome, mark_all=False)
        outcome.status = max((c.status for c in outcome.cited), key=STATUSES.index, default="same")
        renamed = (
            rename is not None
            and rename[0] != rename[1]
            and isinstance(new.get("value"), str)
            and rename[0] in new["value"]
        )
        if outcome.status == "same" and (renamed or _moved(shown_value(rule), self) != shown_value(new)):
            # The words are the same but the value is not what they say: it was renamed for the new city,
            # or no longer follows the year ("自2024年起" kept in the 2024 notice). Read like any change.
            outcome.status = "changed"
            outcome.cited = []
            new = self._walk(rule, [], outcome, mark_all=True)
        if renamed and rename is not None:
            new["value"] = new["value"].replace(*rename)
        outcome.old_value, outcome.new_value = shown_value(rule), shown_value(new)
        return new, outcome

    def _walk(self, node: Any, context: list[Cited], outcome: Outcome, mark_all: bool) -> Any:
        if isinstance(node, dict):
            if "source" in node:
                source, context = self._source(node["source"], mark_all)
                outcome.cited.extend(context)
            out: dict[str, Any] = {}
            for key, child in node.items():
                if key == "source":
                    out[key] = source
                elif key in NOT_VALUES or key in AS_IS:
                    out[key] = child
                else:
                    out[key] = self._walk(child, context, outcome, mark_all)
            return out
        if isinstance(node, list):
            return [self._walk(child, context, outcome, mark_all) for child in node]
        return self._propose(node, context)

    def _source(self, source: Any, mark_all: bool) -> tuple[Any, list[Cited]]:
        found = [self._cite(c["quote"]) for c in citations(source, self.old_document)]
        written = [
            (
                MISSING_MARK + c.old
                if c.new is None
                else c.new
                if c.status == "same" and not mark_all
                else CHANGED_MARK + c.new
            )
            for c in found
        ]
        return (written if isinstance(source, list) else written[0]), found

    def _cite(self, quote: str) -> Cited:
        passage = self.notice.find(quote)
        if passage is None or not passage.says_the_same:
            near = passage.quote if passage is not None and passage.score >= NEAR else None
            return Cited("not_found", quote, None, passage.score if passage else 0.0, near)
        same = squeeze(passage.text) in {squeeze(quote), _move_years(squeeze(quote), self)}
        return Cited("same" if same else "changed", quote, passage.quote, passage.score)

    def _propose(self, leaf: Any, context: list[Cited]) -> Any:
        """The leaf as the new passages state it (unchanged where they do not say)."""
        pairs = [(c.old, c.new) for c in context if c.new is not None]
        if isinstance(leaf, bool) or leaf is None:
            return leaf
        if isinstance(leaf, int | float):
            for old, new in pairs:
                mapped = _number_map(old, new).get(_number_text(leaf))
                if mapped is not None:
                    return _number(mapped, leaf)
            return leaf
        if isinstance(leaf, str) and (m := ISO_DATE.match(leaf)):
            date = tuple(int(x) for x in m.groups())
            for old, new in pairs:
                old_dates, new_dates = _dates(old, self.old_year), _dates(new, self.new_year)
                if date in old_dates and len(old_dates) == len(new_dates):
                    y, mo, d = new_dates[old_dates.index(date)]
                    return f"{y:04d}-{mo:02d}-{d:02d}"
            stated = any(str(date[0]) in DIGITS.findall(squeeze(c.old)) for c in context)
            if date[0] == self.old_year and not stated and pairs:  # "于当年" in the new notice: its own year
                return _move_date(leaf, self.new_year - self.old_year)
            return leaf
        if isinstance(leaf, str):
            for old, new in pairs:
                for before, after in _number_map(old, new).items():
                    if before != after:
                        leaf = re.sub(rf"(?<![\d.]){re.escape(before)}(?![\d])", after, leaf)
            return leaf
        return leaf


def _number_text(value: int | float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _number(text: str, like: int | float) -> int | float:
    text = text.translate(FULL_WIDTH)
    number = float(text)
    return int(number) if isinstance(like, int) and number.is_integer() else number


FULL_WIDTH = str.maketrans("０１２３４５６７８９．", "0123456789.")


def _number_map(old: str, new: str) -> dict[str, str]:
    """Each number of `old` -> the number at the same place of `new`; a number read in two places that
    became two different numbers is left out (which one the value meant cannot be told)."""
    a_raw, b_raw = squeeze(old), squeeze(new)
    a_runs = [m.group().translate(FULL_WIDTH) for m in DIGITS.finditer(a_raw)]
    b_runs = [m.group().translate(FULL_WIDTH) for m in DIGITS.finditer(b_raw)]
    a, _ = normalise(a_raw)
    b, _ = normalise(b_raw)
    a_at = [i for i, ch in enumerate(a) if ch == PLACEHOLDER]
    b_at = {i: k for k, i in enumerate(i for i, ch in enumerate(b) if ch == PLACEHOLDER)}
    found: dict[str, set[str]] = {}
    for block in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks():
        for k, i in enumerate(a_at):
            if block.a <= i < block.a + block.size:
                found.setdefault(_trim(a_runs[k]), set()).add(_trim(b_runs[b_at[block.b + i - block.a]]))
    return {before: next(iter(after)) for before, after in found.items() if len(after) == 1}


def _trim(number: str) -> str:
    """ "109.10" reads as 109.1; "06" as 6."""
    if "." in number:
        number = number.rstrip("0").rstrip(".")
    return number.lstrip("0") or "0"


def _dates(quote: str, year: int) -> list[tuple[int, int, int]]:
    """Every day the passage names, in order: "2023年10月11日至20日、12月11日至20日" -> four dates."""
    out = []
    month = None
    for m in DATE_PART.finditer(squeeze(quote).translate(FULL_WIDTH)):
        if m.group(1):
            year = int(m.group(1))
        elif m.group(2):
            month = int(m.group(2))
        elif month is not None:
            out.append((year, month, int(m.group(3))))
    return out


def _move_years(text: str, aligner: Aligner) -> str:
    """`text` with every year of the old notice (and those next to it) moved by the years between them."""
    years = aligner.new_year - aligner.old_year

    def move(m: re.Match[str]) -> str:
        n = m.group()
        if n.isdigit() and len(n) == 4 and abs(int(n) - aligner.old_year) <= 2:
            return str(int(n) + years)
        return n

    return DIGITS.sub(move, text)


def _move_date(text: str, years: int) -> str:
    year, rest = int(text[:4]) + years, text[5:]
    if rest == "02-29" and not (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)):
        rest = "02-28"
    return f"{year}-{rest}"


def _moved(value: Any, aligner: Aligner) -> Any:
    """The old value as it reads when only the years moved with the notice's."""
    years = aligner.new_year - aligner.old_year
    if isinstance(value, dict):
        return {
            k: (v if k in AS_IS else _moved(v, aligner))
            for k, v in value.items()
            if k not in NOT_VALUES and k != "source"
        }
    if isinstance(value, list):
        return [_moved(v, aligner) for v in value]
    if isinstance(value, str) and ISO_DATE.match(value):
        return _move_date(value, years)
    if isinstance(value, int) and not isinstance(value, bool) and abs(value - aligner.old_year) <= 2:
        return value + years
    if isinstance(value, str):
        return _move_years(value, aligner)
    return value


def shown_value(item: dict[str, Any]) -> Any:
    """What the report shows as an item's value: its `value`, or (a basis entry) its fields."""
    if "value" in item:
        return strip_sources(item["value"])
    return strip_sources(item) or None


def strip_sources(value: Any) -> Any:
    """A value without its nested citations (how the report shows it)."""
    if isinstance(value, dict):
        return {k: strip_sources(v) for k, v in value.items() if k not in NOT_VALUES and k != "source"}
    if isinstance(value, list):
        return [strip_sources(v) for v in value]
    return value


LABELS = {"same": "相同", "changed": "有改动", "not_found": "未找到"}


def table(outcomes: list[Outcome], width: int = 60) -> str:
    """The report a maintainer reads: one line per rule, then the passage to look at for each one to review."""

    def show(value: Any) -> str:
        text = value if isinstance(value, str) else _json(value)
        return text if len(text) <= width else text[: width - 1] + "…"

    name_width = max((len(o.rule) for o in outcomes), default=4) + 2
    lines = [f"{'规则':<{name_width - 2}}结果           取值"]
    for o in outcomes:
        value = show(o.old_value) if o.old_value == o.new_value else f"{show(o.old_value)} → {show(o.new_value)}"
        lines.append(f"{o.rule:<{name_width}}{o.status:<10}{LABELS[o.status]:<4} {value}")
        for c in o.cited:
            if c.status == "changed" or (o.status == "changed" and c.new is not None):
                lines.append(f"{'':<{name_width}}  新原文：{show(c.new)}")
                lines.append(f"{'':<{name_width}}  旧原文：{show(c.old)}")
            elif c.status == "not_found":
                lines.append(f"{'':<{name_width}}  未找到旧原文：{show(c.old)}")
                if c.nearest:
                    lines.append(f"{'':<{name_width}}  最接近的是（相似度 {c.score:.2f}）：{show(c.nearest)}")
    counts = {s: sum(o.status == s for o in outcomes) for s in STATUSES}
    lines.append(
        f"共 {len(outcomes)} 条：相同 {counts['same']}，"
        f"有改动 {counts['changed']}（已按新原文提出新值，仍标记待核对），"
        f"未找到 {counts['not_found']}（仍标记待核对）"
    )
    return "\n".join(lines)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
