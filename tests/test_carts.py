"""The cart files: each supplier's upload columns, lines of one number merged, no formula from a BOM's text."""

from __future__ import annotations

import pytest

from makermatrix_edge.suppliers import catalogue
from makermatrix_edge.suppliers.carts import FORMATS, CartLine, cart_file


def _rows(supplier: str, lines: list[CartLine]) -> list[str]:
    return cart_file(supplier, lines, "Board A").content.decode("utf-8-sig").splitlines()


def test_every_supplier_of_the_catalogue_has_its_format() -> None:
    assert set(FORMATS) == set(catalogue.KEYS)
    with pytest.raises(KeyError):
        cart_file("farnell", [CartLine("X", 1)], "x")


def test_lines_of_one_number_are_merged_with_both_references() -> None:
    rows = _rows("digikey", [CartLine("311-1.00KCRCT-ND", 4, reference="R1"),
                             CartLine("311-1.00kcrct-nd", 6, reference="R7")])  # fmt: skip
    assert rows == ["Quantity,Part Number,Customer Reference", '10,311-1.00KCRCT-ND,"R1, R7"']
    made = cart_file("mouser", [CartLine("454-W25Q32JWSSIQ", 3, "W25Q32JWSSIQ", "Winbond", "U4")], "Board A!")
    assert made.filename == "board-a-mouser-cart.csv" and made.content.startswith(b"\xef\xbb\xbf")
    assert made.content.decode("utf-8-sig").splitlines()[1] == "454-W25Q32JWSSIQ,W25Q32JWSSIQ,Winbond,U4,3"


def test_a_cell_a_spreadsheet_would_run_is_written_as_text() -> None:
    rows = _rows("lcsc", [CartLine("C2040", 2, '=HYPERLINK("http://x")', "@SUM(A1)", "+R1", "-cmd|calc")])
    assert rows[1] == '2,C2040,"\'=HYPERLINK(""http://x"")",\'@SUM(A1),\'+R1,\'-cmd|calc'
    assert _rows("lcsc", [CartLine("C2040", 2, description="-10% tolerance")])[1].endswith(",-10% tolerance")
