"""Reading what suppliers send: prices like "$0.80", stock like "5,234 In Stock", numbers as strings; detection."""

from __future__ import annotations

import re
from typing import Any

from makermatrix_edge.suppliers import catalogue

_NUMBER = re.compile(r"[-+]?\d[\d.,' ]*")


def supplier_name(text: str | None) -> str | None:
    """Our name for a supplier as written in a part's supplier field ("Digi-Key", "JLCPCB" -> its key)."""
    if not text:
        return None
    found = catalogue.by_alias(text, parts=True)
    return found.key if found else None


def supplier_from_number(number: str | None) -> str | None:
    """The supplier whose own numbers look like this (Cnnnn LCSC, -ND DigiKey, 454-... Mouser; the catalogue's)."""
    if not number:
        return None
    found = catalogue.by_number(number)
    return found.key if found else None


def detect_supplier(supplier_field: str | None, number: str | None) -> str | None:
    return supplier_name(supplier_field) or supplier_from_number(number)


def number(value: Any) -> float | None:
    """A number from 0.8, "0.80", "$0.80", "0,80 €", "1,234.50", "1.234,50"; None if there is none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    match = _NUMBER.search(str(value))
    if match is None:
        return None
    text = match.group(0).strip().replace(" ", "").replace("'", "")
    if "," in text and "." in text:
        # The later separator is the decimal one.
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        head, _, tail = text.rpartition(",")
        text = text.replace(",", "") if len(tail) == 3 and head else text.replace(",", ".")
    try:
        return float(text)
    except ValueError:
        return None


def whole(value: Any) -> int | None:
    """A count from 5234, "5234", "5,234 In Stock"; None if there is none."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value)
    match = re.search(r"\d[\d,.' ]*", str(value))
    if match is None:
        return None
    digits = re.sub(r"[^\d]", "", match.group(0))
    return int(digits) if digits else None


def text(value: Any) -> str | None:
    """Trimmed text, or None for blanks and non-text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        return None
    cleaned = " ".join(value.split())
    return cleaned or None


def dig(data: Any, *path: str | int) -> Any:
    """data[a][b][c] or None when any step is missing or of the wrong kind."""
    for step in path:
        if isinstance(step, int):
            if not isinstance(data, list) or len(data) <= step:
                return None
        elif not isinstance(data, dict):
            return None
        data = data[step] if isinstance(step, int) else data.get(step)
    return data
