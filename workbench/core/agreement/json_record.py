"""JSON-ready result records: one rule turns every result dataclass into plain JSON data."""

from __future__ import annotations

from dataclasses import Field
from dataclasses import fields
from typing import Any
from typing import ClassVar


class JsonRecord:
    """Base of the frozen result dataclasses; ``to_json`` lists the fields in declared order."""

    __dataclass_fields__: ClassVar[dict[str, Field[Any]]]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: nested records as dicts, tuples as lists, None kept as null."""
        return {f.name: json_ready(getattr(self, f.name)) for f in fields(self)}


def json_ready(value: Any) -> Any:
    """The value as plain JSON data (records, tuples and dicts converted all the way down)."""
    if isinstance(value, JsonRecord):
        return value.to_json()
    if isinstance(value, tuple):
        return [json_ready(item) for item in value]
    if isinstance(value, dict):
        return {key: json_ready(item) for key, item in value.items()}
    return value
