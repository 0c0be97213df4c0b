"""`makermatrix-edge` subcommands: serve, config check|dump, users set-password, demo-data, --version."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from makermatrix_edge import __version__
from makermatrix_edge.runtime.datadir_lock import DataDirBusy, DataDirLock
from makermatrix_edge.runtime.logging import configure_logging
from makermatrix_edge.settings import ConfigError, Settings, load_settings, render_toml

DEFAULT_CONFIG = Path("/etc/makermatrix-edge/config.toml")
EXIT_CONFIG = 2


def _config_path(given: str | None) -> Path | None:
    if given:
        return Path(given)
    from_env = os.environ.get("MAKERMATRIX_EDGE_CONFIG")
    if from_env:
        return Path(from_env)
    return DEFAULT_CONFIG if DEFAULT_CONFIG.exists() else None


def _overrides(args: argparse.Namespace) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    if getattr(args, "host", None):
        out.setdefault("server", {})["host"] = args.host
    if getattr(args, "port", None) is not None:
        out.setdefault("server", {})["port"] = args.port
    if getattr(args, "data_dir", None):
        out.setdefault("storage", {})["data_dir"] = args.data_dir
    return out


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(_config_path(args.config), overrides=_overrides(args))


def _hold(settings: Settings, command: str, hint: str) -> DataDirLock | None:
    """The data-dir lock for a CLI command that writes; None (and a sentence on stderr) if it is taken."""
    lock = DataDirLock(settings.data_dir, command, hint=hint)
    try:
        return lock.acquire()
    except DataDirBusy as exc:
        print(f"nothing done: {exc.message}", file=sys.stderr)
        return None


def _cmd_serve(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging(settings.logging.level, journald="JOURNAL_STREAM" in os.environ)
    from makermatrix_edge.daemon import serve, serve_lock  # imported late: `config check` needs none of it
    from makermatrix_edge.errors import InvalidInput

    lock = serve_lock(settings)
    try:
        lock.acquire()  # before the demo bench is loaded, so that write is covered too
    except DataDirBusy as exc:
        print(f"not started: {exc.message}", file=sys.stderr)
        return 1
    try:
        if args.demo:
            _load_demo_if_empty(settings)
        return serve(settings, lock)
    except InvalidInput as exc:  # e.g. MAKERMATRIX_EDGE_ADMIN_PASSWORD too short
        print(f"config error: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG
    finally:
        lock.release()


def _cmd_config_check(args: argparse.Namespace) -> int:
    load_settings(Path(args.path))
    print(f"{args.path}: ok")
    return 0


def _cmd_config_dump(args: argparse.Namespace) -> int:
    print(render_toml(_settings(args), with_docs=False, redact=True), end="")
    return 0


def _read_new_password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("New password: ")
        if getpass.getpass("Again: ") != first:
            raise SystemExit("the two passwords differ; nothing changed")
        return first
    return sys.stdin.readline().rstrip("\r\n")


def _cmd_set_password(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging("WARNING", journald=False)
    if not (settings.data_dir / "makermatrix.db").exists():
        print(f"no database in {settings.data_dir}; start the daemon once first", file=sys.stderr)
        return 1
    lock = _hold(settings, "set-password", "stop it or change the password on the phone page or the API")
    if lock is None:
        return 1
    try:
        return _set_password_locked(settings, args.username)
    finally:
        lock.release()


def _set_password_locked(settings: Settings, username: str) -> int:
    from makermatrix_edge.accounts.passwords import PasswordHasher
    from makermatrix_edge.accounts.users import UserService
    from makermatrix_edge.clock import system_clock
    from makermatrix_edge.db.datafile import open_database
    from makermatrix_edge.errors import DomainError

    password = _read_new_password()
    db = open_database(settings)
    try:
        users = UserService(
            db,
            PasswordHasher(settings.accounts.bcrypt_cost),
            system_clock,
            min_password_length=settings.accounts.min_password_length,
        )
        user = users.set_password_offline(username, password)
    except DomainError as exc:
        print(f"nothing changed: {exc.message}", file=sys.stderr)
        return 1
    finally:
        db.close()
    note = "" if user.is_active else " (note: this account is disabled)"
    print(f"password of {user.username} changed; their old sessions have ended{note}")
    return 0


def _admin_password() -> str | None:
    return os.environ.get("MAKERMATRIX_EDGE_ADMIN_PASSWORD") or None


def _load_demo_if_empty(settings: Settings) -> None:
    """serve --demo: fill an inventory that has no parts yet with the demo bench, then close it again."""
    from makermatrix_edge.daemon import build_services
    from makermatrix_edge.demo.load import load_demo_if_empty

    log = logging.getLogger(__name__)
    services = build_services(settings, admin_password=_admin_password())
    try:
        report = asyncio.run(load_demo_if_empty(services))
    finally:
        services.close()
    if report is None:
        log.info("--demo: the inventory already has parts; demo data not loaded")
    else:
        log.info("--demo: loaded demo data (%s)", "; ".join(report.lines()))


def _cmd_demo_data(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging("WARNING", journald=False)
    lock = _hold(settings, "demo-data", "stop it first, or start it with serve --demo")
    if lock is None:
        return 1
    try:
        return _demo_data_locked(settings, verbose=args.verbose)
    finally:
        lock.release()


def _demo_data_locked(settings: Settings, *, verbose: bool) -> int:
    from makermatrix_edge.daemon import build_services
    from makermatrix_edge.db.datafile import DB_FILE
    from makermatrix_edge.demo.load import load_demo
    from makermatrix_edge.errors import DomainError

    try:
        services = build_services(settings, admin_password=_admin_password())
    except DomainError as exc:  # e.g. MAKERMATRIX_EDGE_ADMIN_PASSWORD too short
        print(f"config error: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG
    try:
        report = asyncio.run(load_demo(services))
    except DomainError as exc:
        print(f"demo data not loaded: {exc.message}", file=sys.stderr)
        return 1
    finally:
        services.close()
    print(f"demo data in {settings.data_dir / DB_FILE}:")
    print("\n".join(report.lines(names=verbose)))
    return 0


def _cmd_backup(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging("WARNING", journald=False)
    from makermatrix_edge.backups.commands import run_backup

    # A running daemon is fine (the snapshot is an online backup, its migrations are applied);
    # without one, the lock keeps a daemon from starting (and migrating) halfway through.
    lock = DataDirLock(settings.data_dir, "backup")
    try:
        lock.acquire()
    except DataDirBusy as exc:
        if exc.command not in ("", "serve"):
            print(f"nothing done: {exc.message}", file=sys.stderr)
            return 1
    try:
        return run_backup(settings, args.name)
    finally:
        lock.release()


def _cmd_restore(args: argparse.Namespace) -> int:
    settings = _settings(args)
    configure_logging("WARNING", journald=False)
    from makermatrix_edge.backups.commands import run_replica_restore, run_restore

    if (args.archive is None) == (args.from_replica is None):
        print("restore what? name a backup ZIP, or --from-replica [URL]", file=sys.stderr)
        return 2
    if args.timestamp and args.from_replica is None:
        print("--timestamp goes with --from-replica (an archive holds one moment)", file=sys.stderr)
        return 2
    lock = _hold(settings, "restore", "stop it (sudo systemctl stop makermatrix-edge) or use the API restore")
    if lock is None:
        return 1
    try:
        if args.from_replica is not None:
            return run_replica_restore(settings, args.from_replica or None, args.timestamp)
        return run_restore(settings, Path(args.archive), args.passphrase_file)
    finally:
        lock.release()


def _cmd_doctor(args: argparse.Namespace) -> int:
    """Check the machine and the config; one line each, a fix under each problem; exit 0/1/2."""
    configure_logging("WARNING", journald=False)
    import msgspec

    from makermatrix_edge.doctor import Check, render_text, run_checks
    from makermatrix_edge.doctor.checks import host_checks
    from makermatrix_edge.doctor.host import host_for

    path = _config_path(args.config)
    try:
        settings = _settings(args)
        config = Check("config", "ok", f"{path or 'no config file: built-in defaults'} is valid")
    except ConfigError as exc:
        settings = load_settings(None, env={}, overrides=_overrides(args))
        config = Check("config", "fail", str(exc), f"correct it, then: makermatrix-edge config check {path}")
    report = run_checks([lambda: config, *host_checks(host_for(settings, root=Path(args.root)))])
    if args.json:
        print(msgspec.json.encode(report).decode())
    else:
        print(render_text(report), end="")
    return report.exit_code


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="PATH",
        help="config file (default: $MAKERMATRIX_EDGE_CONFIG or /etc/makermatrix-edge/config.toml)",
    )
    parser.add_argument("--data-dir", metavar="DIR", help="override storage.data_dir")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="makermatrix-edge", description="Parts-inventory daemon for the workbench.")
    parser.add_argument("--version", action="version", version=f"makermatrix-edge {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the daemon in the foreground")
    _add_common(serve)
    serve.add_argument("--host", help="override server.host")
    serve.add_argument("--port", type=int, help="override server.port")
    serve.add_argument("--demo", action="store_true", help="load the demo data first if the inventory has no parts")
    serve.set_defaults(func=_cmd_serve)

    config = sub.add_parser("config", help="check or show configuration")
    config_sub = config.add_subparsers(dest="config_command", required=True)
    check = config_sub.add_parser("check", help="validate a config file")
    check.add_argument("path")
    check.set_defaults(func=_cmd_config_check)
    dump = config_sub.add_parser("dump", help="print the effective config, secrets redacted")
    _add_common(dump)
    dump.set_defaults(func=_cmd_config_dump)

    users = sub.add_parser("users", help="manage accounts from the Pi's shell")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    set_password = users_sub.add_parser("set-password", help="set a user's password, read from stdin")
    set_password.add_argument("username")
    _add_common(set_password)
    set_password.set_defaults(func=_cmd_set_password)

    demo = sub.add_parser("demo-data", help="load a small demo bench (locations, categories, ~50 parts)")
    _add_common(demo)
    demo.add_argument("-v", "--verbose", action="store_true", help="list every item added or left alone")
    demo.set_defaults(func=_cmd_demo_data)

    doctor = sub.add_parser("doctor", help="check config, data, printer, camera, drive, clock; say how to fix")
    _add_common(doctor)
    doctor.add_argument("--json", action="store_true", help="print the report as JSON")
    doctor.add_argument("--root", default="/", metavar="DIR", help="read /sys, /dev, /proc under DIR (tests)")
    doctor.set_defaults(func=_cmd_doctor)

    backup = sub.add_parser("backup", help="take a verified backup now (to backup.target)")
    _add_common(backup)
    backup.add_argument("--name", help="file name without .zip (default makermatrix_backup_<UTC time>)")
    backup.set_defaults(func=_cmd_backup)

    restore = sub.add_parser(
        "restore", help="restore a backup ZIP, or the replica (--from-replica), onto the data dir (daemon stopped)"
    )
    restore.add_argument("archive", nargs="?", help="the backup ZIP")
    _add_common(restore)
    restore.add_argument("--passphrase-file", metavar="PATH", help="passphrase of an encrypted backup")
    restore.add_argument(
        "--from-replica",
        nargs="?",
        const="",
        metavar="URL",
        help="restore from the Litestream replica (default: [replication] replicas), e.g. file:///media/backup/mm",
    )
    restore.add_argument(
        "--timestamp", metavar="TIME", help="with --from-replica: the state at this time (2026-12-06T18:00)"
    )
    restore.set_defaults(func=_cmd_restore)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        logging.getLogger(__name__).debug("startup failed", exc_info=exc)
        print(f"error: {exc}", file=sys.stderr)
        return 1
