"""Issue 24 point 15: the pages from an installed wheel, not only from the source tree.

/static/favicon.svg was 404 on every installed copy: package-data listed only *.css and *.js. The
wheel is built offline from a copy of the tree; every file of the package must be in it, and the
pages (templates, CSS, JS, the icon) must be served by the code unpacked from it.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from daemon_process import ROOT
from wheel_build import build_wheel

PACKAGE = ROOT / "makermatrix_edge"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory.mktemp("wheel"))


def _source_files() -> set[str]:
    return {
        p.relative_to(ROOT).as_posix()
        for p in PACKAGE.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    }


def test_every_file_of_the_package_is_in_the_wheel(wheel: Path) -> None:
    shipped = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(_source_files() - shipped)
    assert not missing, f"not in the wheel: {missing}"
    for folder in ("web/static", "web/templates"):
        assert any(name.startswith(f"makermatrix_edge/{folder}/") for name in shipped), folder


SERVE = """
import sys
from pathlib import Path
from litestar.testing import TestClient
import makermatrix_edge
from makermatrix_edge.app import create_app
from makermatrix_edge.daemon import build_services
from makermatrix_edge.settings.loader import load_settings
assert Path(makermatrix_edge.__file__).resolve().is_relative_to(Path(sys.argv[1]).resolve()), makermatrix_edge.__file__
quick = {"storage": {"data_dir": sys.argv[2]}, "accounts": {"bcrypt_cost": 4}, "backup": {"enabled": False}}
settings = load_settings(Path(sys.argv[3]), env={}, overrides=quick)
services = build_services(settings, admin_password="wheel-admin-pw-1")
try:
    with TestClient(create_app(services)) as client:
        for path in sys.argv[4:]:
            r = client.get(path)
            print(path, r.status_code, len(r.content))
finally:
    services.close()
"""


def test_the_pages_are_served_from_the_unpacked_wheel(wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    static = sorted(p.name for p in (PACKAGE / "web" / "static").iterdir() if p.is_file())
    paths = ["/login", *(f"/static/{name}" for name in static)]
    done = subprocess.run(
        [sys.executable, "-c", SERVE, str(site), str(tmp_path / "data"), str(ROOT / "config" / "dev.toml"), *paths],
        cwd=site,
        env={"PYTHONPATH": str(site), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    answers = dict(line.split(" ", 1) for line in done.stdout.splitlines())
    assert set(answers) == set(paths)
    for path, answer in answers.items():
        status, size = answer.split()
        assert status == "200" and int(size) > 0, (path, answer)
