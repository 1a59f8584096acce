"""Annex tables as horizontal bar charts, drawn at build time as inline SVG (no chart library, no request).

Colours come from CSS classes (site_src/assets/site.css), so the charts follow the light and dark palettes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from .values import number


@dataclass(frozen=True)
class Layout:
    """One drawing of a chart: a wide one (labels beside the bars) for wide screens and a narrow one (each label
    above its bars) for phones; the page shows the one that fits (a media query), so the text
    is drawn at `font` px scaled by (box width / width), never below 11 px where it is shown."""

    name: str
    width: int
    font: int
    label_w: int  # 0: the label sits on a line of its own above the bars
    value_w: int
    bar_h: int
    gap: int


WIDE = Layout("wide", 720, 13, 160, 86, 15, 10)
NARROW = Layout("narrow", 340, 13, 0, 78, 13, 8)
LAYOUTS = (NARROW, WIDE)


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    unit: str = "",
    reference: float | None = None,
    decimals: int | None = None,
    layout: Layout = WIDE,
) -> str:
    """One group of bars per label, one bar per series; `reference` draws a dashed line (e.g. 100%)."""

    def shown(value: float) -> str:
        return f"{value:.{decimals}f}" if decimals is not None else number(value)

    lay = layout
    peak = max([v for _, values in series for v in values] + [reference or 0, 0]) or 1
    x0 = lay.label_w
    plot_w = lay.width - x0 - lay.value_w
    label_h = 0 if lay.label_w else lay.font + 6  # a line for the label above the bars
    group_h = label_h + lay.bar_h * len(series) + lay.gap
    parts: list[str] = []
    # Legend: items side by side while they fit, else on further lines.
    x, y = x0, 6
    for s, (name, _) in enumerate(series):
        item_w = 16 + lay.font * len(name) + 16
        if x > x0 and x + item_w > lay.width:
            x, y = x0, y + lay.font + 8
        parts.append(
            f'<rect class="bar s{s}" x="{x}" y="{y}" width="12" height="12"/>'
            f'<text class="legend" x="{x + 16}" y="{y + 10}">{escape(name)}</text>'
        )
        x += item_w
    top = y + lay.font + 14 + (lay.font + 4 if reference is not None and not lay.label_w else 0)
    height = top + group_h * len(labels) + 10
    for i, label in enumerate(labels):
        y0 = top + i * group_h
        if lay.label_w:
            parts.append(
                f'<text class="label" x="{x0 - 8}" y="{y0 + lay.bar_h * len(series) / 2 + 4:.1f}" '
                f'text-anchor="end">{escape(label)}</text>'
            )
        else:
            parts.append(f'<text class="label" x="0" y="{y0 + lay.font}">{escape(label)}</text>')
        for s, (_, values) in enumerate(series):
            value = values[i]
            w = plot_w * value / peak
            y = y0 + label_h + s * lay.bar_h
            parts.append(
                f'<rect class="bar s{s}" x="{x0}" y="{y}" width="{w:.1f}" height="{lay.bar_h - 2}">'
                f"<title>{escape(label)}：{shown(value)}{escape(unit)}</title></rect>"
            )
            parts.append(
                f'<text class="num" x="{x0 + w + 4:.1f}" y="{y + lay.bar_h - 3}">{shown(value)}{escape(unit)}</text>'
            )
    if reference is not None:
        rx = x0 + plot_w * reference / peak
        parts.append(
            f'<line class="reference" x1="{rx:.1f}" y1="{top - 4}" x2="{rx:.1f}" y2="{height - 6}"/>'
            f'<text class="legend" x="{rx:.1f}" y="{top - 8}" text-anchor="middle">'
            f"{number(reference)}{escape(unit)}</text>"
        )
    head = (
        f'<svg class="chart chart-{lay.name}" role="img" viewBox="0 0 {lay.width} {height}" '
        f'width="{lay.width}" height="{height}">'
        f"<title>{escape(title)}</title>"
    )
    return head + "".join(parts) + "</svg>"


def annex_charts(annex: Mapping[str, Any]) -> list[list[str]]:
    """Charts for an annex table: the count columns together, each percent column on its own (with 100%);
    each chart in every layout (narrow, wide)."""
    columns = annex["columns"]
    text_cols = [c for c in columns if c["type"] == "text"]
    if not text_cols:
        return []
    label_key = text_cols[0]["key"]
    rows = annex["rows"]
    labels = [str(r["cells"].get(label_key, "")) for r in rows]

    def values(key: str) -> list[float]:
        return [float(r["cells"].get(key) or 0) for r in rows]

    decimals = percent_decimals(annex)
    charts = []
    counts = [c for c in columns if c["type"] == "count"]
    if counts:
        unit = annex.get("unit", "")
        charts.append(
            [
                bar_chart(annex["title"], labels, [(c["title"], values(c["key"])) for c in counts], unit, layout=lay)
                for lay in LAYOUTS
            ]
        )
    for c in columns:
        if c["type"] == "percent":
            charts.append(
                [
                    bar_chart(
                        f"{annex['title']}：{c['title']}",
                        labels,
                        [(c["title"], values(c["key"]))],
                        "%",
                        reference=100,
                        decimals=decimals.get(c["key"]),
                        layout=lay,
                    )
                    for lay in LAYOUTS
                ]
            )
    return charts


def percent_decimals(annex: Mapping[str, Any]) -> dict[str, int]:
    """Printed decimals of each percent column, where a rate check says them (109.10%, not 109.1%)."""
    return {check["rate"]: check["decimals"] for check in annex.get("checks", []) if check.get("kind") == "row_rate"}


def cell_text(annex: Mapping[str, Any], column: Mapping[str, Any], value: Any) -> str:
    """An annex cell as printed: percents with their printed decimals and a % sign."""
    if column["type"] == "percent" and isinstance(value, int | float):
        places = percent_decimals(annex).get(column["key"])
        return (f"{value:.{places}f}" if places is not None else number(value)) + "%"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return number(value)
    return str(value)
