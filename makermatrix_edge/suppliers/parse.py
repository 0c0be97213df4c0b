"""Reading what suppliers send: prices like "$0.80", stock like "5,234 In Stock", numbers as strings; detection."""

from __future__ import annotations

import re
from typing import Any

_LCSC = re.compile(r"^C\d{1,10}$", re.IGNORECASE)
_DIGIKEY = re.compile(r"-(ND|CT|DKR|TR)$", re.IGNORECASE)
_MOUSER = re.compile(r"^\d{2,3}-\S+$")
_NUMBER = re.compile(r"[-+]?\d[\d.,' ]*")
# Names people and order files use for a supplier -> our name.
_ALIASES = {
    "lcsc": "lcsc",
    "lcsc electronics": "lcsc",
    "jlcpcb": "lcsc",
    "easyeda": "lcsc",
    "digikey": "digikey",
    "digi-key": "digikey",
    "digi key": "digikey",
    "mouser": "mouser",
    "mouser electronics": "mouser",
}


def supplier_name(text: str | None) -> str | None:
    """Our name for a supplier as written in a part's supplier field ("Digi-Key" -> "digikey")."""
    if not text:
        return None
    return _ALIASES.get(" ".join(text.strip().lower().split()))


def supplier_from_number(number: str | None) -> str | None:
    """Cnnnn is LCSC; -ND/-CT/-DKR is DigiKey; a 2-3 digit prefix and a dash (454-W25Q32JWSSIQ) is Mouser."""
    if not number:
        return None
    n = number.strip()
    if _LCSC.match(n):
        return "lcsc"
    if _DIGIKEY.search(n):
        return "digikey"
    if _MOUSER.match(n):
        return "mouser"
    return None


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
