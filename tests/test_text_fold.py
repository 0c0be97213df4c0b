"""Search folding: the ASCII fast path answers exactly what the general Unicode path answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from makermatrix_edge.db.text import fold, fold_unicode


@given(st.text(alphabet=st.characters(max_codepoint=127)))
def test_ascii_fast_path_equals_the_unicode_path(text: str) -> None:
    assert fold(text) == fold_unicode(text)


@given(st.text())
def test_any_text_folds_like_the_unicode_path(text: str) -> None:
    assert fold(text) == fold_unicode(text)


def test_examples() -> None:
    assert fold("Résistance 10kΩ Wi-Fi") == "resistance 10kω wifi"
    assert fold("ESP32-C3 Straße") == "esp32c3 strasse"
    assert fold(None) is None
