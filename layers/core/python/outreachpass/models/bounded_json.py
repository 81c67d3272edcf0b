"""Free-form JSON the API accepts and shows (event settings, stored themes and links, audit
snapshots, ...): bounded on the way in, clipped to the same bounds on the way out.

Every free-form JSON field of a request is a `JsonObject` / `JsonValue` (or annotated with
its own `Bounded(...)`), so a value is refused at validation, with 400 VALIDATION_ERROR naming the
field, when it is:

* nested deeper than MAX_DEPTH containers (the field's own object or array is level 1);
* larger than its byte limit as compact JSON (MAX_BYTES unless the field says less);
* holding a number outside ±MAX_SAFE_INTEGER (what a JavaScript client can hold exactly),
  a number too long to parse (api.body turns those into `OversizedNumber`), or a string
  or key with a NUL character or a lone surrogate (jsonb cannot store either).

Such a value would otherwise be stored and then break every read of it (pydantic stops
serializing at ~250 levels; Python refuses to parse integers of more than 4,300 digits).

Responses read stored JSON through `StoredJsonObject` / `StoredJson`, which never raise:
what violates the bounds is clipped (a container nested too deep, a number out of range
become null), so a row written before the bounds existed still lists and reads.
migrations/V0620__bounded_json.sql repaired the stored rows the same way, with the same
limits (app_json_clip).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

MAX_DEPTH = 8
MAX_BYTES = 16 * 1024
MAX_SAFE_INTEGER = 2**53 - 1
# Stored snapshots that embed a bounded field a level or two down are clipped with this much room.
SNAPSHOT_DEPTH = MAX_DEPTH + 4

# What jsonb cannot hold: NUL, and lone surrogates (not encodable as UTF-8).
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_PATH_SHOWN = 80  # characters of the path to the offending value a message quotes


class OversizedNumber:
    """A JSON number the parser did not turn into a Python number (too many digits, or beyond
    float range): kept as text so that validation can name the field that held it."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return f"OversizedNumber({self.text[:20]}{'...' if len(self.text) > 20 else ''})"


def problem(value: Any, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> str | None:
    """What makes `value` fall outside the bounds, or None. Iterative: any depth is safe."""
    stack: list[tuple[Any, str, int]] = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                return f"is nested more than {max_depth} levels deep{_at(path)}"
            if isinstance(item, dict):
                for key, child in item.items():
                    if not isinstance(key, str) or _UNSTORABLE.search(key):
                        return f"has a key with a NUL character or a lone surrogate{_at(path)}"
                    stack.append((child, f"{path}.{key}" if path else key, depth + 1))
            else:
                stack.extend((child, f"{path}[{index}]", depth + 1) for index, child in enumerate(item))
        elif isinstance(item, OversizedNumber) or not _number_in_range(item):
            return f"has a number outside ±{MAX_SAFE_INTEGER}{_at(path)}"
        elif isinstance(item, str) and _UNSTORABLE.search(item):
            return f"has a NUL character or a lone surrogate in a string{_at(path)}"
        elif item is not None and not isinstance(item, (str, bool, int, float)):
            return f"has a value that is not JSON{_at(path)}"
    size = _size(value)
    if size > max_bytes:
        return f"is {size} bytes as JSON; at most {max_bytes}"
    return None


def clip(value: Any, *, max_depth: int = MAX_DEPTH) -> Any:
    """`value` within the bounds: containers nested deeper than max_depth and numbers out of
    range become None (NUL characters cannot be stored in jsonb). Never raises."""
    if isinstance(value, (dict, list)):
        return _clip_container(value, max_depth)
    return value if _number_in_range(value) and not isinstance(value, OversizedNumber) else None


_Container = dict[str, Any] | list[Any]


def _clip_container(value: _Container, max_depth: int) -> _Container:
    root: _Container = {} if isinstance(value, dict) else []
    stack: list[tuple[_Container, _Container, int]] = [(value, root, 1)]
    while stack:
        source, target, depth = stack.pop()
        items = source.items() if isinstance(source, dict) else enumerate(source)
        for key, child in items:
            if isinstance(child, (dict, list)):
                if depth + 1 > max_depth:
                    copy: Any = None
                else:
                    copy = {} if isinstance(child, dict) else []
                    stack.append((child, copy, depth + 1))
            elif isinstance(child, OversizedNumber) or not _number_in_range(child):
                copy = None
            else:
                copy = child
            if isinstance(target, dict):
                target[str(key)] = copy
            else:
                target.append(copy)
    return root


def _number_in_range(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return not isinstance(value, OversizedNumber)
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER


def _size(value: Any) -> int:
    from outreachpass.jsonutil import dumps

    return len(dumps(value).encode("utf-8"))


def _at(path: str) -> str:
    if not path:
        return ""
    shown = path if len(path) <= _PATH_SHOWN else path[:_PATH_SHOWN] + "..."
    return f" (at {shown})"


@dataclass(frozen=True)
class Bounded:
    """Annotated marker of a request field of free-form JSON: refused (PydanticCustomError
    json_bounds, naming the field) outside these bounds."""

    max_depth: int = MAX_DEPTH
    max_bytes: int = MAX_BYTES

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self._check, handler(source))

    def __get_pydantic_json_schema__(self, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler) -> dict[str, Any]:
        found = handler(schema)
        found.setdefault("description", f"Free-form JSON: at most {self.max_depth} levels deep and {self.max_bytes} bytes, "
                                        f"numbers within ±{MAX_SAFE_INTEGER}, no NUL characters")
        return found

    def _check(self, value: Any) -> Any:
        found = problem(value, max_depth=self.max_depth, max_bytes=self.max_bytes)
        if found:
            raise PydanticCustomError("json_bounds", found)
        return value


@dataclass(frozen=True)
class Clipped:
    """Annotated marker of a response field of stored free-form JSON: clipped to the bounds,
    never failing a read. An object field shows anything else as {} (or None when `nullable`)."""

    max_depth: int = MAX_DEPTH
    object_only: bool = True
    nullable: bool = False

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> core_schema.CoreSchema:
        return core_schema.no_info_before_validator_function(self._clip, handler(source))

    def _clip(self, value: Any) -> Any:
        if value is None and self.nullable:
            return None
        value = clip(value, max_depth=self.max_depth)
        if self.object_only and not isinstance(value, dict):
            return None if self.nullable else {}
        return value


JsonObject = Annotated[dict[str, Any], Bounded()]
JsonValue = Annotated[Any, Bounded()]
StoredJsonObject = Annotated[dict[str, Any], Clipped()]
StoredJson = Annotated[Any, Clipped(object_only=False)]
# Stored snapshots that embed a bounded field a level or two down (audit before/after, job input).
StoredSnapshot = Annotated[dict[str, Any], Clipped(max_depth=SNAPSHOT_DEPTH)]
NullableStoredSnapshot = Annotated[dict[str, Any] | None, Clipped(max_depth=SNAPSHOT_DEPTH, nullable=True)]
