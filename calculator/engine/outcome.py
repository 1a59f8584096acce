"""What the engine produces: amounts per category, warnings, explanation steps, and the contract's JSON.

Standard library only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..units import from_units

KEYS = ("total", "public", "public_required_course", "professional")

Amounts = dict[str, int | None]  # key -> hundredths of an hour; None where the notice sets no such floor


@dataclass(frozen=True)
class Warning:
    code: str
    message: str
    record: int | None = None  # the record's index in `records` (or its CSV row)

    def as_json(self) -> dict[str, Any]:
        return {"code": self.code, "record": self.record, "message": self.message}


@dataclass(frozen=True)
class Step:
    rule: str
    text: str
    source: dict[str, str] | None
    interpretation: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"rule": self.rule, "text": self.text, "source": self.source, "interpretation": self.interpretation}


def amounts_json(amounts: Amounts) -> dict[str, int | float | None]:
    return {key: None if amounts.get(key) is None else from_units(amounts[key] or 0) for key in KEYS}
