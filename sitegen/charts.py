"""Annex tables as horizontal bar charts, drawn at build time as inline SVG (no chart library, no request).

Colours come from CSS classes (site_src/assets/site.css), so the charts follow the light and dark palettes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from .values import number

WIDTH = 720
LABEL_W = 150
VALUE_W = 80
BAR_H = 14
GAP = 10
TOP = 30


def bar_chart(
    title: str,
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    unit: str = "",
    reference: float | None = None,
    decimals: int | None = None,
) -> str:
    """One group of bars per label, one bar per series; `reference` draws a dashed line (e.g. 100%)."""

    def shown(value: float) -> str:
        return f"{value:.{decimals}f}" if decimals is not None else number(value)

    peak = max([v for _, values in series for v in values] + [reference or 0, 0]) or 1
    plot_w = WIDTH - LABEL_W - VALUE_W
    group_h = BAR_H * len(series) + GAP
    height = TOP + group_h * len(labels) + 10
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="100%">',
        f"<title>{escape(title)}</title>",
    ]
    x = LABEL_W
    for s, (name, _) in enumerate(series):
        parts.append(
            f'<rect class="bar s{s}" x="{x}" y="6" width="12" height="12"/>'
            f'<text class="legend" x="{x + 16}" y="16">{escape(name)}</text>'
        )
        x += 16 + 14 * len(name) + 24
    for i, label in enumerate(labels):
        y0 = TOP + i * group_h
        parts.append(
            f'<text class="label" x="{LABEL_W - 8}" y="{y0 + BAR_H * len(series) / 2 + 4:.1f}" '
            f'text-anchor="end">{escape(label)}</text>'
        )
        for s, (_, values) in enumerate(series):
            value = values[i]
            w = plot_w * value / peak
            y = y0 + s * BAR_H
            parts.append(
                f'<rect class="bar s{s}" x="{LABEL_W}" y="{y}" width="{w:.1f}" height="{BAR_H - 2}">'
                f"<title>{escape(label)}：{shown(value)}{escape(unit)}</title></rect>"
            )
            parts.append(
                f'<text class="num" x="{LABEL_W + w + 4:.1f}" y="{y + BAR_H - 4}">{shown(value)}{escape(unit)}</text>'
            )
    if reference is not None:
        rx = LABEL_W + plot_w * reference / peak
        parts.append(
            f'<line class="reference" x1="{rx:.1f}" y1="{TOP - 4}" x2="{rx:.1f}" y2="{height - 6}"/>'
            f'<text class="legend" x="{rx + 3:.1f}" y="{TOP - 6}">{number(reference)}{escape(unit)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def annex_charts(annex: Mapping[str, Any]) -> list[str]:
    """Charts for an annex table: the count columns together, each percent column on its own (with 100%)."""
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
        charts.append(bar_chart(annex["title"], labels, [(c["title"], values(c["key"])) for c in counts], unit))
    for c in columns:
        if c["type"] == "percent":
            charts.append(
                bar_chart(
                    f"{annex['title']}：{c['title']}",
                    labels,
                    [(c["title"], values(c["key"]))],
                    "%",
                    reference=100,
                    decimals=decimals.get(c["key"]),
                )
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
