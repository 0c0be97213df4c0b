"""Continuous replication: Litestream as a supervised child of the daemon, and how far behind it is.

The daemon starts `litestream replicate` once the database is open (the app's lifespan), with a
config generated for this start, restarts it with back-off (1 s doubling to a minute) when it
dies, and stops it with SIGTERM (its last sync) and then SIGKILL within the shutdown step. The
child is started under `setpriv --pdeathsig` where the system has it, so a daemon killed with -9
does not leave an orphan holding the database.

What a person sees comes from two places: the child's control socket (GET /list: the time of the
last successful sync to the replica, from which the lag is counted) and its JSON log on stderr
(the last error, put in words by litestream.in_words). A file:// replica's folder is checked
here too: Litestream would create a missing folder, and on a Pi whose USB drive is not mounted
that means a replica on the SD card it is meant to survive, so the child is stopped while the
folder is missing and started again when it is back. Nor is a database that was never replicated
streamed over a replica that holds another (a new SD card): checked in the folder, or asked of
Litestream for a server or bucket.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
import shutil
import signal
import sqlite3
import tempfile
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

import msgspec

from makermatrix_edge.backups.litestream import (
    SHUTDOWN_SYNC_SECONDS,
    Replica,
    child_environment,
    ended_with_us,
    find_litestream,
    in_words,
    remove_local_state,
    render_config,
    replica_holds_files,
)
from makermatrix_edge.clock import Clock, iso
from makermatrix_edge.errors import DeviceUnavailable
from makermatrix_edge.runtime.cancel import cancel_and_wait
from makermatrix_edge.runtime.device_state import DeviceState, State
from makermatrix_edge.settings import Settings

log = logging.getLogger(__name__)
POLL_SECONDS = 1.0
MARKER = ".makermatrix-replica"  # in a file:// replica's folder: this is the drive, not an empty mount point
BACKOFF_MAX_SECONDS = 60.0
STEADY_SECONDS = 60.0  # a child that ran this long starts the back-off over
ReplicaState = Literal["starting", "ok", "behind", "error", "stopped"]
_FRACTION = re.compile(r"\.(\d{6})\d*")


class ReplicaStatus(msgspec.Struct, omit_defaults=True):
    url: str  # without a password
    state: ReplicaState
    lag_seconds: float | None = None  # the replica holds every change older than this
    last_sync_at: str | None = None
    last_error: str | None = None  # in words


def _parse_time(text: str) -> float:
    """Go's RFC 3339 with nanoseconds -> a timestamp."""
    return datetime.fromisoformat(_FRACTION.sub(r".\1", text).replace("Z", "+00:00")).timestamp()


def _was_replicated(db_path: Path) -> bool:
    """Litestream has replicated this database before (or it came from a replica): it made its table."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT 1 FROM sqlite_master WHERE name = '_litestream_seq'").fetchone() is not None
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _folder_id(folder: Path) -> tuple[int, int] | None:
    try:
        st = folder.stat()
    except OSError:
        return None
    return (st.st_dev, st.st_ino) if folder.is_dir() else None


async def _socket_get(socket: Path, path: str) -> object:
    reader, writer = await asyncio.open_unix_connection(str(socket))
    try:
        writer.write(f"GET {path} HTTP/1.0\r\nHost: litestream\r\n\r\n".encode())
        await writer.drain()
        raw = await reader.read(1 << 20)
    finally:
        writer.close()
    return json.loads(raw.partition(b"\r\n\r\n")[2])


class Replicator:
    """One Litestream child for the database's replica; a Device for health, doctor and STATUS."""

    def __init__(self, settings: Settings, db_path: Path, clock: Clock) -> None:
        self._settings = settings.replication
        self._data_dir = settings.data_dir
        self._db_path = db_path
        self._clock = clock
        self.replicas = [Replica(url, self._settings.s3_endpoint) for url in self._settings.replicas]
        self._task: asyncio.Task[None] | None = None
        self._proc: asyncio.subprocess.Process | None = None
        self._run_dir: Path | None = None
        self._state: ReplicaState = "stopped"
        self._last_sync: float | None = None
        self._error: tuple[float, str] | None = None  # (when, in words)
        self._started_at: float | None = None
        self._folder: tuple[int, int] | None = None
        self.restarts = 0

    @property
    def enabled(self) -> bool:
        return self._settings.enabled and bool(self.replicas)

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.returncode is None else None

    # -- lifecycle -----------------------------------------------------------------------
    async def start(self) -> None:
        if not self.enabled or self._task is not None:
            return
        self._state = "starting"
        self._task = asyncio.get_running_loop().create_task(self._run(), name="litestream")

    async def stop(self) -> None:
        task, self._task = self._task, None
        await cancel_and_wait(task)
        await self._stop_child()
        if self._run_dir is not None:
            shutil.rmtree(self._run_dir, ignore_errors=True)
            self._run_dir = None
        if self.enabled:
            self._state = "stopped"

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """Litestream stopped meanwhile: the database file is about to be replaced under it."""
        running = self._task is not None
        await self.stop()
        try:
            yield
        finally:
            remove_local_state(self._db_path)  # its position described the file that was replaced
            if running:
                await self.start()

    async def _run(self) -> None:
        backoff = 1.0
        replica = self.replicas[0]
        while True:
            if not await asyncio.to_thread(self._folder_ready, replica):  # files and SQLite: off the loop
                await asyncio.sleep(POLL_SECONDS)
                continue
            try:
                await self._spawn(replica)
            except DeviceUnavailable as exc:
                self._fail(exc.message)
                await asyncio.sleep(BACKOFF_MAX_SECONDS)
                continue
            started = self._clock()
            reason = await self._watch(replica)
            await self._stop_child()
            if reason is None:  # it ended by itself
                self.restarts += 1
                backoff = 1.0 if self._clock() - started >= STEADY_SECONDS else min(backoff * 2, BACKOFF_MAX_SECONDS)
                log.warning("litestream stopped; starting it again in %g s", backoff)
                await asyncio.sleep(backoff)

    def _folder_ready(self, replica: Replica) -> bool:
        """A file:// replica's folder is there and is the one we replicate to (its marker says so)."""
        folder = replica.folder
        if folder is None:
            return True
        if _folder_id(folder) is None:
            self._fail(f"{replica.where} is missing: is the USB drive plugged in and mounted?")
            return False
        marker = folder / MARKER
        if marker.exists():
            if (folder / "ltx").exists() and not _was_replicated(self._db_path):
                # A new, empty database (a new SD card, a deleted data dir) would be streamed over the
                # replica that holds everything: that replica is what restore --from-replica needs.
                self._fail(_another_database(replica))
                return False
            return True
        if (folder / "ltx").exists():  # Litestream's files without our marker: made where the drive should be
            self._fail(
                f"{replica.where} holds replica files this daemon did not start there: is the USB drive mounted?"
            )
            return False
        try:
            marker.write_text("makermatrix-edge replicates its database here with Litestream.\n", encoding="utf-8")
        except OSError as exc:
            self._fail(in_words(str(exc), replica))
            return False
        return True

    async def _spawn(self, replica: Replica) -> None:
        program = find_litestream(self._settings.litestream)
        if self._run_dir is None:  # short: a unix socket path must fit in 108 bytes
            self._run_dir = Path(tempfile.mkdtemp(prefix="mm-litestream-"))
        config = self._run_dir / "litestream.yml"
        socket = self._run_dir / "control.sock"
        socket.unlink(missing_ok=True)
        text = render_config(self._db_path, replica, self._settings, data_dir=self._data_dir, socket=socket)
        config.write_text(text, encoding="utf-8")
        env = child_environment(self._settings)
        if replica.folder is None and not await asyncio.to_thread(_was_replicated, self._db_path):
            # What _folder_ready guards for a folder, asked of Litestream for a server or bucket: it
            # would take a new, empty database as newer than the replica and snapshot it over it.
            try:
                held = await replica_holds_files(program, config, self._db_path, env)
            except OSError as exc:
                log.warning("litestream: %s", self._redact(str(exc)))
                raise DeviceUnavailable(in_words(self._redact(str(exc)), replica)) from None
            if held:
                raise DeviceUnavailable(_another_database(replica))
        argv = [str(program), "replicate", "-config", str(config), "-no-expand-env"]
        argv = ended_with_us(argv)
        self._folder = _folder_id(replica.folder) if replica.folder is not None else None
        self._proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            env=env,
            start_new_session=True,  # a Ctrl-C at the terminal is the daemon's to handle, not the child's
        )
        self._started_at = self._clock()
        self._state = "starting"
        log.info("litestream started (pid %d), replicating to %s", self._proc.pid, replica.shown)

    async def _watch(self, replica: Replica) -> str | None:
        """Until the child ends (None) or must be stopped (the reason)."""
        proc = self._proc
        assert proc is not None and proc.stderr is not None and self._run_dir is not None
        reader = asyncio.get_running_loop().create_task(self._read_log(proc.stderr, replica))
        socket = self._run_dir / "control.sock"
        try:
            while proc.returncode is None:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(asyncio.shield(proc.wait()), POLL_SECONDS)
                if proc.returncode is not None:
                    break
                if replica.folder is not None and (
                    _folder_id(replica.folder) != self._folder or not (replica.folder / MARKER).exists()
                ):
                    # Killed, not stopped: its last sync would make the folder again where the drive was.
                    with contextlib.suppress(ProcessLookupError):
                        proc.kill()
                    self._folder_ready(replica)  # says what is wrong if it is gone
                    log.warning("%s disappeared or changed; litestream stopped until it is back", replica.where)
                    return "folder"
                await self._poll(socket)
            self._fail(f"Litestream stopped (exit status {proc.returncode})", keep_earlier=True)
            return None
        finally:
            await cancel_and_wait(reader)

    async def _poll(self, socket: Path) -> None:
        try:
            answer = await asyncio.wait_for(_socket_get(socket, "/list"), POLL_SECONDS)
        except (OSError, TimeoutError, ValueError):
            return  # not listening yet, or busy: the next round asks again
        if not isinstance(answer, dict):
            return
        for entry in answer.get("databases") or []:
            if isinstance(entry, dict) and entry.get("last_sync_at"):
                with contextlib.suppress(ValueError):
                    self._last_sync = _parse_time(str(entry["last_sync_at"]))
        if self._last_sync is not None and self._error is not None and self._last_sync > self._error[0]:
            self._error = None  # a sync succeeded since
        if self._error is None and self._last_sync is not None:
            self._state = "ok"

    async def _read_log(self, stream: asyncio.StreamReader, replica: Replica) -> None:
        while line := await stream.readline():
            text = self._redact(line.decode("utf-8", "replace").strip())
            try:
                entry = json.loads(text)
            except ValueError:
                entry = {"level": "ERROR", "msg": text} if text.lower().startswith("error") else {}
            if not isinstance(entry, dict) or entry.get("level") not in ("ERROR", "WARN"):
                continue
            detail = str(entry.get("error") or entry.get("msg") or "")
            log.warning("litestream: %s", detail)
            if entry.get("level") == "ERROR":
                self._fail(in_words(detail, replica))

    def _redact(self, text: str) -> str:
        words = [self._settings.s3_secret_access_key, self._settings.s3_access_key_id]
        words += [p for r in self.replicas if (p := _password(r.url))]
        for word in filter(None, words):
            text = text.replace(word, "***")
        return text

    def _fail(self, words: str, *, keep_earlier: bool = False) -> None:
        if keep_earlier and self._error is not None:
            words = f"{self._error[1].split('; Litestream stopped')[0]}; Litestream stopped on it and will try again"
        self._error = (self._clock(), words)
        self._state = "error"

    async def _stop_child(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(signal.SIGTERM)  # its last sync, bounded by shutdown-sync-timeout
        try:
            await asyncio.wait_for(proc.wait(), SHUTDOWN_SYNC_SECONDS + 2)
        except TimeoutError:
            log.warning("litestream did not stop within %d s; killing it", SHUTDOWN_SYNC_SECONDS + 2)
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    # -- what it reports -----------------------------------------------------------------
    def statuses(self) -> list[ReplicaStatus]:
        now = self._clock()
        out = []
        for replica in self.replicas:
            since = self._last_sync if self._last_sync is not None else self._started_at
            lag = round(max(0.0, now - since), 1) if since is not None and self._task is not None else None
            state = self._state
            if state == "ok" and lag is not None and lag > self._settings.max_lag_seconds:
                state = "behind"
            out.append(
                ReplicaStatus(
                    url=replica.shown,
                    state=state if self.enabled else "stopped",
                    lag_seconds=lag,
                    last_sync_at=iso(self._last_sync) if self._last_sync is not None else None,
                    last_error=self._error[1] if self._error is not None else None,
                )
            )
        return out

    def problem(self) -> str | None:
        """What makes health say degraded: a replica in error or further behind than max_lag_seconds."""
        for status in self.statuses():
            if status.state == "error":
                return f"replica {status.url}: {status.last_error}"
            late = status.lag_seconds is not None and status.lag_seconds > self._settings.max_lag_seconds
            if status.state != "stopped" and late:
                return f"replica {status.url} is {status.lag_seconds:g} s behind"
        return None

    def state(self) -> DeviceState:
        if not self.enabled:
            return DeviceState(kind="litestream", state="disabled")
        statuses = self.statuses()
        problem = self.problem()
        state: State = "error" if problem else "ready" if all(s.state == "ok" for s in statuses) else "busy"
        details = {"replicas": msgspec.to_builtins(statuses), "pid": self.pid, "restarts": self.restarts}
        return DeviceState(kind="litestream", state=state, reason=problem, details=details)

    def status_fragment(self) -> str | None:
        """'replica 0.4 s behind', 'replica: the folder … is missing: …' for the systemd STATUS line."""
        if not self.enabled:
            return None
        status = self.statuses()[0]
        if status.last_error:
            return f"replica: {status.last_error}"
        if status.lag_seconds is None or status.state == "starting":
            return "replica starting"
        return f"replica {status.lag_seconds:g} s behind"


def _another_database(replica: Replica) -> str:
    empty = "an empty path in the bucket" if replica.scheme == "s3" else "an empty folder"
    return (
        f"{replica.where} holds the replica of another database: restore from it first"
        f" (makermatrix-edge restore --from-replica), or give replication {empty}"
    )


def _password(url: str) -> str | None:
    return urlsplit(url).password
