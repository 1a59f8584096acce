"""Build steps run on the rendered site (sitegen's extra steps), before its links are checked and it is
swapped into place: the calculator's Python runtime and service worker, and every page's CSP.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
import shutil
from pathlib import Path
from typing import Any

import calculator

from .bytecode import compiled_modules
from .csp import add_csp
from .excel_wheels import WHEELS, add_excel_wheels
from .lock import lock_entry, write_lock
from .runtime import copy_runtime
from .stdlib import STDLIB, trim_stdlib
from .wheel import BATCH_NAME, NAME, build_batch_wheel, build_wheel, package_files, wheel_name

ROOT = Path(__file__).resolve().parent.parent
NODE_MODULES = ROOT / "node_modules"
CALCULATOR_DIR = "calculator"  # the page and its scripts; Pyodide goes in its pyodide/ subfolder
BATCH_DIR = "batch"  # the batch page: it boots the calculator's Pyodide with the whole standard library
WASM_PAGES = (CALCULATOR_DIR, BATCH_DIR)  # the only pages whose CSP allows WebAssembly
ASSET = re.compile(r'(?:src|href)="([^"#?:]+\.(?:css|js|mjs|png|svg|ico))"')
# Material's page configuration: the search worker (started by the theme's bundle), relative to the page.
THEME_CONFIG = re.compile(r'<script id="__config" type="application/json">(.*?)</script>', re.DOTALL)
SEARCH_INDEX = "search/search_index.json"  # fetched by the search worker, relative to the site's root


def calculator_runtime(site: Path, bundle: dict[str, Any]) -> None:
    """Pyodide runtime + the calculator wheel (with the policy bundle) registered in the lock file, and the
    batch page's wheels beside it (ours and the Excel reader's, openpyxl and et-xmlfile), loaded only by a
    page that asks for them."""
    pyodide_dir = site / CALCULATOR_DIR / "pyodide"
    copy_runtime(NODE_MODULES, pyodide_dir)
    bundle_json = json.dumps(bundle, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")
    package_dir = Path(calculator.__file__).parent
    compiled = compiled_modules(NODE_MODULES / "pyodide", package_files(package_dir), ROOT / "build")
    wheel = build_wheel(pyodide_dir, bundle_json, package_dir, compiled)
    entry = lock_entry(wheel, NAME, calculator.__version__, [NAME])
    batch = build_batch_wheel(pyodide_dir, package_dir, compiled)
    batch_entry = lock_entry(batch, BATCH_NAME, calculator.__version__, [], [NAME])
    write_lock(NODE_MODULES / "pyodide" / "pyodide-lock.json", pyodide_dir / "pyodide-lock.json", [entry, batch_entry])
    add_excel_wheels(pyodide_dir)
    batch_stdlib(site)
    trim_stdlib(pyodide_dir, package_files(Path(calculator.__file__).parent), ROOT / "build")
    write_service_worker(site)


def batch_stdlib(site: Path) -> None:
    """The batch page's standard library: Pyodide's whole archive (the Excel reader imports xml, zipfile and
    more, which the calculator's trimmed archive leaves out), beside the page; the calculator page keeps
    its own trimmed one."""
    target = site / BATCH_DIR / STDLIB
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(NODE_MODULES / "pyodide" / STDLIB, target)


def precache_list(site: Path) -> list[str]:
    """Everything the calculator page needs offline, as paths relative to the calculator folder."""
    folder = site / CALCULATOR_DIR
    page = folder / "index.html"
    # Not the batch page's wheels: the person calculator never loads them, so its visitors do not fetch them.
    skipped = {"sw.js", wheel_name(BATCH_NAME), *(wheel.file_name for wheel in WHEELS)}
    files = {p for p in folder.rglob("*") if p.is_file() and p.name not in skipped}
    html = page.read_text(encoding="utf-8")
    urls = ASSET.findall(html)
    # Offline, the theme's search (its worker and index) and the favicon must come from the cache too, or the
    # page logs failed requests on a second visit without a network.
    config = THEME_CONFIG.search(html)
    if config:
        theme = json.loads(config.group(1))
        if theme.get("search"):
            urls.append(theme["search"])
        urls.append(f"{theme.get('base', '..')}/{SEARCH_INDEX}")
    for url in urls:
        target = (folder / url).resolve()
        if target.is_file() and target.is_relative_to(site.resolve()):
            files.add(target)
    return sorted(Path(_relative(p, folder)).as_posix() for p in files)


def _relative(path: Path, folder: Path) -> str:
    import os

    return os.path.relpath(path.resolve(), folder.resolve())


# Where an earlier build put the worker (scope calculator/, which misses the address without the slash): what
# is left there unregisters that old registration, so the root worker takes over.
RETIRED_WORKER = """// The calculator's service worker is now at the root; this one removes its old registration.
self.addEventListener("install", () => self.skipWaiting());
self.addEventListener("activate", (event) => event.waitUntil(self.registration.unregister()));
"""


def write_service_worker(site: Path) -> None:
    """sw.js at the site's root, with the precache list (relative to the root) and a version that changes
    whenever any cached file does."""
    folder = site / CALCULATOR_DIR
    urls = precache_list(site)
    digest = hashlib.sha256()
    for url in urls:
        digest.update(url.encode() + b"\0" + (folder / url).read_bytes())
    template = (folder / "sw.js").read_text(encoding="utf-8")
    from_root = [posixpath.normpath(f"{CALCULATOR_DIR}/{u}") for u in urls if u != "index.html"]
    precache = json.dumps([f"{CALCULATOR_DIR}/", *from_root, f"{CALCULATOR_DIR}/index.html"])
    text = template.replace('"__VERSION__"', json.dumps(digest.hexdigest()[:16])).replace("__PRECACHE__", precache)
    (site / "sw.js").write_text(text, encoding="utf-8")
    (folder / "sw.js").write_text(RETIRED_WORKER, encoding="utf-8")


def content_security_policy(site: Path, bundle: dict[str, Any]) -> None:
    wasm_pages = {site / folder / "index.html" for folder in WASM_PAGES}
    for page in site.rglob("*.html"):
        page.write_text(add_csp(page.read_text(encoding="utf-8"), wasm=page in wasm_pages), encoding="utf-8")
