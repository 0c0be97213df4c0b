"""Pure label rendering: exact dots per label size, auto-fit that never overflows, placeholders, QR."""

from __future__ import annotations

import msgspec
import pytest
import zxingcpp
from PIL import Image

from makermatrix_edge.errors import InvalidInput
from makermatrix_edge.labels.render import ELLIPSIS, fill, fit_text, render
from makermatrix_edge.labels.templates import BUILTIN, BUILTIN_BY_ID, Template, TemplateBody, check

URL = "http://bench.local:8080/p/5b1f3c1e-1234-4c4d-8e8e-123456789abc"
VALUES = {"part_name": "Resistor 10k 0603", "part_number": "RC0603FR-0710KL", "location": "Drawer A2"}


def _template(**fields: object) -> Template:
    return msgspec.convert({"id": "t", "name": "t", **fields}, Template)


def _ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """Bounding box of the black dots."""
    return image.convert("L").point(lambda v: 255 - v).getbbox()


@pytest.mark.parametrize(
    ("template_id", "size"),
    [
        ("part-29x90", (306, 991)),
        ("part-17x54", (165, 566)),
        ("part-62x29", (696, 271)),
        ("location-29x90", (306, 991)),
    ],
)
def test_die_cut_labels_render_at_the_printers_exact_dots(template_id: str, size: tuple[int, int]) -> None:
    image = render(BUILTIN_BY_ID[template_id], VALUES, URL)
    assert image.mode == "1" and image.size == size


def test_endless_labels_take_the_tape_width_and_the_templates_length() -> None:
    assert render(BUILTIN_BY_ID["part-62"], VALUES, URL).size == (696, 709)  # 60 mm at 300 dpi
    assert render(BUILTIN_BY_ID["part-12"], VALUES, URL).size == (106, 472)  # 40 mm
    short = _template(label_size="62", length_mm=12.7)
    assert render(short, VALUES, None).size == (696, 150)  # the QL's shortest label


def test_rendering_is_deterministic() -> None:
    for template in BUILTIN:
        assert render(template, VALUES, URL).tobytes() == render(template, VALUES, URL).tobytes()


@pytest.mark.parametrize("template", BUILTIN, ids=[t.id for t in BUILTIN])
def test_qr_reads_back_as_the_parts_url(template: Template) -> None:
    image = render(template, VALUES, URL).convert("L")
    # a phone sees the label the right way round; the decoder copes with any rotation anyway
    found = [r.text for r in zxingcpp.read_barcodes(image)]
    assert found == [URL]


def test_long_text_shrinks_then_wraps_then_ellipsizes_and_never_leaves_the_label() -> None:
    template = _template(label_size="29x90", text="{part_name}\n{description}", qr_position="left", margin_px=8)
    long_values = {"part_name": "Very long part name " * 8, "description": "word " * 400}
    image = render(template, long_values, URL)
    left, top, right, bottom = _ink_box(image) or (0, 0, 0, 0)
    width, height = image.size
    assert left >= 8 - 1 and top >= 8 - 1 and right <= width - 8 + 1 and bottom <= height - 8 + 1


def test_fit_text_steps() -> None:
    t = _template(max_font_px=80, min_font_px=20, bold_first_line=False)
    short = fit_text(["Hi"], t, 500, 200)
    assert short[0].font.size == 80  # fits at the largest size
    shrunk = fit_text(["A fairly long line of text"], t, 500, 60)
    assert 20 <= shrunk[0].font.size < 80 and len(shrunk) == 1  # no room for two lines: it shrinks
    grown = fit_text(["A fairly long line of text"], t, 500, 200)
    assert len(grown) == 2 and grown[0].font.size >= 1.25 * shrunk[0].font.size  # room to wrap larger: it wraps
    wrapped = fit_text(["word " * 30], t, 300, 400)
    assert len(wrapped) > 1 and not any(line.text.endswith(ELLIPSIS) for line in wrapped)
    cut = fit_text(["word " * 300], t, 300, 100)
    assert cut and cut[-1].text.endswith(ELLIPSIS)
    assert all(line.font.getlength(line.text) <= 300 for line in cut)


def test_placeholders_fill_and_empty_lines_drop() -> None:
    text = "{part_name}\n{part_number}\n{prop:package} / {location}\n{qr}"
    assert fill(text, {"part_name": "LM317", "prop:package": "TO-220"}) == ["LM317", "TO-220 /"]


def test_unknown_placeholder_is_refused_by_name() -> None:
    with pytest.raises(InvalidInput, match=r"unknown placeholder '\{colour\}'"):
        check(TemplateBody(name="x", text="{part_name} {colour}"))
    with pytest.raises(InvalidInput, match="part_number"):
        check(TemplateBody(name="x", kind="location", text="{part_number}"))
    check(TemplateBody(name="ok", text="{prop:package} {qr} {location_path}"))
    with pytest.raises(InvalidInput, match="unknown label size"):
        check(TemplateBody(name="x", label_size="99x99"))


DOTS_PER_MM = 300 / 25.4


def test_the_default_62mm_part_label_prints_text_readable_at_arms_length(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 17 point 3: the 62 mm label's text was 1-2 mm high; it now uses the tape's width."""
    from makermatrix_edge.labels import render as render_module

    fitted: list[list[object]] = []

    def recording(*args: object) -> list[object]:
        block = fit_text(*args)  # type: ignore[arg-type]
        fitted.append(block)
        return block

    monkeypatch.setattr(render_module, "fit_text", recording)
    values = {
        "part_name": "10kΩ 0603 1% resistor",
        "part_number": "RC0603FR-0710KL",
        "location": "Workshop / Shelf 2 / Drawer B / Bin 7",
        "description": "Thick film chip resistor 0.1W 75V",
    }
    image = render(BUILTIN_BY_ID["part-62"], values, "http://bench.local:8080/p/1")
    first, *rest = fitted[0]
    assert first.font.size / DOTS_PER_MM >= 4.0  # type: ignore[attr-defined]
    assert min(line.font.size for line in rest) / DOTS_PER_MM >= 3.0  # type: ignore[attr-defined]
    text = " ".join(line.text for line in fitted[0])  # type: ignore[attr-defined]
    assert all(word in text for word in ("resistor", "RC0603FR-0710KL", "Bin", "75V"))  # nothing cut off
    assert zxingcpp.read_barcodes(image.convert("L"))[0].text == "http://bench.local:8080/p/1"
