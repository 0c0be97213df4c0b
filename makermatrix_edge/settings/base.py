"""What every settings section is built from: a strict msgspec Struct and one-line docs per key."""

from __future__ import annotations

from typing import Any

import msgspec

ENV_PREFIX = "MAKERMATRIX_EDGE_"


def doc(text: str, **constraints: Any) -> msgspec.Meta:
    """A field's one-line documentation (and optional numeric constraints)."""
    return msgspec.Meta(description=text, **constraints)


class Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass
