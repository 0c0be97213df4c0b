"""ISO/IEC 15434 "Format 06" with ECIA EIGP-114 data identifiers (DigiKey, Mouser, Farnell, reels).

Parse generically (header, separators, DI + value), then interpret per vendor: DigiKey's `30P`
beats `P` (which may be the customer's own reference), Mouser carries only `1P` + `1V`, Farnell
`3P`. Keyboard-wedge scanners lose or replace the separators; that input is normalised first.
"""

from __future__ import annotations

import re

from makermatrix_edge.codes.fields import ParsedCode, leading_int

GS, RS, EOT = "\x1d", "\x1e", "\x04"
# How scanners, browsers and decoders in HRI mode render the control characters.
_PICTURES = {
    "␝": GS,
    "␞": RS,
    "␄": EOT,
    "<GS>": GS,
    "<RS>": RS,
    "<EOT>": EOT,
    "↔": GS,  # CP437 glyphs of a scanner set to the wrong code page
    "▲": RS,
    "\uf70b": GS,  # Apple private-use keys sent by some Bluetooth scanners
    "\uf70c": RS,
}
_HEADER = re.compile(r"^[\s0>]*\[\)>(?P<rs>\x1e|\^)?(?P<fmt>0?6|0?5|@06)(?P<sep>[\x1d\]@]?)", re.IGNORECASE)
_FIELD = re.compile(r"^(\d{0,3})([A-Z])(.*)$", re.DOTALL)
_DIGIKEY_MARKS = ("11Z", "12Z", "13Z", "20Z")
# A DigiKey pick label whose separators were all dropped: fields in the order DigiKey prints them.
_DIGIKEY_UNSEPARATED = re.compile(
    r"^P(?P<P>.*?)1P(?P<_1P>.*?)(?:30P(?P<_30P>.*?))?K(?P<K>.*?)1K(?P<_1K>\d*?)10K(?P<_10K>\d*?)"
    r"(?:9D(?P<_9D>.*?))?(?:1T(?P<_1T>.*?))?11K(?P<_11K>\d*?)4L(?P<_4L>[A-Z]{2})Q(?P<Q>\d+?)"
    r"11Z(?P<_11Z>[A-Z]*?)12Z(?P<_12Z>\d*?)13Z(?P<_13Z>\d*?)(?:20Z(?P<_20Z>.*))?$",
    re.DOTALL,
)


def normalise_controls(text: str) -> str:
    for picture, char in _PICTURES.items():
        text = text.replace(picture, char)
    return text


def looks_like_15434(text: str) -> bool:
    return _HEADER.match(normalise_controls(text)) is not None


def split_fields(body: str, sep: str, *, wedge: bool) -> dict[str, str]:
    """`P…<sep>1P…` -> {"P": …, "1P": …}; the first occurrence of a DI wins, empty fields are kept."""
    out: dict[str, str] = {}
    for chunk in body.split(sep):
        chunk = chunk.split(RS, 1)[0]  # a stray RS inside a field ends it (old DigiKey labels)
        chunk = chunk.strip("\r\n")
        if not chunk:
            continue
        if wedge and len(chunk) > 0:
            # Wedge scanners flip the case of some letters: `q40` for `Q40`; DIs are upper case.
            digits = len(chunk) - len(chunk.lstrip("0123456789"))
            if digits < len(chunk):
                chunk = chunk[:digits] + chunk[digits].upper() + chunk[digits + 1 :]
        match = _FIELD.match(chunk)
        if match is None:
            continue
        number, letter, value = match.groups()
        di = f"{int(number)}{letter}" if number and int(number) else letter
        out.setdefault(di, value.strip())
    return out


def _unseparated(body: str) -> dict[str, str] | None:
    match = _DIGIKEY_UNSEPARATED.match(body)
    if match is None:
        return None
    return {k.lstrip("_"): v for k, v in match.groupdict().items() if v is not None}


def parse_15434(raw: str) -> ParsedCode | None:
    """Fields of a 15434 payload, or None when the text is not one."""
    text = normalise_controls(raw)
    header = _HEADER.match(text)
    if header is None:
        return None
    body = text[header.end() :]
    sep = header.group("sep")
    wedge = header.group("rs") == "^" or sep == "]"
    if header.group("fmt").startswith("@"):
        sep = "@"
    if not sep:
        sep = GS if GS in body else ("]" if wedge and "]" in body else "")
    if wedge:
        body = re.sub(r"\^[dD]$", EOT, body.rstrip("\r\n")).replace("^", RS)
    body = body.rstrip("\r\n").removesuffix(EOT).rstrip(RS)
    confidence = "high"
    if sep:
        fields = split_fields(body, sep, wedge=wedge)
    else:
        unseparated = _unseparated(body)
        if unseparated is None:
            return ParsedCode(kind="unrecognised", format="iso15434", confidence="low", raw=raw)
        fields, confidence = unseparated, "low"
    return interpret(fields, raw, confidence)


def interpret(fields: dict[str, str], raw: str, confidence: str = "high") -> ParsedCode:
    """Who printed the label decides what `P`, `1P` and `30P` mean."""
    p, p1, p30 = fields.get("P") or None, fields.get("1P") or None, fields.get("30P") or None
    supplier: str | None = None
    spn: str | None = None
    mpn = p1
    order = fields.get("1K") or fields.get("K") or None
    if any(m in fields for m in _DIGIKEY_MARKS) or (p or "").endswith("-ND") or (p30 or "").endswith("-ND"):
        supplier = "DigiKey"
        spn = p30 or (p if p and p.endswith("-ND") else None)
    elif "14K" in fields or "1V" in fields:
        supplier = "Mouser"  # Mouser's own SKU is not in the code: MPN (+ manufacturer) only
        order = fields.get("11K") or fields.get("K") or None
    elif fields.get("3P"):
        supplier, spn = "Farnell", fields["3P"]
        order = fields.get("K") or None
    elif p30 and (p1 is None or p1.isdigit()):
        mpn = p30  # NXP reels: 30P is the type number, 1P the numeric 12NC
    date = next((fields[d] for d in ("9D", "10D", "16D", "D") if fields.get(d)), None)
    return ParsedCode(
        kind="supplier_label",
        format="iso15434",
        supplier=supplier,
        supplier_part_number=spn,
        manufacturer_part_number=mpn,
        manufacturer=fields.get("1V") or None,
        quantity=leading_int(fields.get("Q")),
        order_number=order,
        lot_code=fields.get("1T") or None,
        date_code=date,
        country=fields.get("4L") or None,
        confidence="low" if confidence == "low" else "high",
        fields=fields,
        raw=raw,
    )
