"""Shared fixtures: the full site build (every step `make serve` runs), once per test session; build.py's
command line and a copy of the policy folder, for the maintainers' commands."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from browsing import ARGS, CHROMIUM, MISSING, Server  # noqa: E402

import build as build_script  # noqa: E402
from sitegen.site import build_site  # noqa: E402


@pytest.fixture(scope="session")
def built(tmp_path_factory):
    """(site folder, bundle, generated Markdown folder) of a full build of the real policies."""
    work = tmp_path_factory.mktemp("site")
    result = build_site(
        ROOT / "policies",
        work / "site",
        work / "generated",
        ROOT / "mkdocs.yml",
        ROOT / "site_src",
        extra_steps=build_script.site_steps(),
    )
    assert result.ok, f"build failed at {result.step}"
    return work / "site", result.bundle, work / "generated" / "docs"


@pytest.fixture(scope="session")
def site(built):
    return built[0]


@pytest.fixture
def run_build(capsys):
    """build.py's command line: run_build(*argv) -> (exit code, stdout, stderr)."""

    def run(*argv: str) -> tuple[int, str, str]:
        code = build_script.main(list(argv))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def policies(tmp_path):
    """A copy of the real policy folder, for a test to change."""
    target = tmp_path / "policies"
    shutil.copytree(ROOT / "policies", target)
    return target


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright. Module scope, not session: Playwright's sync API allows one
    instance at a time in a thread, and each browser test module starts its own."""
    if not CHROMIUM.is_file():
        pytest.fail(MISSING)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: `make setup` installs requirements.txt")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture(scope="module")
def server(site):
    """The built site served over HTTP on a free local port."""
    served = Server(site)
    yield served
    served.stop()
