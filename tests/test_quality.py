"""Quality gates on the code and the built site (issue 6, items 1 and 4).

- The Nu Html Checker (the `vnu-jar` npm package, run with Debian's Java 17) on every page of the built site,
  and on the project's own stylesheets: no error, except the few that Material's templates draw, listed with
  their reasons in tests/vnu_known.json and matched exactly.
- `ruff check` and `ruff format --check` on the whole tree, `mypy --strict` on the calculator package.

Java and node_modules are installed by `make test`; when one is missing these tests fail saying so.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
KNOWN = Path(__file__).with_name("vnu_known.json")
# The stylesheets the project writes, as the site serves them (Material's own are minified third-party files).
OWN_CSS = ["assets/site.css", "calculator/calculator.css", "batch/batch.css"]
VENV_BIN = Path(sys.executable).parent  # the venv's ruff and mypy, whichever interpreter runs the tests


def run(command: list[str], timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False)


# --- the Nu Html Checker ------------------------------------------------------------------------------------


def highlighted(message: dict[str, Any]) -> str:
    """The markup vnu points at (for an element: its start tag, as written)."""
    extract = message.get("extract", "")
    start = message.get("hiliteStart", 0)
    return str(extract[start : start + message.get("hiliteLength", 0)])


def vnu(site: Path, files: list[str]) -> list[dict[str, Any]]:
    java = shutil.which("java")
    if java is None:
        pytest.fail("java is missing: vnu.jar needs Java 11 or later (Debian: apt-get install default-jre-headless)")
    if not VNU_JAR.is_file():
        pytest.fail(f"{VNU_JAR.relative_to(ROOT)} is missing: `make setup` runs `npm ci` (vnu-jar is in package.json)")
    # One JVM for every file: starting Java is most of the cost. --also-check-css: the .css files as CSS.
    done = subprocess.run(
        [java, "-jar", str(VNU_JAR), "--stdout", "--format", "json", "--also-check-css", *files],
        cwd=site,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    try:
        messages: list[dict[str, Any]] = json.loads(done.stdout)["messages"]
    except (json.JSONDecodeError, KeyError):
        pytest.fail(f"vnu gave no JSON report (exit {done.returncode}):\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    for m in messages:  # which of our files (the longest that ends its file: URL; "index.html" ends many)
        url = m.get("url", "")
        m["page"] = max((f for f in files if url.endswith("/" + f)), key=len, default=url)
    return messages


@pytest.fixture(scope="module")
def vnu_report(site: Path) -> tuple[list[str], list[dict[str, Any]]]:
    pages = sorted(p.relative_to(site).as_posix() for p in site.rglob("*.html"))
    return pages, vnu(site, pages + OWN_CSS)


def test_the_known_exceptions_are_few_and_each_has_a_reason():
    known = json.loads(KNOWN.read_text(encoding="utf-8"))["exceptions"]
    assert len(known) == 3
    for entry in known:
        assert set(entry) == {"message", "element", "reason"}
        assert all(entry[k].strip() for k in entry)


def test_the_nu_html_checker_finds_no_error_but_materials_known_three(vnu_report):
    pages, messages = vnu_report
    assert len(pages) >= 20
    known = {(e["message"], e["element"]) for e in json.loads(KNOWN.read_text(encoding="utf-8"))["exceptions"]}
    # "error" is a markup error; "non-document-error" means a file could not be read or parsed at all. Warnings
    # ("info" with subType "warning") do not fail: today they are all about the CSP meta tag, and wrong here:
    # checked from disk, a page has no origin for 'self' to match, and a <script type="application/json"> data
    # block (Material's configuration) is not a script that script-src governs. The browser test opens every
    # page with its CSP enforced, where a real violation is a console error.
    errors = [m for m in messages if m["type"] in ("error", "non-document-error")]
    unexpected = [m for m in errors if (m.get("message"), highlighted(m)) not in known]
    drawn = Counter((m.get("message"), highlighted(m)) for m in errors)
    assert not unexpected, "vnu errors:\n" + "\n".join(
        f"{m['page']}:{m.get('lastLine', '?')}: {m.get('message')}\n    {highlighted(m) or m.get('extract', '')}"
        for m in unexpected
    )
    stale = [k for k in known if not drawn[k]]
    assert not stale, f"known exceptions that no page draws any more (remove them from {KNOWN.name}): {stale}"


def test_vnu_checked_every_page(vnu_report):
    """vnu names only the files it has something to say about; Material's drawer toggle is on every page, so
    every page must be named (a page missing here was not checked, or not built from the theme)."""
    pages, messages = vnu_report
    drawer = 'type="checkbox" id="__drawer"'
    assert {m["page"] for m in messages if m["type"] == "error" and drawer in highlighted(m)} == set(pages)


# --- ruff and mypy --------------------------------------------------------------------------------------------


def tool(name: str) -> str:
    path = VENV_BIN / name
    if not path.is_file():
        pytest.fail(f"{path} is missing: `make setup` installs requirements.txt into the venv")
    return str(path)


@pytest.mark.parametrize(
    "command",
    [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        ["mypy", "--strict", "calculator"],
    ],
    ids=["ruff-check", "ruff-format", "mypy-strict"],
)
def test_linters_pass(command):
    done = run([tool(command[0]), *command[1:]])
    output = done.stdout + done.stderr
    if len(output) > 20_000:  # `ruff format --check` prints a diff per file: the start and the summary suffice
        output = output[:15_000] + "\n[...]\n" + output[-3_000:]
    assert done.returncode == 0, f"`{' '.join(command)}` exited {done.returncode}:\n{output}"
