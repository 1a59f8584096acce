"""Give every built page a Content-Security-Policy that allows only the site's own origin.

A static host may not let us set headers, so the policy goes in a <meta> tag as the first element of
<head>. The theme's inline scripts and styles are allowed by their sha256, computed from the built page
itself, so the policy needs neither 'unsafe-inline' nor any other origin; 'wasm-unsafe-eval' lets the
calculator page and the batch page compile Pyodide's WebAssembly, and only those two
(webcalc.site_steps.WASM_PAGES).
"""

from __future__ import annotations

import base64
import hashlib
import re

INLINE = re.compile(r"<(script|style)\b([^>]*)>(.*?)</\1>", re.DOTALL | re.IGNORECASE)
DATA_BLOCK = re.compile(r"""type\s*=\s*["']?application/(ld\+)?json""", re.IGNORECASE)


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def policy_for(html: str, wasm: bool) -> str:
    scripts, styles = [], []
    for tag, attrs, body in INLINE.findall(html):
        if tag.lower() == "script":
            if "src=" in attrs or DATA_BLOCK.search(attrs):
                continue
            scripts.append(_sha256(body))
        else:
            styles.append(_sha256(body))
    script_src = " ".join(["'self'", *(["'wasm-unsafe-eval'"] if wasm else []), *sorted(set(scripts))])
    style_src = " ".join(["'self'", *sorted(set(styles))])
    return (
        f"default-src 'self'; script-src {script_src}; style-src {style_src}; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
        "object-src 'none'; base-uri 'self'; form-action 'self'"
    )


def add_csp(html: str, wasm: bool = False) -> str:
    """The page with its policy right after <meta charset> (before anything it governs)."""
    meta = f'<meta http-equiv="Content-Security-Policy" content="{policy_for(html, wasm)}">'
    anchor = re.search(r"<meta\s+charset=[^>]*>", html, re.IGNORECASE) or re.search(r"<head\b[^>]*>", html)
    if anchor is None:
        raise ValueError("page has no <head>")
    return html[: anchor.end()] + meta + html[anchor.end() :]
