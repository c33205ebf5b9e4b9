"""Write settings back as TOML (for generated configs, e.g. the demo world's)."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from tocsin.config import Settings, public_fields


def toml_value(value: Any) -> str:
    """One TOML value: strings, numbers, booleans, lists and inline tables of those."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def table_lines(obj: Any) -> list[str]:
    """The scalar keys of one settings table."""
    return [f"{f.name} = {toml_value(getattr(obj, f.name))}" for f in public_fields(type(obj))
            if not dataclasses.is_dataclass(getattr(obj, f.name)) and not is_table_list(getattr(obj, f.name))]


def is_table_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and dataclasses.is_dataclass(value[0])


def dump_settings(settings: Settings) -> str:
    """The whole settings tree as a TOML document that ``load_settings`` reads back unchanged."""
    out: list[str] = []

    def emit(obj: Any, name: str) -> None:
        out.extend(["", f"[{name}]", *table_lines(obj)])
        for f in public_fields(type(obj)):
            value = getattr(obj, f.name)
            if dataclasses.is_dataclass(value):
                emit(value, f"{name}.{f.name}")
            elif is_table_list(value):
                for entry in value:
                    out.extend(["", f"[[{name}.{f.name}]]", *table_lines(entry)])

    for f in public_fields(Settings):
        value = getattr(settings, f.name)
        if dataclasses.is_dataclass(value):
            emit(value, f.name)
        elif is_table_list(value):
            for entry in value:
                out.extend(["", f"[[{f.name}]]", *table_lines(entry)])
    return "\n".join(out).lstrip() + "\n"
