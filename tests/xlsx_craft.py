"""Hand-made .xlsx files: the zip and its XML written directly, so a test can say what no library would.

`crafted_xlsx` writes a workbook with one sheet, an optional declared dimension, shared strings
and rows given by row number (a gap between row numbers is how a file jumps to row 8 000).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "application/vnd.openxmlformats-officedocument.spreadsheetml"
DOC_RELS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"

MOUSER_HEADER = ["Sales Order #:", "Order Date:", "Mouser #:", "Mfr. #:", "Desc.:", "Order Qty.", "Price (USD)"]


def column(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(ref: str, value: str | int | float) -> str:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f'<c r="{ref}"><v>{value}</v></c>'


def sheet_xml(rows: dict[int, list[str | int | float]], dimension: str | None) -> str:
    body = "".join(
        f'<row r="{r}">' + "".join(cell(f"{column(i + 1)}{r}", v) for i, v in enumerate(values)) + "</row>"
        for r, values in sorted(rows.items())
    )
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">{dim}'
    return f"{head}<sheetData>{body}</sheetData></worksheet>"


def crafted_xlsx(
    rows: dict[int, list[str | int | float]],
    *,
    dimension: str | None = None,
    shared_strings: Iterable[str] = (),
    sheet: str | None = None,
) -> bytes:
    """A workbook whose sheet "Order Details" holds `rows` (or the `sheet` XML given whole)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{OFFICE}.sheet.main+xml"/>'
            f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{OFFICE}.worksheet+xml"/>'
            f'<Override PartName="/xl/sharedStrings.xml" ContentType="{OFFICE}.sharedStrings+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{RELS}"><Relationship Id="rId1" '
            f'Type="{DOC_RELS}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        archive.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{MAIN}" xmlns:r="{DOC_RELS}"><sheets>'
            '<sheet name="Order Details" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        archive.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC_RELS}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC_RELS}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>",
        )
        with archive.open("xl/sharedStrings.xml", "w") as strings:
            strings.write(f'<sst xmlns="{MAIN}">'.encode())
            batch: list[str] = []
            for text in shared_strings:
                batch.append(f"<si><t>{escape(text)}</t></si>")
                if len(batch) >= 10_000:
                    strings.write("".join(batch).encode())
                    batch.clear()
            strings.write(("".join(batch) + "</sst>").encode())
        archive.writestr("xl/worksheets/sheet1.xml", sheet if sheet is not None else sheet_xml(rows, dimension))
    return out.getvalue()


def mouser_line(n: int) -> list[str | int | float]:
    return ["271360826", "2024-02-01", f"595-NE555P-{n}", f"NE555P-{n}", "Timer IC", 10, 0.42]


def dimension_bomb(last_row: int = 8_000) -> bytes:
    """The issue's file: a Mouser header, a line, then a jump to `last_row`, declared A1:XFD1048576."""
    return crafted_xlsx(
        {1: list(MOUSER_HEADER), 2: mouser_line(1), last_row: mouser_line(2)}, dimension="A1:XFD1048576"
    )


def shared_strings_bomb(count: int = 2_000_000) -> bytes:
    """The issue's file: a small sheet that lists `count` shared strings (about 5 MB zipped)."""
    rows: dict[int, list[str | int | float]] = {1: list(MOUSER_HEADER), 2: mouser_line(1)}
    return crafted_xlsx(rows, shared_strings=(f"s{i:07d}" for i in range(count)))
