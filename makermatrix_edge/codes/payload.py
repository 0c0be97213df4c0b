"""Payload parsing: the text of one code in, its fields out. Pure; garbage gives "unrecognised", never raises."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from makermatrix_edge.codes.eigp import parse_15434
from makermatrix_edge.codes.fields import ParsedCode, leading_int, unrecognised

MAX_PAYLOAD = 4000
MAX_SEARCH_TEXT = 200
_UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_MM = re.compile(rf"^MM:({_UUID})$", re.IGNORECASE)
_OWN_URL = re.compile(r"/(p|l|t)/([A-Za-z0-9][A-Za-z0-9_-]{0,63})/?$")  # our part, location, tool pages
_LCSC_SPLIT = re.compile(r",\s*(?=[A-Za-z][A-Za-z0-9_]*\s*:)")
_LCSC_KEYS = {"pc", "pm", "qty", "on", "pbn", "productcode", "orderno", "pickerno"}
_TME_DI = re.compile(r"^(\d{0,2})([A-Z])(\S*)$")
_REEL = re.compile(r"^([A-Z0-9]{4,12})/([A-Z0-9][A-Z0-9.,+_-]{3,40})/(\d{4})/(\d{1,9})$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def parse_payload(raw: str) -> ParsedCode:
    """What one scanned code says. Never raises."""
    try:
        return _parse(raw)
    except Exception:  # a parser bug must not take a scan down; the raw text is still shown
        return unrecognised(raw)


def _parse(raw: str) -> ParsedCode:
    text = raw.strip().lstrip("\ufeff∠")  # Chrome prepends ∠ to some wedge input
    if not text or len(text) > MAX_PAYLOAD:
        return unrecognised(raw)
    found = parse_15434(text)
    if found is not None:
        return found
    for parser in (_own_label, _lcsc, _tme_qr, _tme_datamatrix, _reel):
        parsed = parser(text, raw)
        if parsed is not None:
            return parsed
    if _CONTROL.search(text) or len(text) > MAX_SEARCH_TEXT or not text.isprintable():
        return unrecognised(raw)
    return ParsedCode(kind="text", format="text", raw=raw)


def _own_label(text: str, raw: str) -> ParsedCode | None:
    mm = _MM.match(text)
    if mm:
        return ParsedCode(kind="makermatrix", format="mm", entity_id=mm.group(1).lower(), raw=raw)
    if not text.lower().startswith(("http://", "https://")):
        return None
    try:
        path = urlsplit(text).path
    except ValueError:
        return None
    match = _OWN_URL.search(path)
    if match is None:
        return None
    if match.group(1) == "p":
        return ParsedCode(kind="own_part", format="own_url", entity_id=match.group(2), raw=raw)
    if match.group(1) == "t":
        return ParsedCode(kind="own_tool", format="own_url", entity_id=match.group(2), raw=raw)
    return ParsedCode(kind="own_location", format="own_url", entity_id=match.group(2), raw=raw)


def _lcsc(text: str, raw: str) -> ParsedCode | None:
    if not (text.startswith("{") and text.endswith("}")) or '"' in text:
        return None  # JSON labels (InvenTree's) quote their keys
    fields: dict[str, str] = {}
    for item in _LCSC_SPLIT.split(text[1:-1]):
        key, sep, value = item.partition(":")
        if not sep:
            return None
        fields.setdefault(key.strip().lower(), value.strip())
    if not _LCSC_KEYS & fields.keys():
        return None
    code = fields.get("pc") or fields.get("productcode") or None
    mpn = fields.get("pm") or None
    if code is None and mpn is None:
        return None
    return ParsedCode(
        kind="supplier_label",
        format="lcsc",
        supplier="LCSC" if code else None,
        supplier_part_number=code,
        manufacturer_part_number=mpn,
        quantity=leading_int(fields.get("qty")),
        order_number=fields.get("on") or fields.get("orderno") or None,
        lot_code=fields.get("pbn") or fields.get("pickerno") or None,
        fields=fields,
        raw=raw,
    )


def _tme_qr(text: str, raw: str) -> ParsedCode | None:
    tokens = text.split()
    fields: dict[str, str] = {}
    for token in tokens:
        key, sep, value = token.partition(":")
        if sep and key.isalpha() and not key.lower().startswith("http"):
            fields.setdefault(key.upper(), value)
    if "tme.eu" not in text.lower() and not {"PN", "QTY"} <= fields.keys():
        return None
    if not fields.get("PN") and not fields.get("MPN"):
        return None
    return ParsedCode(
        kind="supplier_label",
        format="tme_qr",
        supplier="TME",
        supplier_part_number=fields.get("PN") or None,
        manufacturer_part_number=fields.get("MPN") or None,
        manufacturer=fields.get("MFR") or None,
        quantity=leading_int(fields.get("QTY")),
        order_number=(fields.get("PO") or "").split("/")[0] or None,
        country=fields.get("COO") or None,
        fields=fields,
        raw=raw,
    )


def _tme_datamatrix(text: str, raw: str) -> ParsedCode | None:
    """Old TME DataMatrix: `P<symbol> 1P<mpn> Q<qty> [4L<coo>] K<order>/<line>`."""
    fields: dict[str, str] = {}
    for token in text.split():
        match = _TME_DI.match(token)
        if match is None:
            return None
        number, letter, value = match.groups()
        fields.setdefault(f"{int(number)}{letter}" if number and int(number) else letter, value)
    if not ({"P", "Q", "K"} <= fields.keys() and "/" in fields["K"]):
        return None
    return ParsedCode(
        kind="supplier_label",
        format="tme_dm",
        supplier="TME",
        supplier_part_number=fields["P"] or None,
        manufacturer_part_number=fields.get("1P") or None,
        quantity=leading_int(fields["Q"]),
        order_number=fields["K"].split("/")[0] or None,
        country=fields.get("4L") or None,
        fields=fields,
        raw=raw,
    )


def _reel(text: str, raw: str) -> ParsedCode | None:
    """Samsung reel QR: lot/MPN/date/qty."""
    match = _REEL.match(text)
    if match is None:
        return None
    lot, mpn, date, qty = match.groups()
    return ParsedCode(
        kind="supplier_label",
        format="reel",
        manufacturer_part_number=mpn,
        quantity=leading_int(qty),
        lot_code=lot,
        date_code=date,
        confidence="low",
        fields={"lot": lot, "mpn": mpn, "date": date, "qty": qty},
        raw=raw,
    )


def receipt_key(raw: str) -> str:
    """The bag's identity for the receive-twice rule: the payload without control characters and spaces."""
    text = unquote(raw) if raw.lower().startswith("http") else raw
    return re.sub(r"[\s\x00-\x1f\x7f␝␞␄]", "", text)
