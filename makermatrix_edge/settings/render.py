"""The settings as TOML: `config dump`, the config copy in a backup, and config/makermatrix-edge.toml."""

from __future__ import annotations

from typing import Any

import msgspec

from makermatrix_edge.settings.base import Section
from makermatrix_edge.settings.loader import Settings, field_docs, section_types, subsection_types


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return msgspec.json.encode(value).decode()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _table(
    lines: list[str], name: str, section: Section, section_type: type[Section], with_docs: bool, redact: bool
) -> None:
    lines.append(f"[{name}]")
    for key, text in field_docs(section_type).items():
        value = getattr(section, key)
        if with_docs:
            lines.append(f"# {text}")
        if redact and text.endswith("(secret)") and value:
            value = "***"
        lines.append(f"{key} = {_toml_value(value)}")
    lines.append("")


def render_toml(settings: Settings, *, with_docs: bool = True, redact: bool = True) -> str:
    """The settings as a TOML document; secret keys (doc ends with '(secret)') are redacted."""
    lines: list[str] = []
    for name, section_type in section_types().items():
        section = getattr(settings, name)
        _table(lines, name, section, section_type, with_docs, redact)
        for sub, sub_type in subsection_types(section_type).items():
            if with_docs:
                env = f"MAKERMATRIX_EDGE_{name.upper()}__{sub.upper()}_<KEY>"
                lines.append(f"# Old spelling, still read: [{name}] {sub}_<key>, {env}.")
            _table(lines, f"{name}.{sub}", getattr(section, sub), sub_type, with_docs, redact)
    return "\n".join(lines)


def reference_toml() -> str:
    """The documented production-default config file, as config/makermatrix-edge.toml must read."""
    header = (
        "# makermatrix-edge configuration: every key at its production default.\n"
        "# Copy to /etc/makermatrix-edge/config.toml and change what you need.\n"
        "# Any key can also be set as MAKERMATRIX_EDGE_<SECTION>__<KEY>, e.g. MAKERMATRIX_EDGE_SERVER__PORT=9000,\n"
        "# and a key of [suppliers.lcsc] as MAKERMATRIX_EDGE_SUPPLIERS__LCSC__<KEY>.\n"
        "# A relative path in any key is taken inside storage.data_dir; data_dir alone is relative to the\n"
        "# working directory.\n\n"
    )
    return header + render_toml(Settings(), with_docs=True, redact=False)
