"""Quote anchors: where each cited passage sits in its archived notice, and the notice text marked up.

A passage's anchor id is calculator.citations.quote_id (the browser's answers name it too). The notice text is
escaped and every cited passage wrapped in a <span id=...>; passages may nest (a short quote inside a long
one), and a passage that partly overlaps another is split into pieces, the first carrying the id.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from html import escape
from typing import Any

from calculator.citations import squeeze


class Notice:
    """One archived text, prepared once so that locating many quotes stays linear in their number."""

    def __init__(self, text: str):
        self.text = text
        self._positions = [i for i, ch in enumerate(text) if not ch.isspace()]
        self._squeezed = "".join(text[i] for i in self._positions)

    def find(self, quote: str) -> tuple[int, int] | None:
        """Same answer as calculator.citations.find_quote(quote, text): the first match, white space ignored."""
        target = squeeze(quote)
        if not target:
            return None
        at = self._squeezed.find(target)
        if at < 0:
            return None
        return self._positions[at], self._positions[at + len(target) - 1] + 1


def citations_in(value: Any) -> Iterator[dict[str, str]]:
    """Every citation ({document, quote}) anywhere under a compiled bundle value."""
    if isinstance(value, dict):
        for key, child in value.items():
            if key == "sources" and isinstance(child, list):
                yield from (c for c in child if isinstance(c, dict) and "quote" in c)
            else:
                yield from citations_in(child)
    elif isinstance(value, list):
        for child in value:
            yield from citations_in(child)


def bundle_citations(bundle: Mapping[str, Any]) -> dict[str, set[str]]:
    """document id -> every quote of it cited anywhere in the bundle (rules, documents, basis, annexes, damaged)."""
    out: dict[str, set[str]] = defaultdict(set)
    for policy in bundle["policies"].values():
        for cite in citations_in([policy["rules"], policy["basis"], policy["annexes"], policy["damaged"]]):
            out[cite["document"]].add(cite["quote"])
    for doc in bundle["documents"].values():
        for cite in citations_in({k: doc[k] for k in ("title", "issuer", "number", "dated", "printed")}):
            out[cite["document"]].add(cite["quote"])
    return out


def mark_up(
    text: str,
    spans: Mapping[str, tuple[int, int]],
    classes: Mapping[str, str] | None = None,
    with_id: Callable[[str], bool] = lambda qid: True,
) -> tuple[str, set[str]]:
    """Escaped `text` with each span (id -> (start, end)) wrapped; returns (html, ids that had to be split).
    A span's first piece carries its id unless `with_id` says another piece elsewhere already does."""
    classes = classes or {}
    opens: dict[int, list[tuple[int, str]]] = defaultdict(list)
    closes: dict[int, set[str]] = defaultdict(set)
    for qid, (start, end) in spans.items():
        opens[start].append((end, qid))
        closes[end].add(qid)
    bounds = sorted(set(opens) | set(closes))
    out: list[str] = []
    stack: list[tuple[str, int]] = []
    split: set[str] = set()
    pos = 0

    def tag(qid: str, first: bool) -> str:
        extra = f" {classes[qid]}" if qid in classes else ""
        ident = f' id="{qid}"' if first and with_id(qid) else ""
        return f'<span class="q {qid}{extra}"{ident}>'

    for at in bounds:
        out.append(_text(text[pos:at]))
        pos = at
        ending = closes.get(at, set())
        if ending:
            reopen = []
            while any(qid in ending for qid, _ in stack):
                qid, end = stack.pop()
                out.append("</span>")
                if qid not in ending:
                    reopen.append((qid, end))
            for qid, end in reversed(reopen):
                out.append(tag(qid, first=False))
                stack.append((qid, end))
                split.add(qid)
        for end, qid in sorted(opens.get(at, []), key=lambda t: (-t[0], t[1])):
            out.append(tag(qid, first=True))
            stack.append((qid, end))
    out.append(_text(text[pos:]))
    out.extend("</span>" for _ in stack)
    return "".join(out), split


def _text(raw: str) -> str:
    """Escaped text; tabs and carriage returns as character references, which Markdown leaves alone
    (it expands tabs and normalises line ends in the page's source, even inside raw HTML)."""
    return escape(raw, quote=False).replace("\t", "&#9;").replace("\r", "&#13;")


def split_highlight_css(container: str, ids: Iterable[str]) -> str:
    """CSS that highlights every piece of a split passage when its anchor is the target."""
    return "".join(f"{container}:has(#{qid}:target) .{qid}{{background:var(--quote-target)}}" for qid in sorted(ids))
