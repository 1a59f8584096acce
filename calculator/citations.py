"""Verbatim citations: a quote matches its notice when both agree with all white space removed.

The archived notices are text extracted from published documents; the extraction inserted spaces and
line breaks inside sentences, so white space carries no meaning. Everything else must match exactly.
Standard library only (the site and the browser use it too).
"""

from __future__ import annotations

from functools import lru_cache

try:  # the sha1 module alone: importing hashlib loads every hash Python has (15 ms of a cold start in the browser)
    from _sha1 import sha1  # type: ignore[import-not-found]
except ImportError:  # a Python built without it
    from hashlib import sha1


def squeeze(text: str) -> str:
    """Remove every white-space character (str.split's definition, which includes U+3000)."""
    return "".join(text.split())


@lru_cache(maxsize=4096)  # the calculator page's answer names the same passages on each keystroke
def quote_id(quote: str) -> str:
    """A passage's anchor on its notice page: "q-" + the first 10 hex digits of the sha1 of the passage with
    white space removed, stable across builds and the same for every policy citing the same words. Here, not
    in the site's code, so that the browser's answer can name the anchor of each passage it quotes."""
    digest: str = sha1(squeeze(quote).encode("utf-8")).hexdigest()
    return "q-" + digest[:10]


def find_quote(quote: str, notice: str) -> tuple[int, int] | None:
    """The (start, end) offsets in `notice` of the first passage matching `quote`, or None.

    Offsets are in the original text, so a page can wrap the passage exactly as printed.
    """
    target = squeeze(quote)
    if not target:
        return None
    positions = [i for i, ch in enumerate(notice) if not ch.isspace()]
    squeezed = "".join(notice[i] for i in positions)
    at = squeezed.find(target)
    if at < 0:
        return None
    return positions[at], positions[at + len(target) - 1] + 1


MIN_QUOTE_CHARS = 4  # the shortest real citation ("3.生育", a numbered list item) has 4; "的" identifies nothing


def quote_problem(quote: str) -> str | None:
    """Why `quote` cannot identify a passage (None when it can): it must have MIN_QUOTE_CHARS characters
    besides white space. One rule for `build.py check` and the build, which runs the same check."""
    length = len(squeeze(quote))
    if length == 0:
        return f"引用是空白的；应为通知原文中的一段（去掉空白后至少 {MIN_QUOTE_CHARS} 个字）"
    if length < MIN_QUOTE_CHARS:
        return (
            f"引用 {quote.strip()!r} 太短（{length} 个字），无法确定是通知中的哪一段；"
            f"去掉空白后至少要 {MIN_QUOTE_CHARS} 个字"
        )
    return None
