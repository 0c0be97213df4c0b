"""The daemon's own sections: server, storage, accounts, logging, tasks, schedule, websocket, mdns."""

from __future__ import annotations

import ipaddress
from typing import Annotated, Literal

from makermatrix_edge.settings.base import Section, doc


class ServerSettings(Section):
    host: Annotated[str, doc("Address to listen on; 0.0.0.0 serves every phone on the LAN.")] = "0.0.0.0"
    port: Annotated[int, doc("TCP port for HTTP and WebSockets.", ge=1, le=65535)] = 8080
    public_url: Annotated[
        str, doc("Base URL printed on labels and shown to phones; empty means http://<hostname>.local:<port>.")
    ] = ""
    cors_origins: Annotated[
        list[str], doc("Extra browser origins allowed to call the API; the daemon's own origin always works.")
    ] = []
    max_body_bytes: Annotated[
        int, doc("Largest request body for ordinary endpoints; upload endpoints set their own limit.", ge=1024)
    ] = 1_048_576
    shutdown_grace_seconds: Annotated[
        int, doc("How long SIGTERM waits for in-flight requests before closing them.", ge=0, le=300)
    ] = 10
    trusted_proxies: Annotated[
        list[str],
        doc("Reverse-proxy addresses or networks whose X-Forwarded-For/-Proto are believed; empty trusts none."),
    ] = []
    http_parser: Annotated[
        Literal["auto", "httptools", "h11"],
        doc("HTTP/1.1 parser: auto takes httptools (C) when installed, else h11 (pure Python)."),
    ] = "auto"
    event_loop: Annotated[
        Literal["auto", "uvloop", "asyncio"],
        doc("Event loop: auto takes uvloop when installed, else asyncio's own."),
    ] = "auto"

    def __post_init__(self) -> None:
        for entry in self.trusted_proxies:
            try:  # uvicorn would take a typo as a literal that never matches; say so at start instead
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {entry!r} is not an IP address or network") from None


class StorageSettings(Section):
    data_dir: Annotated[
        str,
        doc(
            "Folder for the database, images, labels, backups and secret.key; the one path relative to the"
            " working dir (every other relative path is inside data_dir)."
        ),
    ] = "/var/lib/makermatrix-edge"
    busy_timeout_ms: Annotated[int, doc("How long a database call waits for a lock before failing.", ge=0)] = 5000
    synchronous: Annotated[
        Literal["NORMAL", "FULL"],
        doc("SQLite fsync policy: FULL survives a power cut with every commit; NORMAL is faster."),
    ] = "FULL"
    read_threads: Annotated[
        int, doc("Threads serving database reads in parallel with the single writer.", ge=1, le=16)
    ] = 2


class AccountsSettings(Section):
    open_registration: Annotated[
        bool, doc("Let anyone on the LAN register an account (it gets the 'user' role); otherwise admins only.")
    ] = False
    bcrypt_cost: Annotated[
        int, doc("bcrypt work factor for stored passwords (each +1 doubles the time).", ge=4, le=16)
    ] = 12
    access_token_minutes: Annotated[int, doc("Lifetime of an access token (JWT) in minutes.", ge=1)] = 480
    refresh_token_days: Annotated[int, doc("Lifetime of the refresh-token cookie in days.", ge=1)] = 7
    min_password_length: Annotated[int, doc("Shortest password accepted when one is set.", ge=8, le=72)] = 8
    login_max_failures: Annotated[
        int, doc("Failed logins for one username from one client address within the window before 429.", ge=1)
    ] = 5
    login_user_max_failures: Annotated[
        int, doc("Failed logins for one username from all addresses together within the window before 429.", ge=1)
    ] = 20
    login_address_max_failures: Annotated[
        int, doc("Failed logins from one client address for all usernames together within the window before 429.", ge=1)
    ] = 20
    login_window_seconds: Annotated[int, doc("Window over which failed logins are counted, in seconds.", ge=1)] = 300


class LoggingSettings(Section):
    level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"], doc("Lowest level written to stdout (journald).")
    ] = "INFO"
    access_log: Annotated[bool, doc("Log one line per HTTP request.")] = False


class TasksSettings(Section):
    concurrency: Annotated[int, doc("Background tasks that run at the same time.", ge=1, le=16)] = 2
    default_timeout_seconds: Annotated[
        int, doc("Timeout of a task whose type sets none; a task running longer fails as timed out.", ge=1)
    ] = 3600
    default_max_retries: Annotated[
        int, doc("Retries of a failed task whose type sets no number of its own.", ge=0, le=20)
    ] = 3
    retry_backoff_seconds: Annotated[
        int, doc("Wait before the first retry of a failed task; it doubles with each further retry.", ge=0)
    ] = 30
    retry_backoff_max_seconds: Annotated[int, doc("Longest wait between two retries.", ge=0)] = 1800
    cancel_grace_seconds: Annotated[
        int,
        doc("How long a cancelled or timed-out task may take to stop before its slot is given to another.", ge=1),
    ] = 5
    poll_seconds: Annotated[
        float, doc("How often the worker checks timeouts and retries that are due (new tasks start at once).", gt=0)
    ] = 0.5
    progress_store_seconds: Annotated[
        float, doc("Progress is pushed live at once but stored in the database at most this often per task.", ge=0)
    ] = 1.0
    keep_finished_days: Annotated[
        int, doc("The cleanup task deletes finished tasks older than this many days.", ge=1)
    ] = 30
    max_active_per_user: Annotated[
        int, doc("Tasks a user may have pending, running or waiting to retry at once (429 beyond).", ge=1)
    ] = 10
    max_per_user_per_hour: Annotated[int, doc("Tasks a user may create per hour (429 beyond).", ge=1)] = 60
    enable_test_tasks: Annotated[
        bool, doc("Offer the test_progress task type (benchmarks and tests only; never in production).")
    ] = False


class ScheduleSettings(Section):
    timezone: Annotated[
        str, doc("IANA time zone of the cron expressions, e.g. Europe/Berlin; empty means the system's.")
    ] = ""
    catch_up_hours: Annotated[
        int, doc("A scheduled run missed while the daemon was off runs once at start if at most this old.", ge=0)
    ] = 24
    database_cleanup: Annotated[bool, doc("Run the database cleanup task on database_cleanup_cron.")] = True
    database_cleanup_cron: Annotated[
        str, doc("When the cleanup runs: minute hour day month weekday (0 or 7 = Sunday); weekly by default.")
    ] = "30 3 * * 0"


class WebSocketSettings(Section):
    queue_size: Annotated[
        int, doc("Messages waiting for one live client; a client further behind is closed with a reason.", ge=8)
    ] = 256
    heartbeat_seconds: Annotated[
        float, doc("Ping interval and pong timeout that detect dead connections; 0 turns pings off.", ge=0)
    ] = 20.0
    max_connections: Annotated[int, doc("Live WebSocket clients at once; more are refused.", ge=1)] = 100
    max_per_user: Annotated[
        int,
        doc("Live WebSocket clients one user (all their tokens and keys) may hold at once; more are refused.", ge=1),
    ] = 8
    admin_reserve: Annotated[
        int,
        doc("Of max_connections, this many only admins may take, so others filling up never lock admins out.", ge=0),
    ] = 8

    def __post_init__(self) -> None:
        if self.admin_reserve >= self.max_connections:
            raise ValueError(f"admin_reserve ({self.admin_reserve}) must be less than max_connections")


class MdnsSettings(Section):
    enabled: Annotated[bool, doc("Advertise the daemon on the LAN over mDNS (_http._tcp, _makermatrix._tcp).")] = True
    name: Annotated[
        str, doc("Name phones and browsers list; made unique (MakerMatrix Bench-2) if another bench has it.")
    ] = "MakerMatrix Bench"
    interfaces: Annotated[
        list[str], doc("IPv4 addresses to advertise on; empty means every interface but loopback.")
    ] = []
    address_check_seconds: Annotated[
        float, doc("How often to look for a changed IP address (DHCP, Wi-Fi) and re-announce.", ge=1)
    ] = 30.0
