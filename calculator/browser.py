"""The browser calculator's one entry point: a JSON request in, a JSON response out.

The web worker calls `handle(request)` with {"person": {...}, "as_of": "YYYY-MM-DD" | null} and gets
{"ok": true, "result": <the contract's output>} or {"ok": false, "errors": [{"field", "message"}]}.
Nothing here raises: an unexpected failure becomes one plain message, never a traceback on the page.
The policy bundle ships inside the wheel (calculator/data/policies.json), so its sha256 is checked with
the code. Standard library only.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from functools import cache
from typing import Any

from .engine import Engine
from .person import PersonError

BUNDLE = os.path.join(os.path.dirname(__file__), "data", "policies.json")


@cache
def engine() -> Engine:
    # A plain file: Pyodide installs the wheel unpacked. (importlib.resources would import pathlib,
    # tempfile, shutil and inspect first, on the way to the first result.)
    with open(BUNDLE, encoding="utf-8") as handle:
        return Engine(json.load(handle))


def policies() -> str:
    return json.dumps(engine().policy_ids())


def handle(request: str) -> str:
    return json.dumps(respond(request), ensure_ascii=False)


def respond(request: str) -> dict[str, Any]:
    try:
        data = json.loads(request)
        as_of = dt.date.fromisoformat(data["as_of"]) if data.get("as_of") else None
        return {"ok": True, "result": engine().check(data.get("person"), as_of)}
    except PersonError as err:
        return {"ok": False, "errors": [{"field": p.field, "message": p.message} for p in err.problems]}
    except Exception as err:  # noqa: BLE001 - the page must get a message, not a traceback
        message = f"计算器内部错误（{type(err).__name__}），请刷新后重试"
        return {"ok": False, "errors": [{"field": "", "message": message}]}
