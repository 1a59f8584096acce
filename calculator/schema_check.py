"""Validate a policy file against policies/policy.schema.yaml and word each error for a maintainer.

jsonschema finds the errors; this module only turns each into one Problem naming the line and field,
with a did-you-mean for misspelt keys and enum values.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path as FsPath
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import ValidationError, best_match

from .citations import MIN_QUOTE_CHARS
from .problems import Path, Problem, format_path, line_of

MISSING = "缺少必填字段"
SCHEMA_FILE = FsPath(__file__).resolve().parent.parent / "policies" / "policy.schema.yaml"
CITATION_FORMS = (
    f"引用（source）应为通知原文中的一段文字（去掉空白后至少 {MIN_QUOTE_CHARS} 个字），"
    "或 {document: 通知编号, quote: 原文}，或由它们组成的列表"
)


def load_schema(path: FsPath = SCHEMA_FILE) -> dict[str, Any]:
    # Cached by content, not path: every copy of a policies folder has its own schema file, mostly the same.
    return _parsed(path.read_text(encoding="utf-8"))


@cache
def _parsed(text: str) -> dict[str, Any]:
    schema: dict[str, Any] = yaml.safe_load(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _validator(path: FsPath = SCHEMA_FILE) -> jsonschema.Draft202012Validator:
    return _validator_of(path.read_text(encoding="utf-8"))


@cache
def _validator_of(text: str) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(_parsed(text), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def closest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, choices: list[str]) -> str:
    close = closest(word, choices)
    return f"；是不是 {close!r}？" if close else ""


def schema_problem(path: FsPath, shown: str) -> Problem | None:
    """None when `path` is a usable schema; else the one problem that says why (every file would fail)."""
    try:
        load_schema(path)
    except OSError as err:
        return Problem(shown, 0, "", f"无法读取格式定义文件：{err.strerror or err}")
    except yaml.MarkedYAMLError as err:
        line = err.problem_mark.line + 1 if err.problem_mark else 0
        return Problem(shown, line, "", f"格式定义文件不是有效的 YAML：{err.problem or err}")
    except (yaml.YAMLError, jsonschema.SchemaError, RecursionError, ValueError) as err:
        first = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        return Problem(shown, 0, "", f"格式定义文件不是有效的 JSON Schema：{first[:200]}")
    return None


def check_schema(data: Any, lines: Mapping[Path, int], name: str, schema_file: FsPath = SCHEMA_FILE) -> list[Problem]:
    found = [item for error in _validator(schema_file).iter_errors(data) for item in _explain(error)]
    # A misspelt key also makes the real key "missing": report the typo once, with its did-you-mean.
    suggested = {(path[:-1], hint) for path, _, hint in found if hint}
    problems = {
        Problem(name, line_of(lines, path), format_path(path), message)
        for path, message, hint in found
        if not (message.startswith(MISSING) and (path, _quoted(message)) in suggested)
    }
    return sorted(problems)


def _quoted(message: str) -> str:
    return message.split("'")[1] if message.count("'") >= 2 else ""


def _explain(error: ValidationError) -> Iterator[tuple[Path, str, str | None]]:
    """(field path, message, the key a misspelt key probably meant)."""
    path: Path = tuple(error.absolute_path)
    kind = error.validator
    expected: Any = error.validator_value
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            yield (*path, key), f"未知的键 {key!r}{did_you_mean(key, allowed)}", closest(key, allowed)
    elif kind == "required":
        yield path, f"{MISSING} {error.message.split(' ')[0]}", None
    elif kind == "type":
        yield path, f"应为{_type_name(expected)}，实为 {_show(error.instance)}", None
    elif kind == "enum":
        choices = [str(c) for c in expected]
        hint = did_you_mean(str(error.instance), choices)
        yield path, f"{_show(error.instance)} 不在可选值之列（{', '.join(choices)}）{hint}", None
    elif kind == "format" and expected == "date":
        yield path, f"{_show(error.instance)} 不是存在的日期（YYYY-MM-DD）", None
    elif kind in {"minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum"}:
        word = "不能小于" if kind == "minimum" else "必须大于" if kind == "exclusiveMinimum" else "不能大于"
        if kind == "exclusiveMaximum":
            word = "必须小于"
        yield path, f"{word} {expected}，实为 {_show(error.instance)}", None
    elif kind in {"minLength", "minItems"}:
        yield path, "不能为空", None
    elif kind == "pattern":
        yield path, f"{_show(error.instance)} 的格式不对（应符合 {expected}）", None
    elif kind == "not" and isinstance(expected, dict) and list(expected) == ["required"]:
        field = expected["required"][0]
        status = error.instance.get("status") if isinstance(error.instance, dict) else None
        yield (*path, field), f"status 为 {status} 的规则不能有字段 {field!r}", None
    elif kind in {"oneOf", "anyOf"} and path and path[-1] == "source":
        # jsonschema's best guess among the forms ("expected a list") would not say what a citation needs.
        yield path, f"{CITATION_FORMS}；不是 {_show(error.instance)}", None
    elif kind in {"oneOf", "anyOf"} and error.context:
        yield from _explain(best_match(error.context))
    else:
        yield path, error.message, None


def _type_name(value: object) -> str:
    names = {
        "number": "数字",
        "integer": "整数",
        "string": "文字",
        "boolean": " true 或 false",
        "object": "键值映射",
        "array": "列表",
        "null": " null",
    }
    if isinstance(value, list):
        return "或".join(names.get(str(v), str(v)) for v in value)
    return names.get(str(value), str(value))


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
