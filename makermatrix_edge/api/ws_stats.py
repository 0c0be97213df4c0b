"""`get_system_stats` on /ws/admin: the Pi's load, memory and disk, the database, connections, tasks."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import msgspec
import psutil  # type: ignore[import-untyped]

from makermatrix_edge.accounts.models import Principal
from makermatrix_edge.services import Services

MB = 1024 * 1024


def _host(data_dir: Path, db_path: Path) -> dict[str, Any]:
    """Blocking: runs in a thread."""
    proc = psutil.Process()
    with proc.oneshot():
        cpu = proc.cpu_times()
        rss = proc.memory_info().rss
        threads = proc.num_threads()
    memory = psutil.virtual_memory()
    disk = psutil.disk_usage(str(data_dir))
    db_bytes = sum(p.stat().st_size for p in (db_path, Path(f"{db_path}-wal")) if p.exists())
    return {
        "cpu_percent": psutil.cpu_percent(interval=0.1),
        "load_average": list(os.getloadavg()),
        "cpu_count": psutil.cpu_count(),
        "process": {"rss_mb": round(rss / MB, 1), "cpu_seconds": round(cpu.user + cpu.system, 2), "threads": threads},
        "memory": {
            "total_mb": round(memory.total / MB),
            "available_mb": round(memory.available / MB),
            "percent": memory.percent,
        },
        "disk": {"total_mb": round(disk.total / MB), "free_mb": round(disk.free / MB), "percent": disk.percent},
        "database_bytes": db_bytes,
    }


async def system_stats(services: Services, principal: Principal) -> dict[str, Any]:
    stats = await asyncio.to_thread(_host, services.settings.data_dir, services.db.path)
    bus = msgspec.structs.asdict(services.events.stats())
    return {
        "uptime_seconds": int(services.clock() - services.started_at),
        **stats,
        "connections": bus,
        "tasks": msgspec.to_builtins(await services.tasks.stats(principal)),
        "worker": msgspec.to_builtins(await services.tasks.worker_status()),
        "schedule": services.scheduler.jobs(),
    }
