"""Where each page lives (a path under the generated docs folder) and relative links between pages.

Pages are addressed by their Markdown path ("policies/luoyang/2023.md"); the site is built with
`use_directory_urls: false`, so each becomes the same path with ".html" and links work from any static
host or straight from the file system.
"""

from __future__ import annotations

import posixpath


def policy_page(policy_id: str) -> str:
    return f"policies/{policy_id}.md"


def notice_page(document_id: str) -> str:
    return f"notices/{document_id}.md"


def calculator_fields(policy_id: str) -> str:
    """The calculator's form fields for one notice (a JSON file, fetched when the notice is chosen)."""
    return f"calculator/fields/{policy_id}.json"


def annex_page(policy_id: str, annex_id: str) -> str:
    return f"annexes/{policy_id}-{annex_id}.md"


def compare_year_page(year: int) -> str:
    """The comparison matrix of every region's notice of one year (when the whole matrix is too big)."""
    return f"compare/{year}.md"


def compare_region_page(region: str) -> str:
    """The comparison matrix of one region's notices over the years."""
    return f"compare/{region}.md"


def province_change_page(policy_id: str) -> str:
    """A city's notice against the provincial notice it implements."""
    return f"changes/{policy_id}-vs-parent.md"


def consecutive_change_page(before_id: str, after_id: str) -> str:
    """Two consecutive notices of one region: changes/luoyang/2023-2024.md."""
    region, year_before = before_id.split("/")
    return f"changes/{region}/{year_before}-{after_id.split('/')[1]}.md"


def rule_anchor(rule_id: str) -> str:
    return "r-" + rule_id.replace(".", "-").replace("_", "-")


def html_path(page: str) -> str:
    return page[:-3] + ".html" if page.endswith(".md") else page


def href(from_page: str, to_page: str, fragment: str = "") -> str:
    """Relative URL from one page to another (both Markdown paths), optionally with a #fragment."""
    target = html_path(to_page)
    rel = posixpath.relpath(target, posixpath.dirname(from_page) or ".")
    return rel + (f"#{fragment}" if fragment else "")
