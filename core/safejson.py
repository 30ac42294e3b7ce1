"""Strict, bounded JSON decoding for everything a client sends, and the checks PostgreSQL needs.

`loads` refuses what the standard library lets through but the database or a later walk cannot take:
NaN and Infinity (not JSON; jsonb refuses them), numbers too large for a double, and nesting deeper than
`limits.MAX_NESTING_DEPTH` (Python's decoder recurses, so a deep enough body raises RecursionError
instead of a clean error; a shallower one that still exceeds the limit is found by an iterative walk).
`unstorable` and `clean` deal with the two things a PostgreSQL text or jsonb column cannot hold: NUL
characters and unpaired surrogates, both only reachable through a `\\u` escape in the JSON text.
"""

import json
import math
import re
from typing import Any

from core import limits

# A JSON escape that decodes to something PostgreSQL cannot store (NUL, or half of a surrogate pair).
UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")
UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")
NUL_MESSAGE = "Null characters are not allowed."
SURROGATE_MESSAGE = "Text must be valid Unicode: it contains an unpaired surrogate."


class JSONRefused(ValueError):
    """A body `loads` will not accept; the message says why in words the sender can act on.

    `too_deep` tells nesting (the limit is in the message) from invalid JSON; `detail` is the decoder's own
    words (what DRF has always put after "JSON parse error - ").
    """

    def __init__(self, message: str, *, too_deep: bool = False, detail: str = "") -> None:
        super().__init__(message)
        self.too_deep = too_deep
        self.detail = detail or message


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"number {text[:20]} is out of range")
    return value


def depth_message(max_depth: int) -> str:
    return f"nested too deeply (at most {max_depth} levels)"


def loads(text: str, *, max_depth: int = limits.MAX_NESTING_DEPTH) -> Any:
    """Decode strict JSON text; JSONRefused (with a reason) for invalid JSON, NaN/Infinity or deep nesting."""
    try:
        value = json.loads(text, parse_constant=_reject_constant, parse_float=_finite_float)
    except RecursionError:
        raise JSONRefused(depth_message(max_depth), too_deep=True) from None
    except ValueError as exc:  # JSONDecodeError, out-of-range numbers, integers over the digit limit
        raise JSONRefused(f"not valid JSON: {exc}", detail=str(exc)) from None
    if nesting_depth(value, stop_after=max_depth) > max_depth:
        raise JSONRefused(depth_message(max_depth), too_deep=True)
    return value


def nesting_depth(value: Any, *, stop_after: int | None = None) -> int:
    """How many containers deep `value` goes (a scalar is 0, `{"a": [1]}` is 2), without recursing.

    With `stop_after`, the walk ends as soon as it is past that depth (the answer is then stop_after + 1).
    """
    deepest = 0
    stack = [(value, 1)] if isinstance(value, dict | list) else []
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if stop_after is not None and deepest > stop_after:
            return deepest
        children = node.values() if isinstance(node, dict) else node
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return deepest


def _walk_strings(value: Any) -> Any:
    """Yield (path, text) for every string of `value`, keys included; the path is dotted (`labels.env`)."""
    stack: list[tuple[Any, tuple[str, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            yield path, node
        elif isinstance(node, dict):
            for key, child in node.items():
                yield (*path, key), key
                stack.append((child, (*path, str(key))))
        elif isinstance(node, list):
            stack.extend((child, (*path, str(index))) for index, child in enumerate(node))


def unstorable(value: Any) -> tuple[str, str] | None:
    """The first (field path, message) of a string that PostgreSQL cannot store, or None when all can be."""
    for path, text in _walk_strings(value):
        found = UNSTORABLE_CHARACTER.search(text)
        if found:
            return ".".join(path) or "non_field_errors", NUL_MESSAGE if found.group() == "\x00" else SURROGATE_MESSAGE
    return None


def clean_text(text: str) -> str:
    """Drop NULs and replace unpaired surrogates, the two things PostgreSQL text cannot hold."""
    text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "replace").decode("utf-8")
    return text


def clean(value: Any) -> Any:
    """`value` with every string (keys included) made storable; for payloads kept as evidence, not refused."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_text(k): clean(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean(item) for item in value]
    return value
