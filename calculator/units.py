"""Exact hour arithmetic: hours, days and months are whole numbers of hundredths internally.

Floats from JSON (0.1, 1.5) are read once into integer hundredths; from then on every sum, cap and
proration is integer arithmetic, so 0.1 + 0.2 is exactly 0.3 and 29.9 + 0.1 is exactly 30. A value that
is not a whole number of hundredths (1.005) is refused by the input check, not rounded silently.
Standard library only.
"""

from __future__ import annotations

import math

SCALE = 100  # hundredths
HALF_HOUR = SCALE // 2
# Float noise allowed when reading (0.30000000000000004 reads as 0.30), relative to the value: a few
# units in the last place, so that 5000.004 (500000.4 hundredths) is refused, not rounded.
_TOLERANCE = 1e-9


def to_units(value: float) -> int | None:
    """`value` in hundredths, or None when it is not finite or not a whole number of hundredths."""
    if isinstance(value, int):
        return value * SCALE
    if not math.isfinite(value):
        return None
    scaled = value * SCALE
    units = round(scaled)
    if abs(scaled - units) > _TOLERANCE * max(1.0, abs(scaled)):
        return None
    return units


def text_to_units(text: str) -> int | None:
    """A decimal number written as text ('6', '1.5', '0.25') in hundredths; None when it is not one."""
    text = text.strip()
    if text.isdecimal():
        return int(text) * SCALE
    try:
        value = float(text)
    except ValueError:
        return None
    return to_units(value)


def from_units(units: int) -> int | float:
    """The JSON number for `units`: an int when whole, else a float (at most two decimals)."""
    whole, rest = divmod(units, SCALE)
    if rest == 0:
        return whole
    return round(units / SCALE, 2)


def show(units: int | None) -> str:
    """`units` as the text a person reads: '30', '1.5', '0.25'; '—' for no value."""
    if units is None:
        return "—"
    number = from_units(units)
    return str(number)


def ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def prorate_up_to_half(units: int, present_months: int, months_in_year: int) -> int:
    """units × present/year, rounded up to a whole half hour, never above `units`.

    `present_months` and `months_in_year` are in the same unit (hundredths of a month).
    """
    halves = ceil_div(units * present_months, months_in_year * HALF_HOUR)
    return min(units, halves * HALF_HOUR)
