"""The whole configuration and how it is read: defaults, the TOML file, MAKERMATRIX_EDGE_* env, CLI flags.

Paths: storage.data_dir alone is taken relative to the working directory. Every other path-valued
key (backup.target, backup.drive_root, backup.passphrase_file, printer.output_dir, camera.device
when it is a file, camera.fake_images) is taken inside data_dir when relative, `~` expanded, via
`Settings.path`: a daemon started from another folder (systemd, a shell, the CLI) finds the same
files.

A section may hold sections of its own ([suppliers.lcsc]); its keys are then written
[suppliers.lcsc] api_url in the file and MAKERMATRIX_EDGE_SUPPLIERS__LCSC__API_URL in the
environment. Old spelling: the same key written flat in the parent with the subsection's name in
front ([suppliers] lcsc_api_url, MAKERMATRIX_EDGE_SUPPLIERS__LCSC_API_URL) still works. Within one
source (the file, the environment, the flags) both spellings of one key with different values are
refused, naming both; across sources the usual order decides (a flag beats the environment beats
the file, whichever spelling each uses).
"""

from __future__ import annotations

import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from makermatrix_edge.settings import core, devices, replication, services
from makermatrix_edge.settings import suppliers as supplier_sections
from makermatrix_edge.settings.base import ENV_PREFIX, Section


class Settings(Section):
    server: core.ServerSettings = msgspec.field(default_factory=core.ServerSettings)
    storage: core.StorageSettings = msgspec.field(default_factory=core.StorageSettings)
    accounts: core.AccountsSettings = msgspec.field(default_factory=core.AccountsSettings)
    logging: core.LoggingSettings = msgspec.field(default_factory=core.LoggingSettings)
    tasks: core.TasksSettings = msgspec.field(default_factory=core.TasksSettings)
    schedule: core.ScheduleSettings = msgspec.field(default_factory=core.ScheduleSettings)
    websocket: core.WebSocketSettings = msgspec.field(default_factory=core.WebSocketSettings)
    printer: devices.PrinterSettings = msgspec.field(default_factory=devices.PrinterSettings)
    backup: devices.BackupSettings = msgspec.field(default_factory=devices.BackupSettings)
    replication: replication.ReplicationSettings = msgspec.field(default_factory=replication.ReplicationSettings)
    mdns: core.MdnsSettings = msgspec.field(default_factory=core.MdnsSettings)
    scanner: devices.ScannerSettings = msgspec.field(default_factory=devices.ScannerSettings)
    camera: devices.CameraSettings = msgspec.field(default_factory=devices.CameraSettings)
    assistant: services.AssistantSettings = msgspec.field(default_factory=services.AssistantSettings)
    imports: services.ImportSettings = msgspec.field(default_factory=services.ImportSettings)
    suppliers: supplier_sections.SuppliersSettings = msgspec.field(default_factory=supplier_sections.SuppliersSettings)

    @property
    def data_dir(self) -> Path:
        return Path(self.storage.data_dir).expanduser().resolve()

    def path(self, value: str) -> Path:
        """A path-valued setting's value as a path: relative ones are inside data_dir, never the working dir."""
        return resolve_path(value, self.data_dir)


def resolve_path(value: str, data_dir: Path) -> Path:
    """`~` expanded; a relative path joined to data_dir (the one rule for every path-valued key but data_dir)."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else data_dir / path


class ConfigError(Exception):
    """The configuration cannot be used; the message names the key path."""


def section_types() -> dict[str, type[Section]]:
    return subsection_types(Settings)


def subsection_types(section: type[Section]) -> dict[str, type[Section]]:
    """The fields of a section that are sections themselves (every field of Settings; [suppliers.lcsc] ...)."""
    hints = typing.get_type_hints(section)
    return {
        f.name: hints[f.name]
        for f in msgspec.structs.fields(section)
        if isinstance(hints[f.name], type) and issubclass(hints[f.name], Section)
    }


def field_docs(section: type[Section]) -> dict[str, str]:
    """Each plain key of a section and its one-line doc ('' when missing); subsections are not keys."""
    hints = typing.get_type_hints(section, include_extras=True)
    nested = subsection_types(section)
    out: dict[str, str] = {}
    for f in msgspec.structs.fields(section):
        if f.name in nested:
            continue
        metas = [m for m in getattr(hints[f.name], "__metadata__", ()) if isinstance(m, msgspec.Meta)]
        out[f.name] = next((m.description for m in metas if m.description), "")
    return out


def old_spellings() -> dict[str, str]:
    """Every old (flat) key path and the key path it now is: 'suppliers.lcsc_api_url' -> 'suppliers.lcsc.api_url'."""
    out: dict[str, str] = {}
    for name, section in section_types().items():
        for sub, sub_type in subsection_types(section).items():
            for key in field_docs(sub_type):
                out[f"{name}.{sub}_{key}"] = f"{name}.{sub}.{key}"
    return out


def _new_spelling(section: type[Section], values: Mapping[str, Any], where: str, source: str) -> dict[str, Any]:
    """A section's table with old flat keys moved into their subsections; both with different values refused."""
    out = {k: dict(v) if isinstance(v, Mapping) else v for k, v in values.items()}
    nested = subsection_types(section)
    for key in list(out):
        if key in nested or key in field_docs(section):
            continue
        sub = next((s for s in nested if key.startswith(f"{s}_") and key[len(s) + 1 :] in field_docs(nested[s])), None)
        if sub is None:
            continue  # an unknown key: the check names it
        new_key = key[len(sub) + 1 :]
        table = out.setdefault(sub, {})
        if not isinstance(table, dict):
            continue  # "must be a table": the check names it
        value = out.pop(key)
        if new_key in table and table[new_key] != value:
            raise ConfigError(
                f"{where}.{key}: old spelling of {where}.{sub}.{new_key}, which is also set to another value{source};"
                " keep one"
            )
        table[new_key] = value
    for name, sub_type in nested.items():
        if isinstance(out.get(name), Mapping):
            out[name] = _new_spelling(sub_type, out[name], f"{where}.{name}", source)
    return out


def _normalise(raw: Mapping[str, Any], source: str, *, check: bool = True) -> dict[str, Any]:
    """One source's values in the new spelling, checked for unknown sections and keys (flags: msgspec checks)."""
    sections = section_types()
    out: dict[str, Any] = {}
    for name, value in raw.items():
        if name not in sections or not isinstance(value, Mapping):
            if check:
                raise ConfigError(
                    f"{name}: unknown section{source}"
                    if name not in sections
                    else f"{name}: must be a table of keys{source}"
                )
            out[name] = value
            continue
        out[name] = _new_spelling(sections[name], value, name, source)
        if check:
            _check_keys(sections[name], out[name], name, source)
    return out


def _check_keys(section: type[Section], values: Mapping[str, Any], where: str, source: str) -> None:
    nested = subsection_types(section)
    known = set(field_docs(section))
    for key, value in values.items():
        if key in nested:
            if not isinstance(value, Mapping):
                raise ConfigError(f"{where}.{key}: must be a table of keys{source}")
            _check_keys(nested[key], value, f"{where}.{key}", source)
        elif key not in known:
            raise ConfigError(f"{where}.{key}: unknown key{source}")


def _parse_env_value(text: str) -> Any:
    """Read an env value as a TOML value (9000, true, ["a"]); anything else is a plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _env_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """MAKERMATRIX_EDGE_<SECTION>__<KEY> and MAKERMATRIX_EDGE_<SECTION>__<SUBSECTION>__<KEY> as tables."""
    out: dict[str, Any] = {}
    for name, text in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        *tables, key = name[len(ENV_PREFIX) :].lower().split("__")
        target = out
        for table in tables:
            target = target.setdefault(table, {})
            if not isinstance(target, dict):
                raise ConfigError(f"{name}: {table} is both a key and a table (from environment)")
        target[key] = _parse_env_value(text)
    return out


def _merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    """base with extra's keys over it, table by table (a later source overrides one key, not a section)."""
    merged = {k: dict(v) if isinstance(v, Mapping) else v for k, v in base.items()}
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _convert(raw: dict[str, Any]) -> Settings:
    try:
        return msgspec.convert(raw, Settings)
    except msgspec.ValidationError as exc:
        text = str(exc)
        message, _, where = text.partition(" - at `$.")
        path = where.rstrip("`") or "config"
        raise ConfigError(f"{path}: {message[0].lower()}{message[1:]}".replace("`", "")) from None


def load_settings(
    path: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
) -> Settings:
    """Defaults, then the TOML file, then MAKERMATRIX_EDGE_<SECTION>__<KEY> env vars, then CLI flags."""
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: no such config file") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read ({exc})") from None
        raw = _normalise(raw, f" (in {path})")
    env_raw = _normalise(_env_overrides(os.environ if env is None else env), " (from environment)")
    raw = _merge(raw, env_raw)
    if overrides:
        raw = _merge(raw, _normalise(overrides, " (from the command line)", check=False))
    return _convert(raw)
