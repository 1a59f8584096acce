"""Debian's Chromium as the browser tests and the benchmarks start it: one place for its path and flags.

Playwright drives it by `executable_path` (no browser is downloaded); Lighthouse finds it through CHROME_PATH.
`make chromium` (run by `make test`) installs it with apt.
"""

from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
# No sandbox (CI runs as root in a container); nothing that would call home on its own.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
MISSING = f"{CHROMIUM} is missing: `make chromium` installs Debian's chromium (`make test` runs it)"
