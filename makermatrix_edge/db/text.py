"""Text folding for search: case- and accent-insensitive, the same on both sides of a match."""

from __future__ import annotations

import re
import unicodedata

# Characters NFKD does not decompose but a person types without the accent.
_EXTRA = str.maketrans({"ø": "o", "Ø": "o", "ł": "l", "Ł": "l", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe"})


# Punctuation inside words is dropped, so "wifi" finds "Wi-Fi" and "esp32c3" finds "ESP32-C3". A decimal
# mark between digits is not: "4.7k" is not "47k". It is kept as a point ("4,7k" is "4.7k" too).
_JOINERS = str.maketrans("", "", "-‐‑‒–—_.,/'’·")
_DECIMAL_MARK = re.compile(r"(?<=\d)[.,](?=\d)")
_KEPT_MARK = "\ue000"  # a private-use character: never in a part's text, and not a joiner


def _drop_joiners(text: str) -> str:
    if "." not in text and "," not in text:
        return text.translate(_JOINERS)
    return _DECIMAL_MARK.sub(_KEPT_MARK, text).translate(_JOINERS).replace(_KEPT_MARK, ".")


def fold(text: str | None) -> str | None:
    """'Résistance 4,7kΩ Wi-Fi' -> 'resistance 4.7kω wifi'. Registered in SQLite as mm_fold()."""
    if text is None:
        return None
    text = str(text)
    if text.isascii():  # most of a bench's text, and 5x faster: nothing to decompose, lower() is casefold()
        return _drop_joiners(text.lower())
    return fold_unicode(text)


def fold_unicode(text: str) -> str:
    """The general path of fold(): accents and compatibility forms off, then case and joiners."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_EXTRA))
    return _drop_joiners("".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold())


def clean_term(text: str) -> str:
    """A search term with control characters (NUL, tabs, escapes) turned into spaces, trimmed.

    FTS5 reads a MATCH string as C text: a NUL ends it mid-phrase ("unterminated string"). No
    part name holds a control character, so a space is what the person meant to type.
    """
    return "".join(" " if unicodedata.category(ch) == "Cc" else ch for ch in text).strip()


def fts_phrase(term: str) -> str:
    """Quote a term as one FTS5 string so user input is never parsed as query syntax."""
    return '"' + term.replace('"', '""') + '"'


def fts_query(search: str) -> str | None:
    """An FTS5 MATCH expression for the trigram index, or None when no word is long enough.

    Words of three or more characters must all appear (in any column); shorter words are
    left to the caller's prefix match, because a trigram index cannot find them.
    """
    words = [w for w in (fold(clean_term(search)) or "").split() if len(w) >= 3]
    if not words:
        return None
    return " AND ".join(fts_phrase(w) for w in words)


def like_escape(text: str) -> str:
    """Escape LIKE wildcards; use with ESCAPE '\\'."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
