"""Readable in sunlight: every text/background pair of the stylesheet meets WCAG AA (4.5:1), light and dark."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parent.parent / "makermatrix_edge" / "web" / "static" / "app.css"
# Which foreground colour is drawn on which background in the pages.
PAIRS = [
    ("fg", "bg"),
    ("fg", "card"),
    ("muted", "bg"),
    ("muted", "card"),
    ("accent", "bg"),
    ("accent-fg", "accent"),
    ("warn-fg", "warn-bg"),
    ("err-fg", "err-bg"),
    ("ok-fg", "ok-bg"),
]


def _themes() -> dict[str, dict[str, str]]:
    text = CSS.read_text()
    dark_at = text.index("prefers-color-scheme: dark")
    themes = {}
    for name, part in (("light", text[:dark_at]), ("dark", text[dark_at:])):
        themes[name] = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{6})", part))
    return themes


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_text_contrast_meets_wcag_aa(theme: str) -> None:
    colours = _themes()[theme]
    for fg, bg in PAIRS:
        ratio = contrast(colours[fg], colours[bg])
        assert ratio >= 4.5, f"{theme}: --{fg} on --{bg} is {ratio:.2f}:1"


def test_the_formula_is_right() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#777777", "#ffffff"), 2) == 4.48
