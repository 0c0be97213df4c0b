"""What a BOM line or a shelf part says about itself: kind, value, package and ratings, as numbers.

A BOM writes "10k" + "R_0603_1608Metric", "100nF 50V" + "C_0402_1005Metric", "4k7", "10uF/25V"; the shelf
writes "10kΩ 0603 1% resistor" with properties {"resistance": "10kΩ", "package": "0603"}. Both are read
here into one `Spec`, with the unit-aware reader of inventory/units.py, so they compare as numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any, Literal

import msgspec

from makermatrix_edge.inventory import units

Kind = Literal["resistor", "capacitor", "inductor"]
KIND_UNIT: dict[str, str] = {"resistor": "Ω", "capacitor": "F", "inductor": "H"}
UNIT_KIND: dict[str, Kind] = {"Ω": "resistor", "F": "capacitor", "H": "inductor"}
VALUE_KEYS: dict[Kind, tuple[str, ...]] = {
    "resistor": ("resistance", "value"),
    "capacitor": ("capacitance", "value"),
    "inductor": ("inductance", "value"),
}
VOLTAGE_KEYS = ("voltage_rating", "voltage", "rated_voltage", "v_max")
POWER_KEYS = ("power_rating", "power", "power_max")
TOLERANCE_KEYS = ("tolerance",)

# Imperial chip sizes; KiCad's "R_0603_1608Metric" holds both, the imperial one first.
_CHIP = re.compile(r"(?<![0-9])(01005|0201|0402|0603|0805|1206|1210|1812|2010|2512)(?![0-9])")
_FRACTION_WATT = re.compile(r"(?<![0-9.])([0-9]+)\s*/\s*([0-9]+)\s*W\b", re.IGNORECASE)
_SPLIT = re.compile(r"[\s/,;]+")
_DESIGNATOR = re.compile(r"^([A-Za-z]+)")
_DESIGNATOR_KIND: dict[str, Kind] = {"R": "resistor", "C": "capacitor", "L": "inductor"}
_FOOTPRINT_KIND: tuple[tuple[re.Pattern[str], Kind], ...] = (
    (re.compile(r"^(?:resistor[^:]*:)?R_|^resistor|^R(?=[0-9]{4})", re.IGNORECASE), "resistor"),
    (re.compile(r"^(?:capacitor[^:]*:)?C_|^capacitor|^C(?=[0-9]{4})", re.IGNORECASE), "capacitor"),
    (re.compile(r"^(?:inductor[^:]*:)?L_|^inductor|^L(?=[0-9]{4})", re.IGNORECASE), "inductor"),
)
_CATEGORY_KIND: tuple[tuple[str, Kind], ...] = (
    ("resist", "resistor"),
    ("capacit", "capacitor"),
    ("induct", "inductor"),
)


class Spec(msgspec.Struct, frozen=True):
    kind: Kind | None = None
    value: float | None = None  # SI units of the kind (Ω, F, H)
    package: str | None = None  # "0603", or a folded package name such as "sot23"
    voltage: float | None = None
    power: float | None = None
    tolerance: float | None = None  # percent


def value_key(value: float) -> str:
    """Equal for 10000 and 1e4 and 10k read back (six significant digits)."""
    return f"{value:.6g}"


def package_of(text: str | None) -> str | None:
    """'R_0603_1608Metric' -> '0603'; 'Package_TO_SOT_SMD:SOT-23' -> 'sot23'; None when nothing is said."""
    if not text or not text.strip():
        return None
    chip = _CHIP.search(text)
    if chip:
        return chip.group(1)
    name = text.rsplit(":", 1)[-1]
    folded = re.sub(r"[^0-9a-z]", "", name.lower())
    return folded or None


def kind_from(designators: Iterable[str], footprint: str | None) -> Kind | None:
    """The kind a line's designators (R1, C3) or footprint (R_0603, Capacitor_SMD:...) say; None if unclear."""
    kinds: set[Kind | None] = set()
    for designator in designators:
        prefix = _DESIGNATOR.match(designator)
        if prefix and prefix.group(1).upper() in _DESIGNATOR_KIND:
            kinds.add(_DESIGNATOR_KIND[prefix.group(1).upper()])
        else:
            kinds.add(None)
    if len(kinds) == 1 and None not in kinds:
        return kinds.pop()
    for pattern, kind in _FOOTPRINT_KIND:
        if footprint and pattern.search(footprint.strip()):
            return kind
    return None


def _ratings(tokens: list[units.Measure]) -> dict[str, float]:
    out: dict[str, float] = {}
    for m in tokens:
        if m.value is None or m.condition is not None:
            continue
        if m.unit == "V" and "voltage" not in out:
            out["voltage"] = abs(m.value)
        elif m.unit == "W" and "power" not in out:
            out["power"] = abs(m.value)
        elif m.unit == "%" and "tolerance" not in out:
            out["tolerance"] = abs(m.value)
    return out


def read_value(text: str | None, kind: Kind | None) -> Spec | None:
    """A BOM value such as '10k', '4k7', '100nF 50V X7R', '10uF/25V', '10k 1% 1/4W' as a Spec; None if no value.

    A number without a unit takes the kind's unit ("10k" on a resistor is 10 kΩ). The kind comes from the
    unit when the designator and footprint did not give one.
    """
    if not text or not text.strip():
        return None
    body = text.strip()
    extra: dict[str, float] = {}
    fraction = _FRACTION_WATT.search(body)
    if fraction and int(fraction.group(2)):
        extra["power"] = int(fraction.group(1)) / int(fraction.group(2))
        body = body[: fraction.start()] + " " + body[fraction.end() :]
    # "0603" beside a value is a package, not 603 of anything
    words = [t for t in _SPLIT.split(body) if t and not _CHIP.fullmatch(t)]
    measures = [m for m in (units.parse(t) for t in words) if m is not None]
    main = None
    for m in measures:
        if m.value is not None and m.unit in (None, "Ω", "F", "H") and m.low == m.high:
            main = m
            break
    if main is None or main.value is None:
        return None
    if main.unit is not None:
        if kind is not None and UNIT_KIND[main.unit] != kind:
            return None  # "100nF" on a resistor's line: not something to match on
        kind = UNIT_KIND[main.unit]
    if kind is None:
        return None
    ratings = _ratings([m for m in measures if m is not main]) | extra
    return Spec(
        kind=kind,
        value=abs(main.value),
        voltage=ratings.get("voltage"),
        power=ratings.get("power"),
        tolerance=ratings.get("tolerance"),
    )


def shelf_kind(categories: Iterable[str], properties: Mapping[str, Any]) -> Kind | None:
    for name in categories:
        folded = name.lower()
        for word, kind in _CATEGORY_KIND:
            if word in folded:
                return kind
    for kind, keys in VALUE_KEYS.items():
        if isinstance(properties.get(keys[0]), str):
            return kind
    return None


class Reader:
    """units.parse with a memory: a shelf writes the same few hundred values on thousands of parts."""

    def __init__(self) -> None:
        self._seen: dict[str, units.Measure | None] = {}

    def parse(self, text: str) -> units.Measure | None:
        if text not in self._seen:
            self._seen[text] = units.parse(text)
        return self._seen[text]

    def si(self, text: str, unit: str) -> float | None:
        """As units.si_value: the magnitude in `unit` (a plain number taken in it), None otherwise."""
        m = self.parse(text)
        if m is None or m.low is None or m.high is None or m.unit not in (None, unit):
            return None
        return max(abs(m.low), abs(m.high))

    def first(self, properties: Mapping[str, Any], keys: tuple[str, ...], unit: str) -> float | None:
        for key in keys:
            raw = properties.get(key)
            if isinstance(raw, str) and (v := self.si(raw, unit)) is not None:
                return v
        return None


def _numeric_words(texts: Iterable[str | None]) -> list[str]:
    """The words that can be a quantity ("10kΩ", "±1%", "250mW"): reading every word costs too much."""
    return [w for t in texts if t for w in _SPLIT.split(t) if w and (w[0].isdigit() or w[0] in "±+.")]


def shelf_spec(
    categories: Iterable[str],
    properties: Mapping[str, Any],
    texts: Iterable[str | None],
    package: str | None,
    reader: Reader,
) -> Spec | None:
    """What a part on the shelf is (kind, value, package), from its categories, properties, spec and text.

    Its ratings are read by `shelf_ratings`, only when a line asks for one.
    """
    kind = shelf_kind(categories, properties)
    if kind is None:
        return None
    unit = KIND_UNIT[kind]
    value = reader.first(properties, VALUE_KEYS[kind], unit)
    if value is None:
        for word in _numeric_words(texts):
            m = reader.parse(word)
            if m is not None and m.value is not None and m.unit == unit:
                value = abs(m.value)
                break
    if value is None:
        return None
    prop_package = properties.get("package")
    found_package = package_of(package or (prop_package if isinstance(prop_package, str) else None))
    if found_package is None:
        found_package = next((p for t in texts if t and (p := _chip_only(t))), None)
    return Spec(kind=kind, value=value, package=found_package)


def shelf_ratings(spec: Spec, properties: Mapping[str, Any], texts: Iterable[str | None], reader: Reader) -> Spec:
    """`spec` with its ratings: from the properties, else from the name and description."""
    voltage = reader.first(properties, VOLTAGE_KEYS, "V")
    power = reader.first(properties, POWER_KEYS, "W")
    tolerance = reader.first(properties, TOLERANCE_KEYS, "%")
    if voltage is None or power is None or tolerance is None:
        found = _ratings([m for m in (reader.parse(w) for w in _numeric_words(texts)) if m is not None])
        voltage = voltage if voltage is not None else found.get("voltage")
        power = power if power is not None else found.get("power")
        tolerance = tolerance if tolerance is not None else found.get("tolerance")
    return msgspec.structs.replace(spec, voltage=voltage, power=power, tolerance=tolerance)


def _chip_only(text: str) -> str | None:
    chip = _CHIP.search(text)
    return chip.group(1) if chip else None


def describe(spec: Spec, footprint: str | None = None) -> str:
    """'10 kΩ 0603 resistor' for reasons shown to a person (a package other than a chip size as the BOM wrote it)."""
    parts = []
    if spec.value is not None and spec.kind is not None:
        parts.append(engineering(spec.value, KIND_UNIT[spec.kind]))
    if spec.package:
        chip = spec.package.isdigit()
        parts.append(spec.package if chip or not footprint else footprint.rsplit(":", 1)[-1])
    if spec.kind:
        parts.append(spec.kind)
    return " ".join(parts)


_ENGINEERING = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"), (1e-12, "p"))


def engineering(value: float, unit: str) -> str:
    """10000, 'Ω' -> '10 kΩ'; 1e-7, 'F' -> '100 nF'."""
    if value == 0:
        return f"0 {unit}"
    for scale, prefix in _ENGINEERING:
        if abs(value) >= scale * 0.999999:
            return f"{value / scale:.4g} {prefix}{unit}"
    return f"{value:.3g} {unit}"
