"""Read one policy YAML file strictly, remembering the line of every field.

Refused with a clear message (never a traceback): bytes that are not UTF-8, files over MAX_BYTES,
tab indentation, YAML syntax errors, duplicate keys, anchors/aliases (a policy needs none, and refusing
them stops "billion laughs" before anything is expanded), non-finite numbers, an empty file.
Dates stay strings ("2023-02-30" must reach the schema check, which names the field, rather than
fail inside the YAML library).
"""

from __future__ import annotations

import math
from pathlib import Path as FsPath
from typing import Any

import yaml

from .problems import InputError, Path, Problem, format_path, line_of

MAX_BYTES = 1_000_000  # the largest real policy is ~15 KB
TOO_DEEP = "嵌套过深（列表或映射套了上百层）；政策文件只需几层嵌套"
MAX_FLOW_DEPTH = 50  # [ and { open at once; real files use 2. PyYAML's scanner is quadratic in this depth.


class _Loader(yaml.SafeLoader):
    """SafeLoader without the timestamp resolver, so dates stay text."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_yaml(path: FsPath, shown_as: str | None = None) -> tuple[Any, dict[Path, int]]:
    """Parse `path`; return (data, lines) where lines maps each field path to its 1-based line."""
    name = shown_as or str(path)
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InputError([Problem(name, 0, "", f"文件有 {size:,} 字节；政策文件最多 {MAX_BYTES:,} 字节")])
    return parse_yaml(path.read_bytes(), name)


def parse_yaml(raw: bytes, name: str) -> tuple[Any, dict[Path, int]]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[: err.start].count(b"\n") + 1
        raise InputError(
            [Problem(name, line, "", f"字节 0x{raw[err.start]:02x} 不是 UTF-8；请把文件另存为 UTF-8")]
        ) from None
    tabs = [
        Problem(name, n, "", "用了制表符（Tab）缩进；YAML 只能用空格缩进")
        for n, row in enumerate(text.splitlines(), 1)
        if "\t" in row[: len(row) - len(row.lstrip())]
    ]
    if tabs:
        raise InputError(tabs)
    deep = _too_deep_at(text)
    if deep:
        raise InputError([Problem(name, deep, "", TOO_DEEP)])
    try:
        node = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 0
        raise InputError([Problem(name, line, "", f"YAML 语法错误：{err.problem or err.context}")]) from None
    except yaml.YAMLError as err:
        raise InputError([Problem(name, 0, "", f"YAML 错误：{err}")]) from None
    except RecursionError:
        raise InputError([Problem(name, 0, "", TOO_DEEP)]) from None
    if node is None:
        raise InputError([Problem(name, 0, "", "文件是空的")])
    builder = _Builder(name)
    try:
        data = builder.build(node, ())
    except RecursionError:
        raise InputError([Problem(name, 0, "", TOO_DEEP)]) from None
    if builder.problems:
        raise InputError(builder.problems)
    return data, builder.lines


def _too_deep_at(text: str) -> int:
    """The line where more than MAX_FLOW_DEPTH brackets are open at once (0: nowhere), found in one pass
    before parsing: 3,000 `[` take PyYAML seconds, a megabyte of them hours. Brackets inside quoted text
    count too, which matters only for text with dozens of unclosed brackets."""
    depth = 0
    for at, char in enumerate(text):
        if char in "[{":
            depth += 1
            if depth > MAX_FLOW_DEPTH:
                return text.count("\n", 0, at) + 1
        elif char in "]}" and depth:
            depth -= 1
    return 0


class _Builder:
    """Turn a composed node tree into plain data, refusing what a policy file must not contain."""

    def __init__(self, name: str):
        self.name = name
        self.lines: dict[Path, int] = {}
        self.problems: list[Problem] = []
        self.seen: set[int] = set()
        self.constructor = _Loader("")

    def problem(self, node: yaml.Node, path: Path, message: str) -> None:
        self.problems.append(Problem(self.name, node.start_mark.line + 1, format_path(path), message))

    def build(self, node: yaml.Node, path: Path) -> Any:
        if id(node) in self.seen:  # an alias: the composer hands back the anchored node again
            line = line_of(self.lines, path)
            message = "政策文件中不允许使用 YAML 锚点和别名（&、*）"
            self.problems.append(Problem(self.name, line, format_path(path), message))
            return None
        self.lines.setdefault(path, node.start_mark.line + 1)
        self.seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, path)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        try:
            value = self.constructor.construct_object(node)
        except yaml.YAMLError as err:
            self.problem(node, path, f"无法读取取值：{err}")
            return None
        except ValueError:  # int() refuses more than 4,300 digits
            self.problem(node, path, f"数字有 {len(node.value):,} 位，太长了；政策里的数字不会超过几位")
            return None
        if isinstance(value, float) and not math.isfinite(value):
            self.problem(node, path, f"{node.value!r} 不是有限的数")
        return value

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, yaml.ScalarNode) else None
            if not isinstance(key, str) or key_node.tag != "tag:yaml.org,2002:str":
                self.problem(key_node, path, f"键 {key_node.value!r} 必须是文字")
                continue
            child = (*path, key)
            if key in result:
                first = self.lines.get(child)
                self.problem(key_node, child, f"重复的键 {key!r}（第一次出现在第 {first} 行）")
                continue
            self.lines[child] = key_node.start_mark.line + 1
            result[key] = self.build(value_node, child)
        return result
