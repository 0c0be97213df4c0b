"""The HTTP parser and event loop uvicorn runs with come from [server] (scripts/bench/server_stack.py)."""

from __future__ import annotations

from pathlib import Path

from litestar import Litestar

from conftest import make_settings
from makermatrix_edge.daemon import server_config


def test_the_parser_and_loop_settings_reach_uvicorn(tmp_path: Path) -> None:
    app = Litestar(route_handlers=[])
    default = server_config(make_settings(tmp_path / "a"), app)
    assert (default.http, default.loop) == ("auto", "auto")  # httptools / uvloop when installed
    chosen = make_settings(tmp_path / "b", server={"http_parser": "h11", "event_loop": "asyncio"})
    config = server_config(chosen, app)
    assert (config.http, config.loop) == ("h11", "asyncio")
    assert config.proxy_headers is False and config.server_header is False  # the other safe defaults held
