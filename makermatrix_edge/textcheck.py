"""Stored text carries no control characters: one rule for every write Struct, refused in words.

A NUL in a part or location name was stored as sent (search cleaned it, writes did not); nobody
types one, a browser hides it, and C code (FTS5) reads it as the end of the text. The API,
the ALORA face and the phone pages all write through the Structs below, so the check lives in
their common base: `__post_init__` runs when msgspec decodes or converts a body and when code
builds one. Tab, newline and carriage return stay legal where text may span lines (descriptions,
notes, free-form property values); names and other one-line fields refuse them too. Importers
clean instead (`clean_value`), so one stray byte never fails a whole order file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, ClassVar

import msgspec

from makermatrix_edge.errors import ControlCharacter

_ONE_LINE = re.compile(r"[\x00-\x1f\x7f]")
_MULTI_LINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # tab, LF and CR are text here
_NAMES = {0: "NUL", 9: "a tab", 10: "a line break", 13: "a line break", 27: "ESC", 127: "DEL"}


def _found(char: str) -> str:
    code = ord(char)
    return _NAMES.get(code, f"control character {code:#04x}")


def check_text(value: str, field: str, *, multiline: bool = False) -> str:
    """`value` unchanged, or ControlCharacter (422) naming the field and the character."""
    bad = (_MULTI_LINE if multiline else _ONE_LINE).search(value)
    if bad is not None:
        raise ControlCharacter(f"must not contain {_found(bad.group())} (control characters are not stored)", field)
    return value


def clean_text(value: str, *, multiline: bool = False) -> str:
    """The same rule by cleaning: each refused character becomes a space (for importers)."""
    return (_MULTI_LINE if multiline else _ONE_LINE).sub(" ", value)


def clean_value(value: Any) -> Any:
    """Every text in a tree of builtins cleaned by the one-line rule (what an importer stores fits any field)."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def check_value(value: Any, field: str, *, multiline: bool = False) -> None:
    """Check a field's value: text, lists of text, and free-form objects (keys one line, values any)."""
    if isinstance(value, str):
        check_text(value, field, multiline=multiline)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            if isinstance(key, str):
                check_text(key, field)
            check_value(item, f"{field}.{key}", multiline=True)
    elif isinstance(value, list | tuple):
        for item in value:
            check_value(item, field, multiline=multiline)


class CheckedText(msgspec.Struct):
    """Base of the write Structs: every text field is checked, whichever way the Struct is made."""

    multiline_fields: ClassVar[frozenset[str]] = frozenset({"description", "notes"})
    unchecked_fields: ClassVar[frozenset[str]] = frozenset()  # not stored as text (a password is hashed)

    def __post_init__(self) -> None:
        for name in self.__struct_fields__:
            if name not in self.unchecked_fields:
                check_value(getattr(self, name), name, multiline=name in self.multiline_fields)
