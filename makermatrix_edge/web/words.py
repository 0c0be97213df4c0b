"""Errors as sentences a person at the bench understands: no field names, no internals."""

from __future__ import annotations

import re
from collections.abc import Mapping

import msgspec

from makermatrix_edge.errors import DomainError, InvalidInput

# What each form field is called on the page; "" = say the rule without a name ("Only 2 in stock").
LABELS: Mapping[str, str] = {
    "delta": "",
    "take": "The number to take",
    "add": "The number to add",
    "count": "The counted quantity",
    "copies": "Copies",
    "quantity": "The quantity",
    "min_quantity": "'Warn below'",
    "part_name": "The name",
    "name": "The name",
    "part_number": "The part number",
    "manufacturer": "The manufacturer",
    "manufacturer_part_number": "The manufacturer part number",
    "supplier": "The supplier",
    "description": "The description",
    "location_id": "",
    "from_location_id": "",
    "to_location_id": "",
    "cassette_name": "The new cassette's name",
    "parent_id": "",
    "location_type": "The type",
    "payload": "",
    "photo": "",
    "image": "",
    "file": "",
    "template": "",
    "username": "User names",
    "password": "The password",
    "new_password": "The new password",
    "roles": "",
    "part_id": "",
}

_OBJECT = re.compile(r"\s*\(?[^()]*<[\w.]+ object at 0x[0-9a-f]+>\)?")  # "<_io.BytesIO object at 0x7f..>"
_AT = re.compile(r"^(?P<rule>.*?)(?: - at `\$\.(?P<field>[\w.\[\]]+)`)?$")
_RULES = (
    (re.compile(r"Expected `str` of length >= 1"), "must not be empty"),
    (re.compile(r"Expected `str` of length <= (\d+)"), r"must be at most \1 characters"),
    (re.compile(r"Expected `int` >= (-?\d+)"), r"must be \1 or more"),
    (re.compile(r"Expected `int` <= (-?\d+)"), r"must be \1 or less"),
    (re.compile(r"Expected `int`"), "must be a whole number"),
    (re.compile(r"Object missing required field `(\w+)`"), r"\1 is missing"),
)


def _sentence(label: str, rule: str) -> str:
    rule = rule.strip()
    text = f"{label} {rule}" if label else rule[:1].upper() + rule[1:]
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _validation(exc: msgspec.ValidationError, labels: Mapping[str, str]) -> str:
    match = _AT.match(str(exc))
    rule, field = (match.group("rule"), match.group("field")) if match else (str(exc), None)
    for pattern, said in _RULES:
        if pattern.search(rule):
            rule = pattern.sub(said, rule) if "\\" in said else said
            break
    else:
        rule = "is not valid"
    label = labels.get(field or "", (field or "this").replace("_", " ").capitalize() if field else "This value")
    return _sentence(label, rule)


# What the image checks say of a file that is no picture (the upload check and the scanner word it apart).
_NOT_A_PHOTO = ("not a readable image", "not a png, jpeg, gif or webp image")


def in_words(exc: BaseException, labels: Mapping[str, str] | None = None) -> str:
    """The sentence for `exc`: "delta: only 2 in stock, cannot take 5" reads "Only 2 in stock, cannot take 5."."""
    known = {**LABELS, **(labels or {})}
    if isinstance(exc, msgspec.ValidationError):
        return _validation(exc, known)
    message = exc.message if isinstance(exc, DomainError) else str(exc)
    message = _OBJECT.sub("", message)
    if any(sign in message.lower() for sign in _NOT_A_PHOTO):
        return "That file is not a photo this page can read: take a photo, or choose a JPEG or PNG picture."
    if isinstance(exc, InvalidInput) and exc.field:
        rule = message.split(": ", 1)[-1] if message.startswith(f"{exc.field}: ") else message
        if rule[:1].isupper():  # a sentence of its own ("Project name is required"): a label would say it twice
            return _sentence("", rule)
        label = known.get(exc.field, exc.field.replace("_", " ").capitalize())
        return _sentence(label, rule)
    return _sentence("", message) if message else "That did not work."
