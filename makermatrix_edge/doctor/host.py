"""The machine the doctor looks at: every filesystem path is read under `Host.root`.

So tests run the checks against a fake tree (sys/bus/usb/devices, dev/, proc/mounts,
dev/disk/by-label) in a temporary folder.
"""

from __future__ import annotations

import ctypes.util
import grp
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from makermatrix_edge.settings import ReplicationSettings, Settings


@dataclass
class Host:
    root: Path = Path("/")
    data_dir: Path = Path("/var/lib/makermatrix-edge")
    db_file: str = "makermatrix.db"
    service_user: str = "makermatrix"
    backup_label: str = "MMBACKUP"
    ollama_url: str = "http://127.0.0.1:11434"
    ollama_model: str | None = None
    mdns_enabled: bool = True
    mdns_name: str = "MakerMatrix Bench"
    port: int = 8080  # where a running daemon answers /api/health
    now: Callable[[], float] = time.time
    find_library: Callable[[str], str | None] = ctypes.util.find_library
    ntp_synced: Callable[[], bool | None] = field(default=lambda: _timedatectl_ntp())
    http_get: Callable[[str, dict[str, str]], httpx.Response] = field(
        default=lambda url, headers: httpx.get(url, headers=headers, timeout=2.0)
    )
    http_post: Callable[[str, dict[str, Any]], httpx.Response] = field(
        default=lambda url, body: httpx.post(url, json=body, timeout=5.0)
    )
    identity: Callable[[], tuple[int, set[int]]] | None = None  # uid, gids; default: service_user's
    replication: ReplicationSettings | None = None

    def who(self) -> tuple[int, set[int]]:
        return self.identity() if self.identity else service_identity(self.service_user)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")


def _timedatectl_ntp() -> bool | None:
    if shutil.which("timedatectl") is None:
        return None
    try:
        out = subprocess.run(
            ["timedatectl", "show", "-p", "NTPSynchronized", "--value"], capture_output=True, text=True, timeout=3
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    value = out.stdout.strip()
    return None if out.returncode != 0 or value not in ("yes", "no") else value == "yes"


def gib(n: int) -> str:
    return f"{n / 1024**3:.1f} GB"


def usb_devices(host: Host) -> list[Path]:
    base = host.path("/sys/bus/usb/devices")
    if not base.is_dir():
        return []
    return sorted(d for d in base.iterdir() if (d / "idVendor").is_file())


def attr(device: Path, name: str) -> str:
    try:
        return (device / name).read_text().strip()
    except OSError:
        return ""


def service_identity(user: str) -> tuple[int, set[int]]:
    """The uid and groups of the service user (doctor often runs as root or as a person, not as it)."""
    try:
        entry = pwd.getpwnam(user)
    except KeyError:  # not installed as a service: judge for whoever runs doctor
        return os.getuid(), {os.getgid(), *os.getgroups()}
    groups = {g.gr_gid for g in grp.getgrall() if user in g.gr_mem}
    return entry.pw_uid, {entry.pw_gid, *groups}


def access_problem(node: Path, host: Host, need: int = 0o6) -> str | None:
    """Why the service user cannot use node (need 6: read+write, 7: a writable folder), from owner, group, mode."""
    if not node.exists():
        return f"{node} is missing"
    st = node.stat()
    uid, groups = host.who()
    mode = st.st_mode
    if uid == 0 or (uid == st.st_uid and mode >> 6 & need == need):
        return None
    if st.st_gid in groups and mode >> 3 & need == need:
        return None
    if mode & need == need:
        return None
    try:
        group = grp.getgrgid(st.st_gid).gr_name
    except KeyError:
        group = str(st.st_gid)
    what = "write to" if need == 0o7 else "read and write"
    return f"{host.service_user} may not {what} {node} (group {group}, mode {oct(mode & 0o777)})"


def _setting(settings: Settings, sections: tuple[str, ...], keys: tuple[str, ...]) -> object | None:
    """A key of a section other issues own (backup, assistant), read by name so doctor never depends on it."""
    for section_name in sections:
        section = getattr(settings, section_name, None)
        for key in keys:
            value: object = getattr(section, key, None)
            if value:
                return value
    return None


def host_for(settings: Settings, *, root: Path = Path("/")) -> Host:
    """The host checks as this configuration sees the machine."""
    label = _setting(settings, ("backup", "backups"), ("drive_label",))
    url = _setting(settings, ("llm", "assistant", "ollama"), ("ollama_url", "base_url", "url"))
    model = _setting(settings, ("llm", "assistant", "ollama"), ("model",))
    return Host(
        root=root,
        data_dir=settings.data_dir,
        backup_label=str(label) if label else "MMBACKUP",
        ollama_url=str(url) if url else "http://127.0.0.1:11434",
        ollama_model=str(model) if model else None,
        mdns_enabled=settings.mdns.enabled,
        mdns_name=settings.mdns.name,
        port=settings.server.port,
        replication=settings.replication,
    )
