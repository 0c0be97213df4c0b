"""Typed, strict configuration: one msgspec Struct per section, TOML file + MAKERMATRIX_EDGE_* env.

One module per group of sections (core, devices, services, suppliers), the loader (loader.py:
file, environment, flags, old spellings) and the TOML writer (render.py); everything is imported
from here.
"""

from __future__ import annotations

from makermatrix_edge.settings.base import ENV_PREFIX, Section, doc
from makermatrix_edge.settings.core import (
    AccountsSettings,
    LoggingSettings,
    MdnsSettings,
    ScheduleSettings,
    ServerSettings,
    StorageSettings,
    TasksSettings,
    WebSocketSettings,
)
from makermatrix_edge.settings.devices import BackupSettings, CameraSettings, PrinterSettings, ScannerSettings
from makermatrix_edge.settings.loader import (
    ConfigError,
    Settings,
    field_docs,
    load_settings,
    old_spellings,
    resolve_path,
    section_types,
    subsection_types,
)
from makermatrix_edge.settings.render import reference_toml, render_toml
from makermatrix_edge.settings.replication import ReplicationSettings
from makermatrix_edge.settings.services import AssistantSettings, ImportSettings
from makermatrix_edge.settings.suppliers import (
    DigiKeySettings,
    LcscSettings,
    MouserSettings,
    SupplierSection,
    SuppliersSettings,
)

__all__ = [
    "ENV_PREFIX",
    "AccountsSettings",
    "AssistantSettings",
    "BackupSettings",
    "CameraSettings",
    "ConfigError",
    "DigiKeySettings",
    "ImportSettings",
    "LcscSettings",
    "LoggingSettings",
    "MdnsSettings",
    "MouserSettings",
    "PrinterSettings",
    "ReplicationSettings",
    "ScannerSettings",
    "ScheduleSettings",
    "Section",
    "ServerSettings",
    "Settings",
    "StorageSettings",
    "SupplierSection",
    "SuppliersSettings",
    "TasksSettings",
    "WebSocketSettings",
    "doc",
    "field_docs",
    "load_settings",
    "old_spellings",
    "reference_toml",
    "render_toml",
    "resolve_path",
    "section_types",
    "subsection_types",
]
