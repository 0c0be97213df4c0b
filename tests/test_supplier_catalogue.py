"""The supplier catalogue is the one list: settings, clients, order formats and names all agree with it."""

from __future__ import annotations

import pytest

from makermatrix_edge.orders.importers import FORMATS, supplier_key
from makermatrix_edge.orders.importers.base import Format
from makermatrix_edge.orders.planning import DISPLAY_SUPPLIER
from makermatrix_edge.settings import SupplierSection, SuppliersSettings, subsection_types
from makermatrix_edge.suppliers import catalogue, parse
from makermatrix_edge.suppliers.base import SupplierClient


def test_every_supplier_has_its_settings_section_client_and_order_formats() -> None:
    assert catalogue.KEYS == ("lcsc", "digikey", "mouser")
    assert tuple(subsection_types(SuppliersSettings)) == catalogue.KEYS
    settings = SuppliersSettings()
    for supplier in catalogue.SUPPLIERS:
        section = settings.section(supplier.key)
        assert isinstance(section, SupplierSection)
        client = catalogue.load_class(supplier.client, SupplierClient)  # type: ignore[type-abstract]
        for key in client.credential_keys:  # an admin's credential is a key of the supplier's section too
            assert hasattr(section, key), f"{supplier.settings_section}.{key}"
        for ref in supplier.order_formats:
            assert catalogue.load(ref, Format).supplier == supplier.key
    assert list(FORMATS) == list(catalogue.KEYS)
    with pytest.raises(KeyError):
        settings.section("timeout_seconds")
    with pytest.raises(TypeError, match="is not a Format"):
        catalogue.load("makermatrix_edge.suppliers.catalogue:LCSC", Format)


def test_the_two_names_each_face_shows_are_kept_as_they_were() -> None:
    # Long: supplier status, capabilities, Suppliers page, order previews. Short: an imported part's
    # supplier field, the import message, the HTTP client's errors.
    assert [(s.display_name, s.short_name) for s in catalogue.SUPPLIERS] == [
        ("LCSC Electronics", "LCSC"),
        ("DigiKey", "DigiKey"),
        ("Mouser Electronics", "Mouser"),
    ]
    assert [f.display_name for f in FORMATS.values()] == ["LCSC Electronics", "DigiKey", "Mouser Electronics"]
    assert DISPLAY_SUPPLIER == {"lcsc": "LCSC", "digikey": "DigiKey", "mouser": "Mouser"}


@pytest.mark.parametrize(
    ("written", "part_field", "order_file"),
    [
        ("LCSC", "lcsc", "lcsc"),
        ("lcsc  Electronics", "lcsc", "lcsc"),
        ("Digi-Key", "digikey", "digikey"),
        ("digi key", "digikey", "digikey"),
        ("Mouser Electronics", "mouser", "mouser"),
        ("JLCPCB", "lcsc", "jlcpcb"),  # a JLCPCB part is an LCSC part; a JLCPCB export is no LCSC order file
        ("EasyEDA", "lcsc", "easyeda"),
        ("Farnell", None, "farnell"),
    ],
)
def test_written_names(written: str, part_field: str | None, order_file: str) -> None:
    assert parse.supplier_name(written) == part_field
    assert supplier_key(written) == order_file


@pytest.mark.parametrize(
    ("number", "supplier"),
    [
        ("C2040", "lcsc"),
        ("c2040", "lcsc"),
        ("C12345678901", None),
        ("311-1.00KCRCT-ND", "digikey"),
        ("296-1234-1-dkr", "digikey"),
        ("454-W25Q32JWSSIQ", "mouser"),
        ("W25Q32JWSSIQ", None),
        ("", None),
    ],
)
def test_supplier_numbers(number: str, supplier: str | None) -> None:
    assert parse.supplier_from_number(number) == supplier


def test_either() -> None:
    assert catalogue.either(["a"]) == "a"
    assert catalogue.either(["a", "b", "c"]) == "a, b or c"


def test_the_messages_that_name_every_supplier_read_as_before() -> None:
    from makermatrix_edge.web.suppliers import SupplierPanel

    panel = SupplierPanel(offers=[], last_fetch=None, supplier=None, can_enrich=True, is_admin=False)
    assert panel.known == "LCSC, DigiKey, Mouser"  # "Set the supplier (LCSC, DigiKey, Mouser) or its part number"
    names = catalogue.either([s.short_name for s in catalogue.SUPPLIERS])
    numbers = catalogue.either([s.example_number for s in catalogue.SUPPLIERS])
    assert (names, numbers) == ("LCSC, DigiKey or Mouser", "C2040, 311-1.00KCRCT-ND or 454-W25Q32JWSSIQ")
