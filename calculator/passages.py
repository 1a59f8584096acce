"""Find the passage of a notice that says what a quote says, when the words are not exactly the same.

Used by `build.py new --notice` (to carry last year's citations over to the new notice) and by the citation
check (to show the nearest passage when a quote is not found). White space carries no meaning (the notices
are text extracted from published documents); every run of digits is compared as one placeholder, so a
sentence whose year, number or date changed is still the same sentence. Standard library only.

The search: a quote's 3-character pieces vote for where in the notice it starts; the best few starts are
compared with difflib, and the passage is cut where the matching stops. A notice of 10,000 characters is
searched in about a millisecond per quote.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from functools import cached_property

from .citations import squeeze

DIGITS = re.compile(r"[0-9０-９]+(?:[.．][0-9０-９]+)?")  # 1.5% is one number
PLACEHOLDER = "#"
GRAM = 3
CANDIDATES = 6  # starting points compared in full
FOUND = 0.85  # similarity from which a passage "says the same thing"


@dataclass(frozen=True)
class Passage:
    start: int  # offsets in the notice as archived
    end: int
    text: str  # the notice's text between them, white space as printed
    score: float  # similarity to the quote, 0..1, digits compared as placeholders
    differing: int = 0  # characters of quote and passage outside what they share (digits aside)
    length: int = 0  # the quote's length (digits aside)

    @property
    def says_the_same(self) -> bool:
        """Alike enough to be the same sentence: a short one may differ in one character only ("公需课不少于
        30学时" is not "专业课不少于30学时"), a long one in up to a sixth of its characters."""
        return self.score >= FOUND and self.differing <= max(1, self.length // 6)

    @property
    def quote(self) -> str:
        """The passage as a citation is written: white space dropped (the extraction put it there), except
        between two Latin letters or digits, where it separates words and the numbers of a table row."""
        parts = self.text.split()
        out = parts[0] if parts else ""
        for part in parts[1:]:
            out += (" " if _latin(out[-1]) and _latin(part[0]) else "") + part
        return out


def _latin(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def normalise(squeezed: str) -> tuple[str, list[int]]:
    """(text with each digit run as one placeholder, index in `squeezed` of each character kept)."""
    out: list[str] = []
    index: list[int] = []
    last = 0
    for m in DIGITS.finditer(squeezed):
        for i in range(last, m.start()):
            out.append(squeezed[i])
            index.append(i)
        out.append(PLACEHOLDER)
        index.append(m.start())
        last = m.end()
    for i in range(last, len(squeezed)):
        out.append(squeezed[i])
        index.append(i)
    return "".join(out), index


def digit_runs(text: str) -> list[str]:
    return DIGITS.findall(squeeze(text))


class Notice:
    """An archived notice prepared for searching."""

    def __init__(self, text: str):
        self.text = text
        self.positions = [i for i, ch in enumerate(text) if not ch.isspace()]
        self.squeezed = "".join(text[i] for i in self.positions)
        self.normal, self.index = normalise(self.squeezed)

    @cached_property
    def grams(self) -> dict[str, list[int]]:
        found: dict[str, list[int]] = {}
        for i in range(len(self.normal) - GRAM + 1):
            found.setdefault(self.normal[i : i + GRAM], []).append(i)
        return found

    def passage(self, n_start: int, n_end: int, score: float, target: str = "") -> Passage:
        """The passage between two offsets of the normalised text (a digit run is taken whole)."""
        s_start = self.index[n_start]
        s_last = self.index[n_end - 1]
        if self.normal[n_end - 1] == PLACEHOLDER:
            m = DIGITS.match(self.squeezed, s_last)
            s_last = (m.end() if m else s_last + 1) - 1
        start, end = self.positions[s_start], self.positions[s_last] + 1
        a, b = target.replace(PLACEHOLDER, ""), self.normal[n_start:n_end].replace(PLACEHOLDER, "")
        shared = sum(m.size for m in difflib.SequenceMatcher(None, a, b, autojunk=False).get_matching_blocks())
        return Passage(start, end, self.text[start:end], score, len(a) + len(b) - 2 * shared, len(a))

    def find(self, quote: str) -> Passage | None:
        """The passage that best matches `quote`, however weakly (None only for an empty quote or notice)."""
        raw = squeeze(quote)
        target, _ = normalise(raw)
        if not target or not self.normal:
            return None
        exact = _occurrences(self.normal, target)
        if exact:
            # Several places say it: prefer the one whose digits are the same as the quote's.
            best = max(exact, key=lambda at: (self._same_digits(at, target, raw), -at))
            return self.passage(best, best + len(target), 1.0, target)
        found: Passage | None = None
        for start in self._likely_starts(target):
            candidate = self._align_near(target, start)
            if candidate and (
                found is None or (candidate.score, -candidate.differing) > (found.score, -found.differing)
            ):
                found = candidate
        return found

    def _same_digits(self, at: int, target: str, raw: str) -> bool:
        passage = self.passage(at, at + len(target), 1.0)
        return squeeze(passage.text) == raw

    def _likely_starts(self, target: str) -> list[int]:
        votes: Counter[int] = Counter()
        grams = self.grams
        for j in range(max(1, len(target) - GRAM + 1)):
            for at in grams.get(target[j : j + GRAM], ()):
                votes[at - j] += 1
        # Nearby starts are one candidate (an inserted character shifts the diagonal by one).
        picked: list[int] = []
        for start, _ in votes.most_common():
            if all(abs(start - p) > len(target) // 4 + 2 for p in picked):
                picked.append(start)
                if len(picked) == CANDIDATES:
                    break
        return picked

    def _align_near(self, target: str, start: int) -> Passage | None:
        slack = len(target) // 2 + GRAM
        lo = max(0, start - slack)
        window = self.normal[lo : max(lo, start + len(target) + slack)]
        matcher = difflib.SequenceMatcher(None, target, window, autojunk=False)
        blocks = [b for b in matcher.get_matching_blocks() if b.size >= 2]
        if not blocks:
            return None
        first, last = blocks[0], blocks[-1]
        n_start, n_end = lo + first.b, lo + last.b + last.size
        return self.passage(n_start, n_end, similarity(target, self.normal[n_start:n_end]), target)


def similarity(a: str, b: str) -> float:
    """How alike two normalised texts are, 0..1, on their words alone: digits are compared separately
    (a changed number is `changed`, not a different sentence), and a short sentence of the same form
    ("公需课不少于#学时" against "专业课不少于#学时") must not look alike through its placeholders."""
    a, b = a.replace(PLACEHOLDER, ""), b.replace(PLACEHOLDER, "")
    if not a and not b:
        return 1.0
    return round(difflib.SequenceMatcher(None, a, b, autojunk=False).ratio(), 3)


def _occurrences(text: str, target: str) -> list[int]:
    found, at = [], text.find(target)
    while at >= 0:
        found.append(at)
        at = text.find(target, at + 1)
    return found


def differences(quote: str, passage: str, limit: int = 3) -> list[str]:
    """How `passage` differs from `quote`, in a maintainer's words (white space ignored)."""
    a, b = squeeze(quote), squeeze(passage)
    out: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "replace":
            out.append(f"引文「{a[i1:i2]}」原文为「{b[j1:j2]}」")
        elif op == "delete":
            out.append(f"引文多出「{a[i1:i2]}」")
        elif op == "insert":
            out.append(f"原文多出「{b[j1:j2]}」")
    if len(out) > limit:
        out = [*out[:limit], f"另有 {len(out) - limit} 处不同"]
    return out
