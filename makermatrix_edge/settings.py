"""Typed, strict configuration: one msgspec Struct per section, TOML file + MAKERMATRIX_EDGE_* env.

Paths: storage.data_dir alone is taken relative to the working directory. Every other path-valued
key (backup.target, backup.drive_root, backup.passphrase_file, printer.output_dir, camera.device
when it is a file, camera.fake_images) is taken inside data_dir when relative, `~` expanded, via
`Settings.path`: a daemon started from another folder (systemd, a shell, the CLI) finds the same
files.
"""

from __future__ import annotations

import ipaddress
import os
import tomllib
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

ENV_PREFIX = "MAKERMATRIX_EDGE_"


def doc(text: str, **constraints: Any) -> msgspec.Meta:
    """A field's one-line documentation (and optional numeric constraints)."""
    return msgspec.Meta(description=text, **constraints)


class _Section(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class ServerSettings(_Section):
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

    def __post_init__(self) -> None:
        for entry in self.trusted_proxies:
            try:  # uvicorn would take a typo as a literal that never matches; say so at start instead
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"trusted_proxies: {entry!r} is not an IP address or network") from None


class StorageSettings(_Section):
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


class AccountsSettings(_Section):
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


class LoggingSettings(_Section):
    level: Annotated[
        Literal["DEBUG", "INFO", "WARNING", "ERROR"], doc("Lowest level written to stdout (journald).")
    ] = "INFO"
    access_log: Annotated[bool, doc("Log one line per HTTP request.")] = False


class TasksSettings(_Section):
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


class ScheduleSettings(_Section):
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


class WebSocketSettings(_Section):
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


class MdnsSettings(_Section):
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


class BackupSettings(_Section):
    enabled: Annotated[bool, doc("Take a verified backup every night on `schedule`.")] = True
    target: Annotated[
        str,
        doc(
            'Where backups go: "auto" (the mounted drive labelled drive_label), "off", or an existing folder'
            " (a relative one is inside data_dir)."
        ),
    ] = "auto"
    drive_label: Annotated[str, doc("Filesystem label of the USB backup drive when target is auto.")] = "MMBACKUP"
    drive_root: Annotated[
        str,
        doc(
            "Root under which proc/mounts and dev/disk/by-label are read (tests point it at a fake tree);"
            " a relative one is inside data_dir."
        ),
    ] = "/"
    schedule: Annotated[
        str, doc("When the nightly backup runs: minute hour day month weekday, in [schedule] timezone.")
    ] = "30 2 * * *"
    keep_daily: Annotated[int, doc("Newest backup of each of this many most recent days is kept.", ge=0)] = 7
    keep_weekly: Annotated[int, doc("Newest backup of each of this many most recent weeks is kept.", ge=0)] = 4
    keep_monthly: Annotated[int, doc("Newest backup of each of this many most recent months is kept.", ge=0)] = 6
    fallback_to_data_dir: Annotated[
        bool, doc("When the drive is missing, read-only or full, write to data_dir/backups instead of failing.")
    ] = False
    include_config: Annotated[bool, doc("Put the effective config (secrets redacted) into each backup.")] = True
    include_secrets: Annotated[
        bool, doc("Also put secret.key and unredacted config secrets into each backup (encrypt it then).")
    ] = False
    passphrase: Annotated[
        str, doc("Encrypt backups with AES-256 under this passphrase; empty: no encryption (secret)")
    ] = ""
    passphrase_file: Annotated[
        str,
        doc(
            "File whose first line is the passphrase (a relative one is inside data_dir);"
            " used when passphrase is empty (secret)"
        ),
    ] = ""


class ScannerSettings(_Section):
    decoder: Annotated[
        Literal["zxing", "pyzbar"],
        doc("Decoding engine: zxing reads DataMatrix, QR and 1D; pyzbar only QR and 1D (no supplier DataMatrix)."),
    ] = "zxing"
    formats: Annotated[
        list[str],
        doc("Symbologies looked for (zxing-cpp names); fewer is faster."),
    ] = msgspec.field(
        default_factory=lambda: ["DataMatrix", "QRCode", "Code128", "Code39", "EAN13", "EAN8", "UPCA", "UPCE", "PDF417"]
    )
    dedup_seconds: Annotated[
        float, doc("The same code seen again by the camera within this many seconds gives no new event.", ge=0)
    ] = 3.0
    recent_size: Annotated[int, doc("Scan results kept in memory for GET /api/scan/recent.", ge=1, le=1000)] = 50
    max_image_bytes: Annotated[int, doc("Largest photo accepted by POST /api/scan/image, in bytes.", ge=65_536)] = (
        10_485_760
    )


class CameraSettings(_Section):
    kind: Annotated[
        Literal["opencv", "fake", "disabled"], doc("Bench camera: opencv (USB/V4L2 or a video file), fake, disabled.")
    ] = "disabled"
    device: Annotated[
        str,
        doc(
            "OpenCV source: a device index (0), a /dev/video* path, a video file or an image sequence (%03d);"
            " a relative file is inside data_dir."
        ),
    ] = "0"
    width: Annotated[int, doc("Requested frame width in pixels (the camera may pick another).", ge=160)] = 1280
    height: Annotated[int, doc("Requested frame height in pixels.", ge=120)] = 720
    fps: Annotated[float, doc("Frames decoded per second while codes are being shown.", gt=0, le=60)] = 10.0
    idle_fps: Annotated[
        float, doc("Frames decoded per second after idle_after_seconds without a code (saves the Pi's CPU).", gt=0)
    ] = 2.0
    idle_after_seconds: Annotated[float, doc("Quiet time before dropping to idle_fps.", ge=0)] = 60.0
    mjpg: Annotated[bool, doc("Ask the camera for MJPG frames (less USB bandwidth, higher resolutions).")] = True
    autostart: Annotated[bool, doc("Start the scan loop when the daemon starts.")] = True
    reconnect_max_seconds: Annotated[
        float, doc("Longest wait between attempts to reopen an unplugged camera (doubles from 1 s).", ge=1)
    ] = 30.0
    fake_payloads: Annotated[
        list[str], doc("fake kind: payloads replayed as if the camera had read them, one per interval.")
    ] = []
    fake_images: Annotated[
        list[str],
        doc("fake kind: image files replayed as camera frames, one per interval; relative ones inside data_dir."),
    ] = []
    fake_interval_seconds: Annotated[float, doc("fake kind: seconds between replayed items.", gt=0)] = 2.0


class PrinterSettings(_Section):
    kind: Annotated[
        Literal["brother_ql", "file", "fake", "disabled"],
        doc("Label printer: brother_ql (USB, usblp, TCP), file (instruction files), fake (simulated QL), disabled."),
    ] = "brother_ql"
    model: Annotated[str, doc("Brother model: QL-500 ... QL-1110NWB, e.g. QL-700, QL-800, QL-820NWB.")] = "QL-700"
    identifier: Annotated[
        str, doc("Where it is: usb://0x04f9:0x2042[/SERIAL], file:///dev/usb/lp0 or tcp://host:9100.")
    ] = "usb://0x04f9:0x2042"
    output_dir: Annotated[str, doc("file kind: folder for instruction files; a relative one is inside data_dir.")] = (
        "labels/out"
    )
    default_label: Annotated[str, doc("Label size used when a request names none (e.g. 62, 29x90, 12).")] = "62"
    io_timeout_seconds: Annotated[
        float, doc("Longest wait for the printer to answer a status request or take data.", gt=0, le=60)
    ] = 5.0
    confirm_timeout_seconds: Annotated[
        float, doc("Longest wait after sending for the printer to report the label printed.", gt=0, le=300)
    ] = 20.0
    poll_seconds: Annotated[
        float, doc("How often the idle printer's status is read (finds it again after unplugging).", ge=1)
    ] = 10.0
    max_queue: Annotated[int, doc("Jobs waiting at most; more are refused with 429.", ge=1, le=1000)] = 50
    max_copies: Annotated[int, doc("Most copies one request may ask for.", ge=1, le=100)] = 20
    wait_max_seconds: Annotated[
        float, doc("Longest a print request with wait=true waits for its result.", gt=0, le=300)
    ] = 60.0
    keep_jobs: Annotated[int, doc("Finished jobs kept in memory for GET /api/printer/jobs.", ge=10)] = 200
    fake_model: Annotated[str, doc("fake kind: the model the simulated USB printer enumerates as.")] = "QL-700"
    fake_media: Annotated[str, doc("fake kind: the label loaded in the simulated printer (empty: none).")] = "62"


class AssistantSettings(_Section):
    enabled: Annotated[
        bool, doc("Answer questions with the language model; off, questions get the inventory-only answer.")
    ] = True
    provider: Annotated[
        Literal["ollama", "openai_compatible", "openai", "anthropic"],
        doc("Model server: ollama, openai_compatible (llama.cpp server, LM Studio); openai/anthropic need internet."),
    ] = "ollama"
    ollama_url: Annotated[str, doc("Base URL of the Ollama server.")] = "http://127.0.0.1:11434"
    api_url: Annotated[
        str, doc("Base URL of an OpenAI-compatible server (its /v1 endpoint), for provider openai_compatible.")
    ] = "http://127.0.0.1:8081/v1"
    api_key: Annotated[str, doc("Bearer key for the OpenAI-compatible server, if it wants one (secret)")] = ""
    model: Annotated[
        str, doc("Model name; a small tool-capable model that runs on a Pi 5 (pull it: ollama pull <model>).")
    ] = "qwen3:1.7b"
    keep_alive: Annotated[
        str, doc("How long Ollama keeps the model loaded after a question (30m, 1h; -1m keeps it for ever).")
    ] = "30m"
    max_rounds: Annotated[int, doc("Model turns per question before it must answer from what it has.", ge=1, le=20)] = 6
    timeout_seconds: Annotated[
        float, doc("Longest a question may take in all; past it the inventory-only answer is given.", gt=0, le=3600)
    ] = 180.0
    call_timeout_seconds: Annotated[
        float, doc("Longest one model call may take (a Pi 5 writes ~5 tokens/s).", gt=0, le=3600)
    ] = 90.0
    temperature: Annotated[
        float, doc("Sampling temperature; 0 gives the same answer to the same question.", ge=0, le=2)
    ] = 0.0
    max_tokens: Annotated[int, doc("Most tokens the model may write per turn.", ge=16, le=32768)] = 512
    num_ctx: Annotated[
        int, doc("Context window asked of Ollama (tool schemas and a few turns fit in 4096).", ge=512)
    ] = 4096
    system_prompt: Annotated[str, doc("Extra instructions added to the built-in system prompt.")] = ""
    max_reply_bytes: Annotated[
        int,
        doc("Most bytes one model turn may send (~130 per streamed token); past it the inventory answers.", ge=4096),
    ] = 262_144
    max_tool_calls: Annotated[
        int, doc("Most tool calls one model turn may ask for; more and the inventory answers instead.", ge=1, le=64)
    ] = 8
    max_checked_claims: Annotated[
        int,
        doc("Most part numbers, counts and prices the guard checks in one answer; more and it is set aside.", ge=1),
    ] = 100
    max_waiting_per_user: Annotated[
        int, doc("Questions one user may have waiting for the model (besides one being answered); more get 429.", ge=0)
    ] = 2
    max_waiting: Annotated[
        int, doc("Questions that may wait for the model in all; more get 503 'busy, N ahead of you'.", ge=1)
    ] = 8


class ImportSettings(_Section):
    unsorted_location: Annotated[
        str, doc("Top-level location that new parts from an order file go to (created when missing).")
    ] = "Unsorted"
    max_file_bytes: Annotated[
        int, doc("Largest order file accepted for import or preview, in bytes.", ge=1024, le=100_000_000)
    ] = 10_000_000
    max_unpacked_bytes: Annotated[
        int, doc("Largest size an .xlsx may unpack to (a bigger one is refused as a zip bomb), in bytes.", ge=1024)
    ] = 50_000_000
    task_threshold_rows: Annotated[
        int, doc("Files with more lines than this import as a background task with progress on /ws/tasks.", ge=1)
    ] = 300
    preview_max_files_per_user: Annotated[
        int, doc("Previewed files kept per user for their confirm; a new one drops that user's oldest.", ge=1)
    ] = 3
    preview_max_bytes_per_user: Annotated[
        int, doc("Bytes of previewed files kept per user; a new one drops that user's oldest.", ge=1024)
    ] = 30_000_000
    preview_max_files: Annotated[
        int, doc("Previewed files kept for all users together; past it a new preview is refused (503).", ge=1)
    ] = 30
    preview_max_bytes: Annotated[
        int, doc("Bytes of previewed files kept for all users together; past it a new preview is refused.", ge=1024)
    ] = 100_000_000
    preview_keep_hours: Annotated[
        float, doc("Hours a previewed file waits for its confirm before it is dropped.", gt=0)
    ] = 24.0


class SuppliersSettings(_Section):
    lcsc_api_url: Annotated[str, doc("EasyEDA component API that answers LCSC numbers (Cnnnn); no credentials.")] = (
        "https://easyeda.com"
    )
    lcsc_api_version: Annotated[str, doc("The `version` query parameter the EasyEDA component API expects.")] = (
        "6.4.19.5"
    )
    lcsc_web_url: Annotated[str, doc("LCSC web shop whose product pages (JSON-LD) are the fallback.")] = (
        "https://www.lcsc.com"
    )
    digikey_api_url: Annotated[str, doc("DigiKey API base (OAuth2 token and Product Information v4).")] = (
        "https://api.digikey.com"
    )
    digikey_client_id: Annotated[str, doc("DigiKey app client id; an admin may also set it on the phone page.")] = ""
    digikey_client_secret: Annotated[
        str, doc("DigiKey app client secret; an admin may also set it on the phone page (secret)")
    ] = ""
    mouser_api_url: Annotated[str, doc("Mouser Search API base.")] = "https://api.mouser.com"
    mouser_api_key: Annotated[
        str, doc("Mouser Search API key; an admin may also set it on the phone page (secret)")
    ] = ""
    lcsc_requests_per_minute: Annotated[float, doc("Most requests per minute sent to LCSC/EasyEDA.", gt=0)] = 20.0
    digikey_requests_per_minute: Annotated[float, doc("Most requests per minute sent to DigiKey.", gt=0)] = 60.0
    mouser_requests_per_minute: Annotated[
        float, doc("Most requests per minute sent to Mouser (its limit is 30/min, 1000/day).", gt=0)
    ] = 30.0
    timeout_seconds: Annotated[
        float, doc("Deadline of one supplier request, connect to last byte, redirects included.", gt=0, le=120)
    ] = 15.0
    max_retries: Annotated[int, doc("Retries of a request answered 429 or 5xx (with backoff).", ge=0, le=10)] = 3
    retry_backoff_seconds: Annotated[
        float, doc("First wait before a retry; it doubles each time, and a longer Retry-After wins.", ge=0)
    ] = 2.0
    max_retry_after_seconds: Annotated[
        float, doc("A Retry-After longer than this fails the request instead of waiting.", ge=0)
    ] = 60.0
    offline_seconds: Annotated[
        float, doc("After a supplier cannot be reached, further calls fail as offline at once for this long.", ge=0)
    ] = 60.0
    datasheet_max_bytes: Annotated[int, doc("Largest datasheet PDF downloaded, in bytes.", ge=65_536)] = 20_971_520


class Settings(_Section):
    server: ServerSettings = msgspec.field(default_factory=ServerSettings)
    storage: StorageSettings = msgspec.field(default_factory=StorageSettings)
    accounts: AccountsSettings = msgspec.field(default_factory=AccountsSettings)
    logging: LoggingSettings = msgspec.field(default_factory=LoggingSettings)
    tasks: TasksSettings = msgspec.field(default_factory=TasksSettings)
    schedule: ScheduleSettings = msgspec.field(default_factory=ScheduleSettings)
    websocket: WebSocketSettings = msgspec.field(default_factory=WebSocketSettings)
    printer: PrinterSettings = msgspec.field(default_factory=PrinterSettings)
    backup: BackupSettings = msgspec.field(default_factory=BackupSettings)
    mdns: MdnsSettings = msgspec.field(default_factory=MdnsSettings)
    scanner: ScannerSettings = msgspec.field(default_factory=ScannerSettings)
    camera: CameraSettings = msgspec.field(default_factory=CameraSettings)
    assistant: AssistantSettings = msgspec.field(default_factory=AssistantSettings)
    imports: ImportSettings = msgspec.field(default_factory=ImportSettings)
    suppliers: SuppliersSettings = msgspec.field(default_factory=SuppliersSettings)

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


def section_types() -> dict[str, type[_Section]]:
    hints = typing.get_type_hints(Settings)
    return {f.name: hints[f.name] for f in msgspec.structs.fields(Settings)}


def field_docs(section: type[_Section]) -> dict[str, str]:
    """Each key of a section and its one-line doc ('' when missing)."""
    hints = typing.get_type_hints(section, include_extras=True)
    out: dict[str, str] = {}
    for f in msgspec.structs.fields(section):
        metas = [m for m in getattr(hints[f.name], "__metadata__", ()) if isinstance(m, msgspec.Meta)]
        out[f.name] = next((m.description for m in metas if m.description), "")
    return out


def _check_unknown_keys(raw: Mapping[str, Any], source: str) -> None:
    sections = section_types()
    for name, value in raw.items():
        if name not in sections:
            raise ConfigError(f"{name}: unknown section{source}")
        if not isinstance(value, Mapping):
            raise ConfigError(f"{name}: must be a table of keys{source}")
        known = {f.name for f in msgspec.structs.fields(sections[name])}
        for key in value:
            if key not in known:
                raise ConfigError(f"{name}.{key}: unknown key{source}")


def _parse_env_value(text: str) -> Any:
    """Read an env value as a TOML value (9000, true, ["a"]); anything else is a plain string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _env_overrides(env: Mapping[str, str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, text in env.items():
        if not name.startswith(ENV_PREFIX) or "__" not in name:
            continue
        section, _, key = name[len(ENV_PREFIX) :].lower().partition("__")
        out.setdefault(section, {})[key] = _parse_env_value(text)
    return out


def _merge(base: dict[str, Any], extra: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    merged = {k: dict(v) if isinstance(v, Mapping) else v for k, v in base.items()}
    for section, values in extra.items():
        target = merged.setdefault(section, {})
        if isinstance(target, dict):
            target.update(values)
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
        _check_unknown_keys(raw, f" (in {path})")
    env_raw = _env_overrides(os.environ if env is None else env)
    _check_unknown_keys(env_raw, " (from environment)")
    raw = _merge(raw, env_raw)
    if overrides:
        raw = _merge(raw, overrides)
    return _convert(raw)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return msgspec.json.encode(value).decode()
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def render_toml(settings: Settings, *, with_docs: bool = True, redact: bool = True) -> str:
    """The settings as a TOML document; secret keys (doc ends with '(secret)') are redacted."""
    lines: list[str] = []
    for name, section_type in section_types().items():
        section = getattr(settings, name)
        docs = field_docs(section_type)
        lines.append(f"[{name}]")
        for key, text in docs.items():
            value = getattr(section, key)
            if with_docs:
                lines.append(f"# {text}")
            if redact and text.endswith("(secret)") and value:
                value = "***"
            lines.append(f"{key} = {_toml_value(value)}")
        lines.append("")
    return "\n".join(lines)


def reference_toml() -> str:
    """The documented production-default config file, as config/makermatrix-edge.toml must read."""
    header = (
        "# makermatrix-edge configuration: every key at its production default.\n"
        "# Copy to /etc/makermatrix-edge/config.toml and change what you need.\n"
        "# Any key can also be set as MAKERMATRIX_EDGE_<SECTION>__<KEY>, e.g. MAKERMATRIX_EDGE_SERVER__PORT=9000.\n"
        "# A relative path in any key is taken inside storage.data_dir; data_dir alone is relative to the\n"
        "# working directory.\n\n"
    )
    return header + render_toml(Settings(), with_docs=True, redact=False)
