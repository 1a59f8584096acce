"""Render the generated Markdown to HTML with MkDocs and Material (the only module that knows MkDocs).

Swapping the renderer (Material reaches end of life on 2027-05-05; Zensical reads the same mkdocs.yml)
means replacing this module: generation hands it a docs folder and wants a site folder back.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path


def _compact_search_index(site_dir: Path) -> None:
    """Material writes its search index with every Chinese character escaped (\\uXXXX, 6 bytes); the same
    JSON in UTF-8 is about a third of the size, which phones download before their first search."""
    index = site_dir / "search" / "search_index.json"
    if index.is_file():
        data = json.loads(index.read_text(encoding="utf-8"))
        index.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")


class RenderError(Exception):
    """MkDocs refused the build (its warnings, strict mode)."""


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(f"{record.levelname.lower()}: {record.getMessage()}")


def render(config_file: Path, docs_dir: Path, site_dir: Path) -> None:
    """`mkdocs build --strict` of `docs_dir` into `site_dir` (in process, so the tests build quickly)."""
    os.environ.setdefault("NO_MKDOCS_2_WARNING", "1")  # Material's end-of-life banner; the README says it
    try:
        import jieba  # type: ignore[import-untyped]  # imported here so that its start-up chatter can be turned down

        jieba.setLogLevel(logging.WARNING)
    except ImportError:  # pragma: no cover - then Chinese search is not segmented
        pass
    from mkdocs.commands.build import build
    from mkdocs.config import load_config
    from mkdocs.exceptions import Abort, ConfigurationError

    collect = _Collect()
    logger = logging.getLogger("mkdocs")
    logger.addHandler(collect)
    quiet = [logging.getLogger(name) for name in ("mkdocs", "jieba")]
    levels = [log.level for log in quiet]
    for log in quiet:
        log.setLevel(logging.WARNING)
    handlers = list(logger.handlers)
    cwd = os.getcwd()
    docs_dir, site_dir = docs_dir.resolve(), site_dir.resolve()
    os.chdir(config_file.resolve().parent)  # Material resolves the jieba dictionary against the working folder
    try:
        config = load_config(
            str(config_file.resolve()), docs_dir=str(docs_dir.resolve()), site_dir=str(site_dir.resolve()), strict=True
        )
        build(config)
        _compact_search_index(site_dir)
    except (Abort, ConfigurationError) as err:
        details = "\n  ".join(collect.messages)
        raise RenderError(f"{err}\n  {details}" if details else str(err)) from None
    finally:
        os.chdir(cwd)
        for handler in logger.handlers[:]:
            if handler not in handlers or handler is collect:
                logger.removeHandler(handler)  # mkdocs' strict-mode counter too: builds must not add up
        for log, level in zip(quiet, levels, strict=True):
            log.setLevel(level)
