"""The suppliers this daemon knows: one entry each, read by order import, enrichment, settings and the faces.

Pure data (the standard library only), so the order importers above and the enrichment clients
beside it can both read it. The code that belongs to a supplier is named, not imported: `client`
and `order_formats` are "module:attribute" references that the layer owning them loads
(`load`), so this module never imports a service. Adding a supplier is one entry here, its
client module, its order-file module, and its settings section ([suppliers.<key>]).

Two names per supplier, on purpose (the faces answered this way before the catalogue, and an
answer does not move): `display_name` is the long one ("LCSC Electronics": the supplier status and
capabilities, the Suppliers page, order previews, the enrichment messages); `short_name` is what
an imported part's supplier field holds and what the supplier's HTTP errors start with ("LCSC").
The web page's "Fetch details from LCSC" is the key in capitals.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Final, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Supplier:
    key: str  # our name: API paths, task parameters, stored offers, the settings section [suppliers.<key>]
    display_name: str  # the long name (see the module doc)
    short_name: str  # the short name (see the module doc)
    # Names people and order files write for it (lower case, single spaces); the key is one of them.
    aliases: tuple[str, ...]
    # Names a part's supplier field may carry that mean this supplier's catalogue, but that name none of
    # its order files (a JLCPCB part is an LCSC part; a JLCPCB order export is not an LCSC order file).
    part_aliases: tuple[str, ...]
    # What its own part numbers look like (searched, so each anchors itself); the first supplier matching wins.
    number_patterns: tuple[re.Pattern[str], ...]
    number_hint: str  # the same, in words
    example_number: str
    client: str  # "module:Class" of its enrichment client (a suppliers.base.SupplierClient)
    order_formats: tuple[str, ...]  # "module:FORMAT" of each order-file layout it owns (an importers.base.Format)

    @property
    def settings_section(self) -> str:
        return f"suppliers.{self.key}"

    def owns_number(self, number: str) -> bool:
        return any(p.search(number) for p in self.number_patterns)


LCSC_NUMBER: Final = re.compile(r"^C\d{1,10}$", re.IGNORECASE)

LCSC: Final = Supplier(
    key="lcsc",
    display_name="LCSC Electronics",
    short_name="LCSC",
    aliases=("lcsc", "lcsc electronics"),
    part_aliases=("jlcpcb", "easyeda"),
    number_patterns=(LCSC_NUMBER,),
    number_hint="C followed by digits, e.g. C2040",
    example_number="C2040",
    client="makermatrix_edge.suppliers.lcsc:LcscClient",
    order_formats=("makermatrix_edge.orders.importers.lcsc:FORMAT",),
)
DIGIKEY: Final = Supplier(
    key="digikey",
    display_name="DigiKey",
    short_name="DigiKey",
    aliases=("digikey", "digi-key", "digi key"),
    part_aliases=(),
    number_patterns=(re.compile(r"-(ND|CT|DKR|TR)$", re.IGNORECASE),),
    number_hint="ending -ND, -CT or -DKR, e.g. 311-1.00KCRCT-ND (manufacturer numbers work too)",
    example_number="311-1.00KCRCT-ND",
    client="makermatrix_edge.suppliers.digikey:DigiKeyClient",
    order_formats=("makermatrix_edge.orders.importers.digikey:FORMAT",),
)
MOUSER: Final = Supplier(
    key="mouser",
    display_name="Mouser Electronics",
    short_name="Mouser",
    aliases=("mouser", "mouser electronics"),
    part_aliases=(),
    number_patterns=(re.compile(r"^\d{2,3}-\S+$"),),
    number_hint="a 2-3 digit prefix and a dash, e.g. 454-W25Q32JWSSIQ (manufacturer numbers work too)",
    example_number="454-W25Q32JWSSIQ",
    client="makermatrix_edge.suppliers.mouser:MouserClient",
    order_formats=("makermatrix_edge.orders.importers.mouser:FORMAT",),
)

SUPPLIERS: Final[tuple[Supplier, ...]] = (LCSC, DIGIKEY, MOUSER)  # this order is the order every list shows
KEYS: Final = tuple(s.key for s in SUPPLIERS)


def get(key: str) -> Supplier:
    """The entry for a key; KeyError for an unknown one (callers answer that in their own words)."""
    for supplier in SUPPLIERS:
        if supplier.key == key:
            return supplier
    raise KeyError(key)


def normalised(name: str) -> str:
    """How a written name is compared: lower case, single spaces ('Digi-Key ' and 'digi-key' are one)."""
    return " ".join(name.strip().lower().split())


def by_alias(name: str, *, parts: bool) -> Supplier | None:
    """The supplier a written name means; with parts=True also the names only a part's field uses."""
    wanted = normalised(name)
    for supplier in SUPPLIERS:
        if wanted in supplier.aliases or (parts and wanted in supplier.part_aliases):
            return supplier
    return None


def by_number(number: str) -> Supplier | None:
    """The supplier whose own numbers look like this one (Cnnnn, ...-ND, 454-...); None for any other."""
    n = number.strip()
    return next((s for s in SUPPLIERS if s.owns_number(n)), None)


def either(words: list[str]) -> str:
    """'a, b or c' for the lists the messages name."""
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


def _resolve(ref: str) -> object:
    module, _, attribute = ref.partition(":")
    return getattr(importlib.import_module(module), attribute)


def load(ref: str, kind: type[T]) -> T:
    """The object a "module:attribute" reference names, checked to be a `kind`.

    Called by the layer that owns the module (the importers for formats, the registry for clients),
    so the import runs where the layers allow it; a wrong reference fails at start, naming itself.
    """
    found = _resolve(ref)
    if not isinstance(found, kind):
        raise TypeError(f"{ref} is not a {kind.__name__}")
    return found


def load_class(ref: str, base: type[T]) -> type[T]:
    """The class a "module:Class" reference names, checked to be a subclass of `base`."""
    found = _resolve(ref)
    if not (isinstance(found, type) and issubclass(found, base)):
        raise TypeError(f"{ref} is not a {base.__name__}")
    return found
