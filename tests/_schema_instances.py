"""Schema-valid JSON values for the spec's schemas: our own small generator for the tests.

Used by the random-decode tests (``tests/unit/test_models_random.py``: several random
instances of every response schema) and by the contract tests (``tests/contract``: the
minimal valid arguments of every operation). It reads OpenAPI 3.1 / JSON Schema as the
spec uses it: ``$ref``, ``$recursiveRef``, ``allOf``, ``oneOf``/``anyOf``, ``enum``,
``const``, ``nullable`` and ``type`` lists, arrays with ``minItems``/``maxItems``,
``additionalProperties``, string length, number bounds and the spec's few ``pattern``s.
``minimal=True`` gives required properties only, the first union member, the first enum
value; otherwise optional properties appear at random (seeded: the same every run).
Recursion is bounded: past ``max_depth`` only what is required is generated.
"""

from __future__ import annotations

import random
import string
from typing import Any

Schema = dict[str, Any]

# The spec's patterns, each with a value that matches it.
PATTERN_VALUES = {
    "^tunnel_[a-z0-9]{32}$": "tunnel_" + "0123456789abcdef" * 2,
}
SAFE_CHARS = string.ascii_letters + string.digits  # match ^[A-Za-z0-9_.-]+$ and the like
FORMAT_VALUES = {
    "uri": "https://example.com/x",
    "date": "2024-01-02",
    "date-time": "2024-01-02T03:04:05Z",
}


class Instances:
    """Makes values for the schemas of one spec (``components.schemas``)."""

    def __init__(
        self,
        schemas: dict[str, Schema],
        *,
        seed: int = 0,
        minimal: bool = False,
        max_depth: int = 5,
    ) -> None:
        self.schemas = schemas
        self.rng = random.Random(seed)
        self.minimal = minimal
        self.max_depth = max_depth

    def of(self, name: str) -> Any:
        """A value of the component schema ``name`` (not null, even when it is nullable)."""
        for _ in range(20):
            value = self.value(self.schemas[name], name, 0)
            if value is not None:
                return value
        raise ValueError(f"{name}: only null values")

    def value(self, s: Schema, owner: str, depth: int) -> Any:
        """A value of ``s``; ``owner`` is the component it is inside (for ``$recursiveRef``)."""
        if "$ref" in s:
            name = s["$ref"].rsplit("/", 1)[1]
            return self.value(self.schemas[name], name, depth + 1)
        if "$recursiveRef" in s:
            return self.value(self.schemas[owner], owner, depth + 1)
        if "const" in s:
            return s["const"]
        if "enum" in s:
            values = [v for v in s["enum"] if v is not None] or [None]
            if None in s["enum"] and not self.minimal and self.rng.random() < 0.2:
                return None
            return values[0] if self.minimal else self.rng.choice(values)
        if "allOf" in s:
            return self._all_of(s, owner, depth)
        for key in ("oneOf", "anyOf"):
            if key in s and not s.get("properties"):
                return self._one_of(s[key], owner, depth)
        t = s.get("type")
        if isinstance(t, list):
            t = self._pick([x for x in t if x != "null"] or ["null"])
            if "null" in s["type"] and self._maybe_null():
                return None
        elif s.get("nullable") and self._maybe_null():
            return None
        if t == "object" or "properties" in s or "additionalProperties" in s:
            return self._object(s, owner, depth)
        if t == "array" or "items" in s:  # a few spec schemas give items without the type
            return self._array(s, owner, depth)
        if t == "string":
            return self._string(s)
        if t == "integer":
            return self._number(s, integer=True)
        if t == "number":
            return self._number(s, integer=False)
        if t == "boolean":
            return True if self.minimal else self.rng.random() < 0.5
        if t == "null":
            return None
        return "any" if self.minimal else self._pick(["any", 7, True, {"k": "v"}])

    # -- the parts ---------------------------------------------------------------------

    def _pick(self, items: list[Any]) -> Any:
        return items[0] if self.minimal else self.rng.choice(items)

    def _maybe_null(self) -> bool:
        return not self.minimal and self.rng.random() < 0.15

    def _resolve(self, s: Schema) -> Schema:
        while "$ref" in s:
            s = self.schemas[s["$ref"].rsplit("/", 1)[1]]
        return s

    def _all_of(self, s: Schema, owner: str, depth: int) -> Any:
        """Objects merge: one schema with every member's properties and required keys."""
        members = [self._resolve(m) for m in s["allOf"]]
        shapes = [m for m in members if set(m) - {"description", "title", "nullable", "deprecated"}]
        unions = [m for m in shapes if ("oneOf" in m or "anyOf" in m) and not m.get("properties")]
        if unions or len(shapes) == 1:
            return self.value((unions or shapes)[0], owner, depth)
        merged: Schema = {"type": "object", "properties": {}, "required": []}
        for m in [*shapes, s]:
            flat = self._all_of_shape(m) if "allOf" in m and m is not s else m
            merged["properties"].update(flat.get("properties") or {})
            merged["required"] += flat.get("required") or []
        return self._object(merged, owner, depth)

    def _all_of_shape(self, s: Schema) -> Schema:
        """The properties and required keys of a nested ``allOf`` of objects."""
        props: Schema = dict(s.get("properties") or {})
        required = list(s.get("required") or ())
        for m in map(self._resolve, s["allOf"]):
            flat = self._all_of_shape(m) if "allOf" in m else m
            props.update(flat.get("properties") or {})
            required += flat.get("required") or []
        return {"properties": props, "required": required}

    def _one_of(self, members: list[Schema], owner: str, depth: int) -> Any:
        options = [m for m in members if m.get("type") != "null"]
        if len(options) < len(members) and self._maybe_null():
            return None
        if depth > self.max_depth:  # prefer a member that is not the owner again
            options = [
                m for m in options if m.get("$ref", "").rsplit("/", 1)[-1] != owner
            ] or options
        return self.value(self._pick(options), owner, depth)

    def _object(self, s: Schema, owner: str, depth: int) -> dict[str, Any]:
        props: dict[str, Schema] = s.get("properties") or {}
        required = set(s.get("required") or ())
        deep = depth > self.max_depth
        out: dict[str, Any] = {}
        for key, sub in props.items():
            if key in required or (not self.minimal and not deep and self.rng.random() < 0.5):
                out[key] = self.value(sub, owner, depth + 1)
        extra = s.get("additionalProperties")
        if not props and not self.minimal and not deep and extra not in (None, False):
            for i in range(self.rng.randint(0, 2)):
                value_schema = extra if isinstance(extra, dict) else {}
                out[f"key_{i}"] = self.value(value_schema, owner, depth + 1)
        return out

    def _array(self, s: Schema, owner: str, depth: int) -> list[Any]:
        low = int(s.get("minItems", 0))
        high = int(s.get("maxItems", low + 2))
        if self.minimal or depth > self.max_depth:
            n = max(low, 1) if not self.minimal and depth <= self.max_depth else low
        else:
            n = self.rng.randint(low, max(low, min(high, low + 2)))
        return [self.value(s.get("items") or {}, owner, depth + 1) for _ in range(n)]

    def _string(self, s: Schema) -> str:
        if s.get("pattern") in PATTERN_VALUES:
            return PATTERN_VALUES[s["pattern"]]
        if s.get("format") in FORMAT_VALUES:
            return FORMAT_VALUES[s["format"]]
        low = int(s.get("minLength", 1))
        high = int(s.get("maxLength", max(low, 8)))
        n = low if self.minimal else self.rng.randint(low, max(low, min(high, low + 8)))
        n = max(n, min(3, high))
        return "".join(self.rng.choice(SAFE_CHARS) for _ in range(n)) if n else ""

    def _number(self, s: Schema, *, integer: bool) -> int | float:
        low = s.get("minimum", s.get("exclusiveMinimum", 0))
        if "exclusiveMinimum" in s and "minimum" not in s:
            low = low + 1
        high = s.get("maximum", low + 100)
        if integer:
            return int(low) if self.minimal else self.rng.randint(int(low), int(high))
        return float(low) if self.minimal else round(self.rng.uniform(low, high), 3)
