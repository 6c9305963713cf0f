"""Shapes of Pleo's JSON bodies: check a value against one, or make a value that fits one.

A shape is a dict: `{"type": "string"|"integer"|"number"|"boolean"|"any", "format"?,
"enum"?}`, `{"type": "array", "items": shape}`, `{"type": "object", "fields": {name:
shape}, "values"?: shape}` (`values`: the shape of any further key, as in a map), or
`{"ref": name}` into the catalog's named shapes. Any shape may say `"nullable": true`;
a field's shape may say `"required": true`. Objects are closed: a key that is neither
a field nor allowed by `values` is reported, so a misspelt field name shows.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Mapping
from typing import Any

Shape = dict[str, Any]
_NAMESPACE = uuid.UUID("0b7c7d4e-6a55-4b9e-8f57-0f4c2b0a9d31")
SAMPLE_MOMENT = "2026-01-15T09:30:00Z"
_MAX_DEPTH = 8


def resolve(shape: Shape, shapes: Mapping[str, Shape]) -> Shape:
    """The shape a `ref` points at, keeping the referring shape's own flags."""
    while "ref" in shape:
        flags = {key: value for key, value in shape.items() if key != "ref"}
        shape = {**shapes[shape["ref"]], **flags}
    return shape


def _format_error(value: str, format_: str | None) -> str | None:
    try:
        if format_ == "uuid":
            uuid.UUID(value)
        elif format_ == "date-time":
            datetime.datetime.fromisoformat(value)
        elif format_ == "date":
            datetime.date.fromisoformat(value)
    except ValueError:
        return f"not a {format_}: {value!r}"
    return None


_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


def _type_error(value: Any, type_: str) -> str | None:
    expected = _JSON_TYPES[type_]
    # JSON has no separate boolean-as-number: True is not an integer here.
    if not isinstance(value, expected) or (isinstance(value, bool) and type_ != "boolean"):
        return f"expected {type_}, got {type(value).__name__}"
    return None


def shape_errors(value: Any, shape: Shape, shapes: Mapping[str, Shape], where: str = "$") -> list[str]:
    """Where and how `value` departs from `shape` (empty: it fits)."""
    shape = resolve(shape, shapes)
    type_ = shape.get("type", "any")
    if value is None:
        return [] if shape.get("nullable") or type_ == "any" else [f"{where}: null where {type_} expected"]
    if type_ == "any":
        return []
    mismatch = _type_error(value, type_)
    if mismatch:
        return [f"{where}: {mismatch}"]
    if type_ == "string":
        problem = _format_error(value, shape.get("format"))
        if problem is None and "enum" in shape and value not in shape["enum"]:
            problem = f"{value!r} is not one of {shape['enum']}"
        return [f"{where}: {problem}"] if problem else []
    if type_ == "array":
        return [
            error
            for index, item in enumerate(value)
            for error in shape_errors(item, shape["items"], shapes, f"{where}[{index}]")
        ]
    if type_ == "object":
        return _object_errors(value, shape, shapes, where)
    return []


def _object_errors(value: dict[str, Any], shape: Shape, shapes: Mapping[str, Shape], where: str) -> list[str]:
    fields: dict[str, Shape] = shape.get("fields", {})
    errors = [
        f"{where}.{name}: required field missing"
        for name, field in fields.items()
        if field.get("required") and name not in value
    ]
    for key, item in value.items():
        field = fields.get(key, shape.get("values"))
        if field is None:
            errors.append(f"{where}.{key}: not a documented field")
        else:
            errors.extend(shape_errors(item, field, shapes, f"{where}.{key}"))
    return errors


def _sample_string(shape: Shape, name: str, seed: str) -> str:
    if shape.get("enum"):
        return str(shape["enum"][0])
    format_ = shape.get("format")
    if format_ == "uuid":
        return str(uuid.uuid5(_NAMESPACE, f"{seed}/{name}"))
    if format_ == "date-time":
        return SAMPLE_MOMENT
    if format_ == "date":
        return SAMPLE_MOMENT[:10]
    if format_ == "url":
        return f"https://sandbox.example/{name.lower()}"
    lowered = name.lower()
    if lowered.endswith("currency"):
        return "DKK"
    if lowered.endswith("country"):
        return "DK"
    if lowered.endswith("email"):
        return "someone@demo-company.example"
    return f"{name} {seed.rsplit('/', 1)[-1]}".strip()


def sample(
    shape: Shape,
    shapes: Mapping[str, Shape],
    *,
    name: str = "",
    seed: str = "sample",
    optional: bool = True,
    depth: int = 0,
) -> Any:
    """A value that fits `shape`, deterministic for a seed.

    Optional fields are filled too unless `optional` is false. Arrays get one item;
    maps (`values` only) stay empty; below a few levels only required fields are filled.
    """
    shape = resolve(shape, shapes)
    type_ = shape.get("type", "any")
    if type_ == "string":
        return _sample_string(shape, name, seed)
    if type_ in ("integer", "number"):
        return 1
    if type_ == "boolean":
        return False
    if type_ == "array":
        if depth >= _MAX_DEPTH:
            return []
        return [sample(shape["items"], shapes, name=name, seed=seed, optional=optional, depth=depth + 1)]
    if type_ == "object":
        result = {}
        for field_name, field in shape.get("fields", {}).items():
            if not field.get("required") and (depth >= _MAX_DEPTH or not optional):
                continue
            result[field_name] = sample(
                field, shapes, name=field_name, seed=seed, optional=optional, depth=depth + 1
            )
        return result
    return None
