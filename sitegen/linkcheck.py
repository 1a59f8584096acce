"""After rendering: every internal link and #fragment resolves, and no page loads anything from elsewhere.

Links written in raw HTML (quote links, the matrix, ...) are not seen by MkDocs' own validation, so the
build checks the rendered site itself. One pass over the pages: linear in the size of the site.
"""

from __future__ import annotations

import posixpath
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

ID = re.compile(r'\sid="([^"]+)"')
HREF = re.compile(r'<a\s[^>]*?href="([^"]*)"')
LOADS = re.compile(r'<(?:script|img|iframe|source|audio|video|embed)\s[^>]*?src="([^"]*)"|<link\s[^>]*?href="([^"]*)"')
CSS_URL = re.compile(r"url\(\s*['\"]?([^'\")]+)")
EXTERNAL = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.I)
# What the site's own module scripts and workers load: imports and URLs made relative to the script.
SCRIPT_LOADS = re.compile(
    r"""\bfrom\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']|new URL\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url"""
)
SCRIPT_FOLDERS = ("calculator", "batch")  # the site's own scripts (Pyodide's files, in calculator/pyodide/, are not)


def check_site(site: Path) -> list[str]:
    """Problems found (empty when every internal link and fragment resolves and nothing is loaded from afar)."""
    pages = {p.relative_to(site).as_posix(): p.read_text(encoding="utf-8") for p in sorted(site.rglob("*.html"))}
    ids = {name: set(ID.findall(html)) for name, html in pages.items()}
    problems = []
    for name, html in pages.items():
        for m in LOADS.finditer(html):
            url = m.group(1) or m.group(2) or ""
            if EXTERNAL.match(url):
                problems.append(f"{name}: loads {url} from another origin")
        for href in HREF.findall(html):
            problem = _check_link(site, name, href.replace("&amp;", "&"), pages, ids)
            if problem:
                problems.append(f"{name}: {problem}")
    for css in sorted(site.rglob("*.css")):
        for url in CSS_URL.findall(css.read_text(encoding="utf-8", errors="replace")):
            if EXTERNAL.match(url.strip()):
                problems.append(f"{css.relative_to(site).as_posix()}: loads {url} from another origin")
    return problems + check_scripts(site)


# What the calculator's runtime step (webcalc.site_steps) writes: a build without that step (the site's own
# tests of the build) has none of it, and its scripts' loads of it are not checked there.
RUNTIME_OUTPUTS = ("calculator/pyodide", "batch/python_stdlib.zip")


def check_scripts(site: Path) -> list[str]:
    """Every import and `new URL(…, import.meta.url)` of the site's own scripts and workers names a file
    (or folder) of the site, never another origin."""
    problems = []
    runtime = (site / RUNTIME_OUTPUTS[0]).is_dir()
    skipped = () if runtime else tuple((site / p).resolve() for p in RUNTIME_OUTPUTS)
    for folder in SCRIPT_FOLDERS:
        for script in sorted((site / folder).glob("*.*js")):
            name = script.relative_to(site).as_posix()
            for m in SCRIPT_LOADS.finditer(script.read_text(encoding="utf-8")):
                url = next(g for g in m.groups() if g is not None)
                if EXTERNAL.match(url):
                    problems.append(f"{name}: loads {url} from another origin")
                elif url.startswith(("./", "../")) and not (script.parent / url).exists():
                    target = (script.parent / url).resolve()
                    if not any(target == p or p in target.parents for p in skipped):
                        problems.append(f"{name}: loads {url}, which the site does not have")
    return problems


def _check_link(site: Path, name: str, href: str, pages: dict[str, str], ids: dict[str, set[str]]) -> str | None:
    if not href or EXTERNAL.match(href) or href.startswith(("mailto:", "tel:", "javascript:", "data:")):
        return None
    parts = urlsplit(href)
    if parts.scheme:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):  # root-relative (Material's 404 page, without a site_url)
        target = posixpath.normpath(path.lstrip("/") or ".")
    elif path:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(name), path))
    else:
        target = name
    if target.startswith("../"):
        return f"link {href} leaves the site"
    if target in ("", "."):
        target = "index.html"
    if (site / target).is_dir():
        target = posixpath.join(target, "index.html")
    if not (site / target).exists():
        return f"link {href}: no such file {target}"
    fragment = unquote(parts.fragment)
    if fragment and target.endswith(".html") and fragment not in ids.get(target, set()):
        return f"link {href}: no #{fragment} on {target}"
    return None
