"""A short, readable name for an imported part, made from the order file's description.

A person looks for "100 nF 0603 capacitor", not "CL10B104KB8NNNC": the name is what the phone's
lists show. Suppliers write descriptions for their catalogues, each in its own way (real lines,
tests/test_order_naming.py):

- LCSC: "<values> <package> <category> ROHS" ("50V 100nF X7R ±10% 0603 Multilayer Ceramic
  Capacitors MLCC - SMD/SMT ROHS");
- DigiKey: upper-case abbreviations ("CAP CER 0.1UF 50V X7R 0805", "RES 47K OHM 1% 1/4W 1206");
- Mouser: the category twice, then the text ("NOR Flash NOR Flash 128Mb, 3V, 108Mhz SPI NOR Flash").

Capacitors, resistors, inductors and crystals are known by their value, so their name is built
value first ("100 nF 50 V X7R 0603 ceramic capacitor") and they get that category; anything else
keeps its description, cleaned of what every line repeats (ROHS, the package again, temperature
ranges) and cut at a word near MAX_NAME (a long LCSC one with its closing category put first, so
the cut keeps it). The manufacturer's number stays in its own field; the planner appends it when
a name is taken (orders/planning.py).
"""

from __future__ import annotations

import re

MAX_NAME = 60
_NUMBER = r"(\d+(?:[.,]\d+)?)"
_EMPTY = {"", "-", "none", "n/a", "na"}
_SIZE_CODE = re.compile(r"^(0201|0402|0603|0805|1008|1206|1210|1812|2010|2512)$")
_SIZE_IN_TEXT = re.compile(r"\b(0201|0402|0603|0805|1206|1210|1812|2010|2512)\b")
_MICRO = {"u": "µ", "µ": "µ", "U": "µ", "p": "p", "P": "p", "n": "n", "N": "n", "m": "m", "M": "m", "": ""}


def _value_pattern(unit_pattern: str, prefixes: str) -> re.Pattern[str]:
    prefix = f"([{prefixes}]?)" if prefixes else "()"
    return re.compile(rf"(?<![\w.@~]){_NUMBER}\s*{prefix}\s*(?:{unit_pattern})(?![a-zA-Z@~])")


# Compiled once: an import names every new line, and a 100 000-line file must not wait on naming.
_FARAD = _value_pattern("F", "pnuµUPNmM")
_HENRY = _value_pattern("H", "pnuµUPNmM")
_VOLT = _value_pattern("V", "")
_HERTZ = _value_pattern("Hz|HZ|hz", "kKMm")
_OHM = re.compile(rf"(?<![\w.@]){_NUMBER}\s*([kKmM]?)\s*(?:Ω|OHMS?|ohms?)(?![a-zA-Z@])")
_TOLERANCE = re.compile(r"(?:±|\s|^)(\d+(?:\.\d+)?%)")
_DIELECTRIC = re.compile(r"\b(X7R|X5R|X7S|X6S|X8R|C0G/NP0|C0G|NP0|Y5V)\b", re.IGNORECASE)
_ROHS = re.compile(r"\bRO[Hh]S\b")
_TEMPERATURES = re.compile(r"-?\d+\s*[℃°]C?\s*~\s*\+?\d+\s*[℃°]C?")  # -40℃~+105℃
_PPM = re.compile(r"±?\d+ppm/[℃°]C?")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]+")  # CJK and full-width punctuation
_NONE = re.compile(r"\bNone\b")
_CONDITIONS = re.compile(r"[^\s@]*@\S*")  # test conditions ("1.1Ω@4.5V,0.3A") are datasheet detail, not a name
_ONE_CHANNEL = re.compile(r"\b1 (?:Piece )?(?=[NP]-[Cc]hannel)")
_SPACES = re.compile(r"\s+")


def _value(text: str, pattern: re.Pattern[str], unit: str) -> str | None:
    """The first "<number><prefix><unit>" in the text, written "4.7 µF" (None when absent)."""
    found = pattern.search(text)
    if found is None:
        return None
    number = found.group(1).replace(",", ".")
    return f"{number} {_MICRO.get(found.group(2), found.group(2))}{unit}"


def _resistance(text: str) -> str | None:
    # "1kΩ", "17.8kΩ", "0Ω", "10K OHM", "10KOHM", "0.33ohm"; the "@10V" of a MOSFET's on-resistance is not one.
    found = _OHM.search(text)
    if found is None or "@" in text[found.end() : found.end() + 1]:
        return None
    prefix = {"k": "k", "K": "k", "m": "m", "M": "M"}.get(found.group(2), "")
    return f"{found.group(1).replace(',', '.')} {prefix}Ω"


def _tolerance(text: str) -> str | None:
    found = _TOLERANCE.search(text)
    return found.group(1) if found else None


def _size(text: str, package: str | None) -> str | None:
    """An SMD size code ("0603") from the package column or the text; a long package text is left out."""
    if package and _SIZE_CODE.match(package.strip()):
        return package.strip()
    found = _SIZE_IN_TEXT.search(text)
    return found.group(1) if found else None


def _join(*parts: str | None) -> str:
    return " ".join(p for p in parts if p)


def _capacitor(text: str, lower: str, package: str | None) -> str | None:
    if "capacitor" not in lower and not lower.startswith("cap "):
        return None
    value = _value(text, _FARAD, "F")
    if value is None:
        return None
    voltage = _value(text, _VOLT, "V")
    dielectric = _DIELECTRIC.search(text)
    if "electrolytic" in lower or "cap alum" in lower:
        kind = "aluminium electrolytic capacitor"
    elif "tantalum" in lower or "cap tant" in lower:
        kind = "tantalum capacitor"
    elif "ceramic" in lower or "cap cer" in lower or "mlcc" in lower:
        kind = "ceramic capacitor"
    else:
        kind = "capacitor"
    d = dielectric.group(1).upper() if dielectric else None
    return _join(value, voltage, d, _size(text, package), kind)


def _resistor(text: str, lower: str, package: str | None) -> str | None:
    if "thermistor" in lower:
        kind = "NTC thermistor" if "ntc" in lower else "thermistor"
    elif "res array" in lower or "resistor network" in lower or "resistor array" in lower:
        kind = "resistor array"
    elif "resistor" in lower or lower.startswith("res "):
        kind = "resistor"
    else:
        return None
    value = _resistance(text)
    if value is None:
        return None
    return _join(value, _tolerance(text) if kind == "resistor" else None, _size(text, package), kind)


def _inductor(text: str, lower: str, package: str | None) -> str | None:
    if "inductor" not in lower and not lower.startswith("ind "):
        return None
    value = _value(text, _HENRY, "H")
    return _join(value, _size(text, package), "power inductor" if "power" in lower else "inductor") if value else None


def _crystal(text: str, lower: str, package: str | None) -> str | None:
    if "crystal" not in lower and "resonator" not in lower:
        return None
    value = _value(text, _HERTZ, "Hz")
    if value is None:
        return None
    value = value.replace(" kHz", " kHz").replace(" KHz", " kHz").replace(" mHz", " MHz")
    return _join(value, "ceramic resonator" if "resonator" in lower else "crystal")


# Each value-named kind with the category its parts get (a category only where the kind is sure).
_VALUED = ((_capacitor, "Capacitors"), (_resistor, "Resistors"), (_inductor, "Inductors"), (_crystal, "Crystals"))


def _once(text: str) -> str:
    """Mouser writes the category twice ("NOR Flash NOR Flash 4 Mbit"): keep it once."""
    words = text.split()
    for k in range(min(len(words) // 2, 8), 0, -1):
        if words[:k] == words[k : 2 * k]:
            return " ".join(words[k:])
    return text


def _cleaned(text: str, package: str | None) -> str:
    text = _once(text)
    if package and len(package) > 2 and package.lower() not in _EMPTY:
        text = text.replace(package, " ")
    text = _ROHS.sub(" ", text) if "RO" in text else text
    if not text.isascii():
        if "℃" in text or "°" in text:
            text = _PPM.sub(" ", _TEMPERATURES.sub(" ", text))
        text = _CJK.sub(" ", text)
    text = _NONE.sub(" ", text) if "None" in text else text
    if "@" in text:
        text = _CONDITIONS.sub(" ", text)
    if "hannel" in text:
        text = _ONE_CHANNEL.sub("", text)
    return _SPACES.sub(" ", text).strip(" ,;/-")


def _kind_last(text: str) -> str | None:
    """LCSC ends a description with its category in capitals ("... Brass Wire To Board Connector"): that
    phrase, when the text before it is long, so a cut keeps what the part is."""
    words = text.split()
    run = 0
    for word in reversed(words):
        head = word.lstrip("(")
        acronym = word.isupper() and "-" not in word and not word.startswith("(")
        if not head[:1].isupper() or any(c.isdigit() for c in word) or acronym:
            break  # "1A", "SPST": a value or an acronym, not the category's words ("DC-DC", "(LDO)" are)
        run += 1
        if run == 6:
            break
    if run < 2 or run == len(words):  # a category is two words or more ("Pin Headers")
        return None
    return " ".join(words[-run:])


def _short(text: str, kind_last: bool) -> str:
    if len(text) <= MAX_NAME:
        return text
    kind = _kind_last(text) if kind_last else None
    if kind and len(kind) < MAX_NAME // 2:
        text = f"{kind} {text[: -len(kind)].strip()}"
    cut = text[: MAX_NAME + 1].rsplit(" ", 1)[0].rstrip(" ,;/-(")
    return cut if len(cut) >= MAX_NAME // 2 else text[:MAX_NAME].rstrip()


def named(description: str | None, package: str | None = None) -> tuple[str | None, str | None]:
    """(short name, category) for a line's description; (None, None) when the file says nothing usable."""
    text = " ".join((description or "").split())
    if text.lower() in _EMPTY:
        return None, None
    cleaned = _cleaned(text, package)
    lower = cleaned.lower()
    for build, category in _VALUED:
        built = build(cleaned, lower, package)
        if built:
            return built, category
    # Mouser starts with its category (written twice): only a description that did not is turned round.
    return _short(cleaned, kind_last=_once(text) == text) or None, None


def readable_name(description: str | None, package: str | None = None) -> str | None:
    """The short name for a line's description; None when the file says nothing usable."""
    return named(description, package)[0]
