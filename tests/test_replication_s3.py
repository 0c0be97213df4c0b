"""An s3:// replica: the real Litestream against moto's S3 server on 127.0.0.1, with every signature checked.

moto answers any key unless its IAM check is on; the fixture makes a user with an access key
allowed s3:*, then turns the check on, so a wrong secret is refused with SignatureDoesNotMatch
as AWS or MinIO would refuse it.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import boto3
import certifi
import httpx
import psutil
import pytest
from moto.server import ThreadedMotoServer

from conftest import ADMIN_PASSWORD, bearer, login, make_settings
from daemon_process import Daemon, free_port
from inventory_helpers import add_part
from makermatrix_edge.backups.litestream import Replica, child_environment, in_words, render_config
from makermatrix_edge.backups.replica_restore import restore_from_replica
from replication_support import (
    litestream_or_skip,
    part_names,
    replicating,
    replication_env,
    restore_cli,
    synced_after,
    wait_for,
)

BUCKET = "bench-backups"
URL = f"s3://{BUCKET}/makermatrix"
SYNC = 0.5
THE_FAKES = ("moto", "werkzeug", "botocore", "boto3", "urllib3")


@dataclass(frozen=True)
class S3:
    endpoint: str
    key_id: str
    secret: str
    client: Any  # boto3's S3 client, signing with the key above

    @property
    def netloc(self) -> str:
        return self.endpoint.removeprefix("http://")

    def keys(self) -> set[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET, Prefix="makermatrix/")
        return {str(o["Key"]) for o in listed.get("Contents", [])}

    def settings(self, secret: str | None = None) -> dict[str, str]:
        """The [replication] s3_* settings, as the README documents them."""
        return {
            "s3_endpoint": self.endpoint,
            "s3_access_key_id": self.key_id,
            "s3_secret_access_key": self.secret if secret is None else secret,
        }


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[S3]:
    litestream_or_skip()
    # Set on many machines (and this one): Litestream cannot start an S3 client with it (litestream.py).
    monkeypatch.setenv("AWS_CA_BUNDLE", certifi.where())
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        setup = {"endpoint_url": endpoint, "region_name": "us-east-1"}
        anyone = {**setup, "aws_access_key_id": "setup", "aws_secret_access_key": "setup"}
        iam = boto3.client("iam", **anyone)
        iam.create_user(UserName="bench")
        policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
        iam.put_user_policy(UserName="bench", PolicyName="replica", PolicyDocument=json.dumps(policy))
        key = iam.create_access_key(UserName="bench")["AccessKey"]
        boto3.client("s3", **anyone).create_bucket(Bucket=BUCKET)
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"0").raise_for_status()  # from now on, signed or 403
        signed = {**setup, "aws_access_key_id": key["AccessKeyId"], "aws_secret_access_key": key["SecretAccessKey"]}
        yield S3(endpoint, key["AccessKeyId"], key["SecretAccessKey"], boto3.client("s3", **signed))
    finally:
        # moto's state and its IAM switch are the process's, not the server's: leave none behind.
        httpx.post(f"{endpoint}/moto-api/reset-auth", content=b"inf").raise_for_status()
        httpx.post(f"{endpoint}/moto-api/reset").raise_for_status()
        server.stop()


def test_the_s3_config_names_the_bucket_endpoint_and_path_style_but_no_key(tmp_path: Path) -> None:
    settings = make_settings(
        tmp_path,
        replication={"replicas": [URL], "s3_endpoint": "http://nas.local:9000", "s3_secret_access_key": "k3y"},
    ).replication
    text = render_config(tmp_path / "x.db", Replica(URL), settings, data_dir=tmp_path, socket=None)
    replica = json.loads(text)["dbs"][0]["replica"]
    assert replica == {
        "url": URL,
        "sync-interval": "1000ms",
        "region": "us-east-1",
        "endpoint": "http://nas.local:9000",
        "force-path-style": True,
    }
    assert "k3y" not in text


def test_an_aws_ca_bundle_is_handed_to_litestream_as_a_file_go_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = make_settings(tmp_path, replication={"replicas": [URL]}).replication
    monkeypatch.setenv("AWS_CA_BUNDLE", "/etc/ssl/bench-ca.pem")
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    env = child_environment(settings)
    assert "AWS_CA_BUNDLE" not in env and env["SSL_CERT_FILE"] == "/etc/ssl/bench-ca.pem"
    monkeypatch.setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
    assert child_environment(settings)["SSL_CERT_FILE"] == "/etc/ssl/certs/ca-certificates.crt"  # set by hand: kept


def test_an_s3_endpoint_that_does_not_answer_is_named_not_the_bucket() -> None:
    # Litestream 0.5.17's line (its host put in) after 10 attempts with back-off, ~110 s after the start,
    # against an endpoint where nothing listens; too slow to wait for in the suite.
    error = (
        "check database behind replica: get replica position: operation error S3: ListObjectsV2, exceeded"
        " maximum number of attempts, 10, https response error StatusCode: 0, RequestID: , HostID: , request"
        ' send failed, Get "http://nas.local:9000/bench-backups?list-type=2&prefix=makermatrix%2F0000%2F":'
        " dial tcp 192.168.1.20:9000: connect: connection refused"
    )
    replica = Replica(URL, "http://nas.local:9000")
    assert in_words(error, replica) == "nothing answers at nas.local:9000: is it on, is the service running?"
    assert replica.where == f"the S3 bucket {BUCKET} at nas.local:9000"
    assert Replica(URL).where == f"the S3 bucket {BUCKET}" and Replica(URL).host == "s3.amazonaws.com"
    assert Replica(URL, "https://key:pw@minio.lan:9000").host == "minio.lan:9000"  # never the password
    assert Replica(URL, "minio.lan").host == "minio.lan"  # written without a scheme


def _replica_state(daemon: Daemon) -> dict[str, Any]:
    return dict(daemon.health_details()["devices"]["replication"])


def _synced_after(daemon: Daemon, moment: float) -> bool:
    last = _replica_state(daemon)["details"]["replicas"][0].get("last_sync_at")
    return last is not None and datetime.fromisoformat(last).timestamp() > moment


@pytest.mark.daemon
def test_the_daemon_replicates_to_s3_and_a_kill_nine_is_restored_from_the_bucket(tmp_path: Path, s3: S3) -> None:
    env = replication_env(URL, sync_interval_seconds=str(SYNC), **s3.settings())
    daemon = Daemon(tmp_path / "data", env=env)
    try:
        daemon.wait_healthy(timeout=60)
        state = wait_for("a first sync to the bucket", lambda: (s := _replica_state(daemon))["state"] == "ready" and s)
        assert state["details"]["replicas"][0]["url"] == URL
        password = (daemon.data_dir / "initial-admin-password").read_text().strip()
        token = httpx.post(daemon.url + "/api/auth/login", json={"username": "admin", "password": password})
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        before = s3.keys()
        made = httpx.post(daemon.url + "/api/parts/add_part", json={"part_name": "in the bucket"}, headers=headers)
        assert made.status_code == 200, made.text
        acked = time.time()
        # The change is captured (every 0.25 s), then shipped: a new LTX object, and a sync after both.
        wait_for("the change to reach the bucket", lambda: s3.keys() - before and _synced_after(daemon, acked + 0.5))
        left = _running("litestream", psutil.Process(daemon.proc.pid).children(recursive=True))
        assert left
        daemon.kill()  # -9: the SD card dies with the daemon on it
    finally:
        daemon.kill()
    # Its Litestream gets SIGTERM from the kernel (pdeathsig) and makes a last sync: let it end before the
    # restore reads the bucket, as a new card would come long after.
    wait_for("the old card's Litestream to end", lambda: not [p for p in left if _alive(p)], timeout=30)
    assert s3.secret not in daemon.log() and "in the bucket" not in daemon.log()

    card = tmp_path / "new-sd-card"
    configured = {f"MAKERMATRIX_EDGE_REPLICATION__{k.upper()}": v for k, v in s3.settings().items()}
    done = restore_cli(card / "data", "--from-replica", URL, env={**os.environ, **configured})
    assert done.returncode == 0, done.stderr
    assert "in the bucket" in part_names(card / "data" / "makermatrix.db")
    assert s3.secret not in done.stdout + done.stderr
    # The restored card carries on into the same bucket (it is the replica's own database, not a new one).
    with replicating(card, tmp_path, replication={"replicas": [URL], **s3.settings()}) as (services, _):
        wait_for("the restored card to sync", lambda: services.replication.statuses()[0].state == "ok")


@pytest.mark.parametrize("replicated_before", [False, True], ids=["new-database", "replicated-database"])
def test_a_wrong_s3_secret_is_reported_in_words_and_never_shown(
    tmp_path: Path, s3: S3, caplog: pytest.LogCaptureFixture, replicated_before: bool
) -> None:
    if replicated_before:  # then the running Litestream meets the refusal, not the look before its start
        with replicating(tmp_path, tmp_path, replication={"replicas": [URL], **s3.settings()}) as (services, _):
            wait_for("a first sync", lambda: services.replication.statuses()[0].state == "ok")
    written = s3.keys()
    caplog.set_level(logging.DEBUG)
    wrong = f"not-the-secret-{secrets.token_hex(8)}"
    replication = {"replicas": [URL], **s3.settings(secret=wrong)}
    with replicating(tmp_path, tmp_path, replication=replication) as (services, client):
        status = wait_for(
            "the refusal to be reported", lambda: (s := services.replication.statuses()[0]).state == "error" and s
        )
        assert (services.replication.pid is not None) is replicated_before
        response = client.get("/api/health", headers=bearer(login(client, "admin", ADMIN_PASSWORD)))
        fragment = services.replication.status_fragment()
    assert status.last_error == f"the S3 bucket {BUCKET} at {s3.netloc} refused the credentials"
    health = response.json()
    assert health["data"]["status"] == "degraded"
    assert f"replica {URL}: the S3 bucket {BUCKET} at {s3.netloc} refused the credentials" in health["message"]
    assert fragment == f"replica: {status.last_error}"
    # What the daemon logged (the fake S3 server and its client log in this process too: not theirs).
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(THE_FAKES))
    assert "SignatureDoesNotMatch" in logged  # Litestream's own words reached the log...
    for shown in (logged, response.text, fragment):
        assert wrong not in shown and s3.key_id not in shown  # ...without the key
    assert s3.keys() == written  # nothing was written with the wrong secret


def test_a_new_empty_database_is_not_streamed_over_the_s3_replica_of_the_old_one(tmp_path: Path, s3: S3) -> None:
    replication = {"replicas": [URL], **s3.settings()}
    with replicating(tmp_path / "old-card", tmp_path, replication=replication) as (services, client):
        add_part(client, bearer(login(client, "admin", ADMIN_PASSWORD)), "on the old card")
        acked = time.time()
        wait_for("a sync after the change", lambda: synced_after(services, acked + 0.5))
    held = s3.keys()
    with replicating(tmp_path / "new-card", tmp_path, replication=replication) as (services, _):
        status = wait_for("the refusal", lambda: (s := services.replication.statuses()[0]).state == "error" and s)
        assert status.last_error == (
            f"the S3 bucket {BUCKET} at {s3.netloc} holds the replica of another database: restore from it first"
            " (makermatrix-edge restore --from-replica), or give replication an empty path in the bucket"
        )
        assert services.replication.pid is None
    assert s3.keys() == held  # nothing of the new card's was written over it
    check = make_settings(tmp_path / "check", replication=s3.settings())
    restore_from_replica(check, URL, None, now=time.time())
    assert "on the old card" in part_names(check.data_dir / "makermatrix.db")


def _running(word: str, processes: Any) -> list[psutil.Process]:
    """The processes whose command line holds `word` (one that ends while it is looked at is not)."""
    found = []
    for proc in processes:
        try:
            if any(word in arg for arg in proc.cmdline()):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
    return found


def _listings() -> list[psutil.Process]:
    return _running("ltx", psutil.Process().children(recursive=True))


def test_a_daemon_stopped_while_litestream_waits_on_a_silent_endpoint_leaves_nothing_running(tmp_path: Path) -> None:
    litestream_or_skip()
    # Both keys: with one alone the AWS SDK would look for credentials beyond 127.0.0.1 (EC2's IMDS).
    silent = {"s3_endpoint": f"http://127.0.0.1:{free_port()}", "s3_access_key_id": "AKID", "s3_secret_access_key": "k"}
    with replicating(tmp_path, tmp_path, replication={"replicas": [URL], **silent}) as (services, _):
        # A new database: before streaming it, Litestream is asked whether the bucket holds another one;
        # against nothing listening its S3 client retries for about two minutes.
        looking = wait_for("Litestream to look at the bucket", _listings)
        assert services.replication.statuses()[0].state == "starting"
    wait_for("the look to end with the daemon", lambda: not [p for p in looking if _alive(p)], timeout=10)


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
