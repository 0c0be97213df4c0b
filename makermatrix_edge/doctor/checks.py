"""The host checks in the order a person reads them, each bound to the host it looks at."""

from __future__ import annotations

from collections.abc import Callable

from makermatrix_edge.doctor import Check, CheckFn
from makermatrix_edge.doctor.hardware import check_barcode_libraries, check_camera, check_clock, check_printer
from makermatrix_edge.doctor.host import Host
from makermatrix_edge.doctor.network import check_mdns, check_ollama
from makermatrix_edge.doctor.replication import check_replication
from makermatrix_edge.doctor.storage import check_backup_drive, check_data_dir, check_database


def host_checks(host: Host, *, devices: bool = True) -> list[CheckFn]:
    """The checks, in the order a person reads them; devices=False leaves USB/camera to the daemon."""
    checks: list[Callable[[Host], Check | list[Check]]] = [check_data_dir, check_database]
    if devices:
        checks += [check_printer, check_camera]
    checks += [check_barcode_libraries, check_ollama, check_backup_drive, check_replication, check_mdns, check_clock]
    return [_bind(c, host) for c in checks]


def _bind(check: Callable[[Host], Check | list[Check]], host: Host) -> CheckFn:
    def run() -> Check | list[Check]:
        return check(host)

    run.__name__ = check.__name__
    return run
