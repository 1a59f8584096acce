"""An archived notice as HTML with its structure: headings, rules, bold runs, tables and paragraphs, every cited
passage wrapped in its anchor span.

The archived text (policies/sources/*.txt) is an extraction: some notices carry Markdown-like marks (`# `,
`---`, `**…**`), some tab-separated table rows. Read aloud as text those marks are noise, so they become
elements here; the archive itself stays byte for byte as received (the page links to it). The text is cut
into blocks of lines, each block into leaf ranges of visible characters (a heading's words without its `#`,
one table cell, a bold run); passages are located on the raw text (sitegen.quotes) and each leaf wraps the
part of every passage it holds. A passage over several leaves is split into pieces (the first carries the
id), and the page's CSS highlights every piece on arrival (split_highlight_css).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from .quotes import mark_up

HEADING = re.compile(r"(#{1,6})[ \t]+")
RULE = re.compile(r"[ \t]*(?:-{3,}|\*{3,}|_{3,})[ \t]*")
BOLD = re.compile(r"\*\*(.+?)\*\*")


@dataclass
class Block:
    kind: str  # "h1".."h6" (the notice's own levels), "hr", "table", "p"
    leaves: list[tuple[int, int]] = field(default_factory=list)  # p, h: ranges of visible text
    rows: list[list[tuple[int, int]]] = field(default_factory=list)  # table: each row's cells
    bold: list[tuple[int, int]] = field(default_factory=list)  # p: ranges (within leaves) drawn bold


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of every line, the end before its line break."""
    out, pos = [], 0
    for m in re.finditer(r"\r\n|\n|\r", text):
        out.append((pos, m.start()))
        pos = m.end()
    out.append((pos, len(text)))
    return out


def blocks(text: str) -> list[Block]:
    out: list[Block] = []
    para: list[tuple[int, int]] = []
    table: list[list[tuple[int, int]]] = []

    def flush() -> None:
        if para:
            out.append(_paragraph(text, para))
            para.clear()
        if table:
            out.append(Block("table", rows=list(table)))
            table.clear()

    for start, end in _lines(text):
        line = text[start:end]
        if not line.strip():
            flush()
            continue
        heading = HEADING.match(line)
        if heading:
            flush()
            out.append(Block(f"h{len(heading.group(1))}", leaves=[(start + heading.end(), end)]))
        elif RULE.fullmatch(line):
            flush()
            out.append(Block("hr"))
        elif "\t" in line:
            if para:
                flush()
            cells, pos = [], start
            for piece in line.split("\t"):
                cells.append((pos, pos + len(piece)))
                pos += len(piece) + 1
            table.append(cells)
        else:
            if table:
                flush()
            para.append((start, end))
    flush()
    return out


def _paragraph(text: str, lines: list[tuple[int, int]]) -> Block:
    """Consecutive lines, their breaks kept (the extraction's line ends are part of what was received);
    `**…**` within a line becomes a bold run and its asterisks are not shown."""
    block = Block("p")
    start, end = lines[0][0], lines[-1][1]
    pos = start
    for m in BOLD.finditer(text, start, end):
        if "\n" in m.group(0) or "\r" in m.group(0):
            continue
        block.leaves.append((pos, m.start()))
        block.leaves.append((m.start(1), m.end(1)))
        block.bold.append((m.start(1), m.end(1)))
        pos = m.end()
    block.leaves.append((pos, end))
    block.leaves = [leaf for leaf in block.leaves if leaf[1] > leaf[0]]
    return block


class _Leaves:
    """Writes leaf ranges in document order, each with the pieces of the passages it holds."""

    def __init__(self, text: str, spans: Mapping[str, tuple[int, int]], classes: Mapping[str, str]):
        self.text = text
        self.spans = spans
        self.classes = classes
        self.order = sorted(spans, key=lambda q: (spans[q][0], -spans[q][1], q))
        self.emitted: set[str] = set()
        self.pieces: dict[str, int] = {}
        self.inner: set[str] = set()  # passages split within one leaf (partly overlapping another)

    def write(self, a: int, b: int) -> str:
        clipped = {}
        lead = []
        for qid in self.order:
            s, e = self.spans[qid]
            if s >= b:
                break
            if e <= a:
                if qid not in self.emitted:  # a passage of marks only (never seen): an empty anchor
                    self.emitted.add(qid)
                    lead.append(f'<span class="q {qid}" id="{qid}"></span>')
                continue
            clipped[qid] = (max(s, a) - a, min(e, b) - a)
        html, split = mark_up(self.text[a:b], clipped, self.classes, with_id=lambda q: q not in self.emitted)
        self.inner |= split
        for qid in clipped:
            self.emitted.add(qid)
            self.pieces[qid] = self.pieces.get(qid, 0) + 1
        return "".join(lead) + html

    def rest(self) -> str:
        """Anchors of passages after the last leaf (marks only): still there to land on."""
        missing = [q for q in self.order if q not in self.emitted]
        self.emitted.update(missing)
        return "".join(f'<span class="q {q}" id="{q}"></span>' for q in missing)

    def split(self) -> set[str]:
        return {q for q, n in self.pieces.items() if n > 1} | self.inner


HEADING_TAG = {"h1": "h3", "h2": "h4", "h3": "h5", "h4": "h6", "h5": "h6", "h6": "h6"}  # below the page's h2
HEADING_RANK = {kind: int(tag[1]) for kind, tag in HEADING_TAG.items()}  # a notice's "#" is the page's h3


def render(
    text: str, spans: Mapping[str, tuple[int, int]], classes: Mapping[str, str] | None = None
) -> tuple[str, set[str]]:
    """(HTML of the notice, ids of passages drawn in more than one piece)."""
    leaves = _Leaves(text, spans, classes or {})
    leaf = leaves.write
    out: list[str] = []

    level = 2  # the page's "原文" heading: the notice's own headings go below it, one level at a time
    for block in blocks(text):
        if block.kind in HEADING_RANK:
            level = min(HEADING_RANK[block.kind], level + 1)
            block.kind = f"h{level - 2}"
        if block.kind == "hr":
            out.append("<hr>")
        elif block.kind == "table":
            head, *body = block.rows if len(block.rows) > 1 else [[], *block.rows]
            width = max(len(r) for r in block.rows)
            rows = []
            if head:  # the first row names the columns
                cells = "".join(f'<th scope="col">{leaf(a, b)}</th>' for a, b in head)
                rows.append(f"<thead><tr>{cells}{'<th></th>' * (width - len(head))}</tr></thead>")
            rows.append("<tbody>")
            for row in body:
                rows.append(
                    "<tr>"
                    + "".join(f"<td>{leaf(a, b)}</td>" for a, b in row)
                    + "<td></td>" * (width - len(row))
                    + "</tr>"
                )
            rows.append("</tbody>")
            # A table wider than a phone scrolls in its own box, which a keyboard can reach (axe-core:
            # scrollable-region-focusable); classed, so the theme does not wrap it in a second scrolling box.
            out.append(
                '<div class="notice-table" tabindex="0" role="region" aria-label="表格（可左右滚动）">'
                f'<table class="notice-tab">{"".join(rows)}</table></div>'
            )
        else:
            parts = []
            for a, b in block.leaves:
                html = leaf(a, b)
                parts.append(f"<strong>{html}</strong>" if (a, b) in block.bold else html)
            tag = HEADING_TAG.get(block.kind, "p")
            out.append(f'<{tag} class="notice-{block.kind}">{"".join(parts)}</{tag}>')
    out.append(leaves.rest())
    return "".join(out), leaves.split()
