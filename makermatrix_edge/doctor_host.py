"""Doctor's host checks: they look at the machine itself and need no running daemon.

Every filesystem path is read under `Host.root`, so tests run the checks against a fake tree
(sys/bus/usb/devices, dev/, proc/mounts, dev/disk/by-label) in a temporary folder.
"""

from __future__ import annotations

import ctypes.util
import grp
import os
import pwd
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from makermatrix_edge.accounts.tokens import TokenIssuer, read_secret
from makermatrix_edge.backups.state import load_state
from makermatrix_edge.clock import parse_iso
from makermatrix_edge.doctor import Check, CheckFn, Level
from makermatrix_edge.runtime.diskspace import FULL_BELOW_BYTES, full_message
from makermatrix_edge.settings import Settings

BROTHER = "04f9"
# Product ids of Brother QLs in "Editor Lite" (mass-storage) mode; hardware.md 1.5 (usb.ids).
EDITOR_LITE = {"2049": "QL-700", "204d": "QL-720NW", "209e": "QL-800", "20a9": "QL-1100", "20aa": "QL-1110NWB",
               "20ac": "QL-1115NWB"}  # fmt: skip
MIN_FREE_DATA = 200 * 1024**2  # below this SQLite and images fail soon
WARN_FREE_DATA = 1024**3
WARN_FREE_BACKUP = 1024**3
BACKUP_MAX_AGE = 2 * 86400  # nightly backups: more than two days means one was missed
EARLIEST_YEAR = 2025  # a Pi without RTC or NTP boots at its last fake-hwclock time or in 1970


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


def _gib(n: int) -> str:
    return f"{n / 1024**3:.1f} GB"


def check_data_dir(host: Host) -> Check:
    data = host.data_dir
    if not data.exists():
        return Check("data directory", "warn", f"{data} does not exist yet", "start the daemon once; it makes it")
    problem = _access_problem(data, host, 0o7)
    if problem:
        return Check(
            "data directory", "fail", problem,
            f"sudo chown -R {host.service_user}: {data}  (or run doctor as {host.service_user})",
        )  # fmt: skip
    free = shutil.disk_usage(data).free
    if free < FULL_BELOW_BYTES:  # the sentence the daemon answers with (507) and shows in health
        return Check("data directory", "fail", full_message(data, free), "free space on the SD card")
    if free < MIN_FREE_DATA:
        return Check("data directory", "fail", f"{data}: only {free // 1024**2} MB free", "free space on the SD card")
    if free < WARN_FREE_DATA:
        return Check("data directory", "warn", f"{data}: {_gib(free)} free", "free space on the SD card soon")
    return Check("data directory", "ok", f"{data} writable, {_gib(free)} free")


def check_database(host: Host) -> Check:
    path = host.data_dir / host.db_file
    if not path.exists():
        return Check("database", "warn", f"no database at {path} yet", "start the daemon once; it creates it")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return Check("database", "fail", f"{path} cannot be read: {exc}", "restore the last backup")
    if rows == ["ok"]:
        return Check("database", "ok", f"{path} passes quick_check")
    return Check("database", "fail", f"{path} is damaged: {'; '.join(rows[:3])}", "restore the last backup")


def _usb_devices(host: Host) -> list[Path]:
    base = host.path("/sys/bus/usb/devices")
    if not base.is_dir():
        return []
    return sorted(d for d in base.iterdir() if (d / "idVendor").is_file())


def _attr(device: Path, name: str) -> str:
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


def _access_problem(node: Path, host: Host, need: int = 0o6) -> str | None:
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


def check_printer(host: Host) -> Check:
    brothers = [d for d in _usb_devices(host) if _attr(d, "idVendor").lower() == BROTHER]
    if not brothers:
        return Check(
            "printer", "warn", "no Brother printer on USB", "plug the QL in with a data cable and switch it on"
        )
    names = ", ".join(f"{_attr(d, 'product') or 'Brother'} (04f9:{_attr(d, 'idProduct')})" for d in brothers)
    for device in brothers:
        pid = _attr(device, "idProduct").lower()
        if pid in EDITOR_LITE:
            return Check(
                "printer", "fail",
                f"{EDITOR_LITE[pid]} is in Editor Lite mode (it shows up as a USB drive, not a printer)",
                "hold the Editor Lite button until its green light goes out, then unplug and replug",
            )  # fmt: skip
    device = brothers[0]
    node = host.path(f"/dev/bus/usb/{int(_attr(device, 'busnum') or 0):03d}/{int(_attr(device, 'devnum') or 0):03d}")
    problem = _access_problem(node, host)
    if problem:
        return Check(
            "printer", "fail", f"found {names}, but {problem}",
            f"sudo usermod -aG lp {host.service_user}; install systemd/60-makermatrix-edge.rules "
            "to /etc/udev/rules.d (scripts/install-pi does), then unplug and replug the printer",
        )  # fmt: skip
    return Check("printer", "ok", f"found {names}")


def check_camera(host: Host) -> Check:
    dev = host.path("/dev")
    nodes = sorted(dev.glob("video[0-9]*")) if dev.is_dir() else []
    if not nodes:
        return Check("camera", "warn", "no camera (/dev/video* missing)", "plug in the USB camera")
    problem = _access_problem(nodes[0], host)
    if problem:
        return Check("camera", "fail", problem, f"sudo usermod -aG video {host.service_user}, then restart the service")
    return Check("camera", "ok", f"{', '.join(n.name for n in nodes)} present and openable")


def check_barcode_libraries(host: Host) -> Check:
    if host.find_library("zbar") is None:
        return Check("barcode decoder", "fail", "libzbar is not installed", "sudo apt install libzbar0")
    return Check("barcode decoder", "ok", "libzbar present")


def check_ollama(host: Host) -> Check:
    url = host.ollama_url.rstrip("/")
    try:
        response = host.http_get(f"{url}/api/tags", {})
        response.raise_for_status()
        models = [m.get("name", "") for m in response.json().get("models", [])]
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return Check(
            "ollama", "warn", f"Ollama not reachable at {url} ({type(exc).__name__})",
            "install Ollama (curl -fsSL https://ollama.com/install.sh | sh) or: sudo systemctl start ollama",
        )  # fmt: skip
    wanted = host.ollama_model
    if wanted and not any(m == wanted or m.split(":")[0] == wanted for m in models):
        return Check("ollama", "warn", f"Ollama runs, but model {wanted} is not pulled", f"ollama pull {wanted}")
    tools = _tool_support(host, url, wanted) if wanted else None
    if tools is False:
        return Check(
            "ollama", "warn", f"Ollama has {wanted}, but it cannot call tools (the assistant needs them)",
            "ollama pull qwen3:1.7b and set model = \"qwen3:1.7b\" in [assistant]",
        )  # fmt: skip
    said = f", {wanted} pulled" + (" with tool support" if tools else "") if wanted else ""
    return Check("ollama", "ok", f"Ollama at {url}, {len(models)} model(s)" + said)


def _tool_support(host: Host, url: str, model: str) -> bool | None:
    """Whether /api/show lists "tools" among the model's capabilities (None: this Ollama does not say)."""
    try:
        response = host.http_post(f"{url}/api/show", {"model": model})
        response.raise_for_status()
        capabilities = response.json().get("capabilities") or []
    except (httpx.HTTPError, ValueError, AttributeError):
        return None
    return ("tools" in capabilities) if capabilities else None


def _backup_mount(host: Host) -> Path | None:
    """Where the drive labelled backup_label is mounted, per proc/mounts and dev/disk/by-label."""
    label = host.path(f"/dev/disk/by-label/{host.backup_label}")
    device = os.path.realpath(label) if label.exists() or label.is_symlink() else None
    try:
        mounts = host.path("/proc/mounts").read_text().splitlines()
    except OSError:
        return None
    for line in mounts:
        fields = line.split()
        if len(fields) < 2:
            continue
        source, target = fields[0], fields[1].replace("\\040", " ")
        as_device = os.path.realpath(host.path(source)) if source.startswith("/dev/") else source
        if (device and as_device == device) or Path(target).name == host.backup_label:
            return host.path(target)
    return None


def check_backup_drive(host: Host) -> list[Check]:
    mount = _backup_mount(host)
    if mount is None:
        return [
            Check(
                "backup drive", "warn", f"no drive labelled {host.backup_label} is mounted",
                f"plug in a USB drive whose filesystem is labelled {host.backup_label} "
                f"(e.g. sudo fatlabel /dev/sda1 {host.backup_label}) and mount it under /media or /mnt",
            )
        ]  # fmt: skip
    problem = _access_problem(mount, host, 0o7)
    if problem:
        fix = f"mount it with uid={host.service_user} (see README, backups), or chown the folder"
        return [Check("backup drive", "fail", f"mounted, but {problem}", fix)]
    free = shutil.disk_usage(mount).free
    level: Level = "warn" if free < WARN_FREE_BACKUP else "ok"
    out = [
        Check("backup drive", level, f"{mount} writable, {_gib(free)} free", "delete old backups or use a larger drive")
    ]
    out.append(check_last_backup(host, mount))
    return out


def check_last_backup(host: Host, mount: Path) -> Check:
    """The daemon's own record of the last backup when there is one, else the newest file on the drive."""
    state = load_state(host.data_dir / "backup_state.json")
    if state.last_result == "failed":
        return Check(
            "last backup",
            "fail",
            f"the last backup ({state.last_attempt_at}) failed: {state.last_error}",
            "fix what it names, then run one: makermatrix-edge backup",
        )
    if state.last_success_at:
        newest: float | None = parse_iso(state.last_success_at)
    else:
        newest = max((p.stat().st_mtime for p in mount.rglob("*") if p.is_file()), default=None)
    if newest is None:
        return Check("last backup", "warn", "no backup on the drive yet", "run one: makermatrix-edge backup")
    age = host.now() - newest
    if age > BACKUP_MAX_AGE:
        return Check("last backup", "warn", f"last backup {age / 86400:.0f} days ago", "check the nightly job")
    return Check("last backup", "ok", f"last backup {age / 3600:.0f} h ago")


def check_clock(host: Host) -> Check:
    year = time.gmtime(host.now()).tm_year
    if year < EARLIEST_YEAR or year > 2100:
        return Check(
            "clock", "fail", f"the clock says {year}: a Pi has no battery clock and NTP has not set it",
            "connect the Pi to a network with internet, then: sudo timedatectl set-ntp true",
        )  # fmt: skip
    synced = host.ntp_synced()
    if synced is False:
        return Check("clock", "warn", "NTP has not synchronised the clock", "sudo timedatectl set-ntp true")
    return Check("clock", "ok", f"year {year}" + (", NTP synchronised" if synced else ""))


def daemon_login(host: Host) -> dict[str, str]:
    """Headers with a one-minute token for the daemon's own /api/health details, or {} if unreadable.

    /api/health shows devices only to a logged-in caller. Doctor signs the token with the
    daemon's secret.key for its first active user: whoever can read that key can sign any
    token anyway, and doctor run as another user just sees the public answer.
    """
    db_path = host.data_dir / host.db_file
    try:
        secret = read_secret(host.data_dir / "secret.key")
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            row = conn.execute(
                "SELECT id, token_version FROM users WHERE is_active = 1 ORDER BY seq LIMIT 1"
            ).fetchone()
        finally:
            conn.close()
    except (OSError, ValueError, sqlite3.Error):
        return {}
    if row is None:
        return {}
    issuer = TokenIssuer(secret, access_seconds=60, refresh_seconds=60, clock=host.now)
    return {"Authorization": f"Bearer {issuer.issue(str(row[0]), int(row[1]), 'access').token}"}


def check_mdns(host: Host) -> Check:
    if not host.mdns_enabled:
        return Check("mdns", "warn", "mDNS is off: phones cannot find the bench by name", "set [mdns] enabled = true")
    url = f"http://127.0.0.1:{host.port}/api/health"
    try:
        data = host.http_get(url, daemon_login(host)).json()["data"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return Check(
            "mdns", "warn", f"the daemon is not answering on port {host.port}, so nothing is advertised",
            "sudo systemctl start makermatrix-edge; journalctl -u makermatrix-edge -e says why it stopped",
        )  # fmt: skip
    try:
        state = data["devices"]["mdns"]
    except (KeyError, TypeError):
        return Check(
            "mdns", "warn", "the daemon answers but shows its devices only to a logged-in caller",
            f"run doctor as root or {host.service_user}: it needs {host.data_dir / 'secret.key'}",
        )  # fmt: skip
    if state.get("state") == "ready":
        names = ", ".join(n.split("._")[0] for n in state.get("details", {}).get("names", [])[:1])
        return Check("mdns", "ok", f"advertising as '{names or host.mdns_name}'")
    reason = state.get("reason") or state.get("state")
    return Check(
        "mdns", "warn", f"not advertising: {reason}", "check the network; avahi and the daemon share port 5353"
    )


def host_checks(host: Host, *, devices: bool = True) -> list[CheckFn]:
    """The checks, in the order a person reads them; devices=False leaves USB/camera to the daemon."""
    checks: list[Callable[[Host], Check | list[Check]]] = [check_data_dir, check_database]
    if devices:
        checks += [check_printer, check_camera]
    checks += [check_barcode_libraries, check_ollama, check_backup_drive, check_mdns, check_clock]
    return [_bind(c, host) for c in checks]


def _bind(check: Callable[[Host], Check | list[Check]], host: Host) -> CheckFn:
    def run() -> Check | list[Check]:
        return check(host)

    run.__name__ = check.__name__
    return run


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
    )
