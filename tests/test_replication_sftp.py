"""An SFTP replica: the real Litestream against sshd on 127.0.0.1 with a throwaway key (skipped without sshd/root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import ADMIN_PASSWORD, bearer, login
from daemon_process import free_port
from inventory_helpers import add_part
from replication_support import part_names, replicating, restore_cli, synced_after, wait_for

SSHD = Path("/usr/sbin/sshd")


def _keygen(path: Path) -> str:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(path)], check=True)
    return Path(f"{path}.pub").read_text().strip()


@pytest.fixture
def sshd(tmp_path: Path) -> Iterator[tuple[int, Path, str]]:
    """sshd on 127.0.0.1: (port, the client's private key, the server's public host key)."""
    if not SSHD.exists() or shutil.which("ssh-keygen") is None:
        pytest.skip("openssh-server is not installed (scripts/test-packages.txt; ./scripts/test installs it as root)")
    if os.geteuid() != 0:
        pytest.skip("sshd needs root to run its privilege separation")
    keys = tmp_path / "keys"
    keys.mkdir()
    host_pub = _keygen(keys / "host.key")
    (keys / "authorized_keys").write_text(_keygen(keys / "client.key") + "\n")
    port = free_port()
    config = keys / "sshd_config"
    config.write_text(
        f"Port {port}\nListenAddress 127.0.0.1\nHostKey {keys / 'host.key'}\nPidFile {keys / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {keys / 'authorized_keys'}\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
        "UsePAM no\nStrictModes no\nPermitRootLogin prohibit-password\nSubsystem sftp internal-sftp\n"
    )
    Path("/run/sshd").mkdir(exist_ok=True)
    proc = subprocess.Popen([str(SSHD), "-D", "-e", "-f", str(config)], stderr=subprocess.PIPE)
    try:
        wait_for("sshd to listen", lambda: proc.poll() is None and _listening(port), timeout=10)
        yield port, keys / "client.key", host_pub
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def test_an_sftp_replica_on_loopback_replicates_and_restores(tmp_path: Path, sshd: tuple[int, Path, str]) -> None:
    port, key, host_key = sshd
    url = f"sftp://root@127.0.0.1:{port}{tmp_path}/nas/makermatrix"
    sftp = {"sftp_key_file": str(key), "sftp_host_key": f"127.0.0.1 {host_key}"}
    with replicating(tmp_path, tmp_path, replication={"replicas": [url], **sftp}) as (services, client):
        headers = bearer(login(client, "admin", ADMIN_PASSWORD))
        add_part(client, headers, "over sftp")
        acked = time.time()
        wait_for("a sync to the SFTP replica", lambda: synced_after(services, acked + 0.5))
    env = {
        **os.environ,
        "MAKERMATRIX_EDGE_REPLICATION__SFTP_KEY_FILE": str(key),
        "MAKERMATRIX_EDGE_REPLICATION__SFTP_HOST_KEY": host_key,
    }
    done = restore_cli(tmp_path / "restored", "--from-replica", url, env=env)
    assert done.returncode == 0, done.stderr
    assert "over sftp" in part_names(tmp_path / "restored" / "makermatrix.db")


def test_an_sftp_server_that_refuses_the_key_is_reported_in_words(tmp_path: Path, sshd: tuple[int, Path, str]) -> None:
    port, _, host_key = sshd
    stranger = tmp_path / "stranger.key"
    _keygen(stranger)
    url = f"sftp://root@127.0.0.1:{port}{tmp_path}/nas/makermatrix"
    sftp = {"sftp_key_file": str(stranger), "sftp_host_key": host_key}
    with replicating(tmp_path, tmp_path, replication={"replicas": [url], **sftp}) as (services, _):
        status = wait_for(
            "the refusal to be reported",
            lambda: (s := services.replication.statuses()[0]).state == "error" and s,
        )
    assert status.last_error.startswith("the server 127.0.0.1 refused the login")


def test_a_new_empty_database_is_not_streamed_over_the_sftp_replica_of_the_old_one(
    tmp_path: Path, sshd: tuple[int, Path, str]
) -> None:
    port, key, host_key = sshd
    url = f"sftp://root@127.0.0.1:{port}{tmp_path}/nas/makermatrix"
    replication = {"replicas": [url], "sftp_key_file": str(key), "sftp_host_key": host_key}
    with replicating(tmp_path / "old-card", tmp_path, replication=replication) as (services, client):
        add_part(client, bearer(login(client, "admin", ADMIN_PASSWORD)), "on the old card")
        acked = time.time()
        wait_for("a sync after the change", lambda: synced_after(services, acked + 0.5))
    with replicating(tmp_path / "new-card", tmp_path, replication=replication) as (services, _):
        status = wait_for("the refusal", lambda: (s := services.replication.statuses()[0]).state == "error" and s)
        assert status.last_error.startswith("the server 127.0.0.1 holds the replica of another database")
        assert status.last_error.endswith("or give replication an empty folder")
        assert services.replication.pid is None
    env = {
        **os.environ,
        **{f"MAKERMATRIX_EDGE_REPLICATION__{k.upper()}": v for k, v in replication.items() if k != "replicas"},
    }
    done = restore_cli(tmp_path / "restored", "--from-replica", url, env=env)
    assert done.returncode == 0, done.stderr
    assert "on the old card" in part_names(tmp_path / "restored" / "makermatrix.db")
