"""Copied by runner.py as the root conftest.py of the extracted MakerMatrix tests; never imported by the product.

It points MakerMatrix's own API tests at a running server over HTTP:
- FastAPI's / Starlette's TestClient becomes an httpx.Client on MM_COMPAT_BASE_URL (the app passed is ignored);
- `requests` and bare `httpx` calls to localhost:8080 / 8443 / 8000 / 57891 go to that URL too;
- MakerMatrix's own modules (and the libraries only its internals use: sqlmodel, sqlalchemy, passlib...)
  are stand-ins that do nothing and count every touch. A test whose body touches one reaches into
  MakerMatrix's process and does not apply; a fixture that only cleans MakerMatrix's database does no harm
  (every test file runs against a fresh database of its own).
Per test it records the outcome, the HTTP calls made, the stand-in touches in setup and in the body, and
whether a fixture the test asks for (directly or through another) touched one, as JSON at MM_COMPAT_REPORT.
A test that asks for a fixture such as "a token minted by MakerMatrix's AuthService" reaches in; a test
whose only touch is an autouse clean-up fixture does not.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import os
import sys
import types
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest

ROOT = Path(__file__).resolve().parent
BASE = os.environ.get("MM_COMPAT_BASE_URL", "http://127.0.0.1:8080").rstrip("/")
REPORT = os.environ.get("MM_COMPAT_REPORT")
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "10.2.0.2"}
LOCAL_PORTS = {8080, 8443, 8000, 57891, None}
# Packages only MakerMatrix's internals use; tests import them to reach into its database or services.
STAND_INS = {
    "MakerMatrix", "sqlmodel", "sqlalchemy", "passlib", "apscheduler", "pandas", "aiohttp", "dotenv",
    "langchain", "langchain_community", "langchain_ollama", "digikey", "mouser", "brother_ql", "websockets",
    "suppliers", "jose", "slowapi", "pyminizip", "emoji", "qrcode", "bs4", "openpyxl", "xlrd",
}  # fmt: skip
COUNTS = {"http": 0, "touch": 0}
PASSWORDS: dict[str, str] = {"admin": "Admin123!"}  # users a test registered over HTTP, to log them in
CHANGED_TO: list[str] = []  # new passwords sent in password changes over HTTP
TOUCHING_FIXTURES: set[str] = set()  # fixtures whose own setup touched a stand-in (by name)


def _token_over_http(*args: Any, data: dict[str, Any] | None = None, **kwargs: Any) -> str:
    """The one bridge: `AuthService().create_access_token(data={"sub": name})`, which MakerMatrix's tests use
    to get a user's token, is a login over HTTP when the test made that user over HTTP (or it is admin)."""
    name = str((data or {}).get("sub", ""))
    if name not in PASSWORDS:
        COUNTS["touch"] += 1  # a user the test made inside MakerMatrix: that reaches in
        return "no-token-for-a-user-made-inside-makermatrix"
    # MakerMatrix mints the token whatever the password is now; a test may have changed it over HTTP (and, failing
    # half-way, not changed it back), so the passwords seen in password changes are tried too, newest first.
    with httpx.Client(base_url=BASE, timeout=60) as client:
        for password in [PASSWORDS[name], *reversed(CHANGED_TO)]:
            answer = client.post("/api/auth/login", json={"username": name, "password": password})
            if answer.status_code == 200:
                return str(answer.json().get("access_token", "login-refused"))
    return "login-refused"


class _StandIn(type):
    """A class that stands in for anything of MakerMatrix's: every use counts and nothing happens."""

    def __getattr__(cls, item: str) -> Any:
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        if cls.__name__ == "AuthService()" and item == "create_access_token":
            return _token_over_http
        COUNTS["touch"] += 1
        return stand_in(f"{cls.__name__}.{item}")

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        if cls.__name__ != "AuthService":  # making one is harmless; only what it is asked counts
            COUNTS["touch"] += 1
        return stand_in(f"{cls.__name__}()")

    def __iter__(cls) -> Any:
        COUNTS["touch"] += 1
        return iter(())

    def __len__(cls) -> int:
        return 0

    def __getitem__(cls, key: Any) -> Any:
        COUNTS["touch"] += 1
        return stand_in(f"{cls.__name__}[]")

    def __enter__(cls) -> Any:
        COUNTS["touch"] += 1
        return cls

    def __exit__(cls, *exc: object) -> bool:
        return False

    def __bool__(cls) -> bool:
        COUNTS["touch"] += 1
        return False


def stand_in(name: str) -> Any:
    # An Exception subclass, so `except X` and `pytest.raises(X)` still parse where X is MakerMatrix's.
    return _StandIn(name.rsplit(".", 1)[-1] or "StandIn", (Exception,), {})


class _StandInModule(types.ModuleType):
    def __getattr__(self, item: str) -> Any:
        if item.startswith("__") and item.endswith("__"):
            raise AttributeError(item)
        return stand_in(f"{self.__name__}.{item}")

    def __setattr__(self, item: str, value: Any) -> None:
        # unittest.mock.patch("MakerMatrix.x.FLAG", ...) sets an attribute: a test that does reaches in.
        # The import system setting a submodule on its package is not a touch.
        if not (item.startswith("__") and item.endswith("__")) and not isinstance(value, types.ModuleType):
            COUNTS["touch"] += 1
        super().__setattr__(item, value)


class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: Any, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if name.split(".")[0] not in STAND_INS:
            return None
        real = ROOT.joinpath(*name.split("."))
        if real.with_suffix(".py").exists() or (real / "__init__.py").exists():
            return None  # MakerMatrix's own tests and their helpers are real files here
        return importlib.machinery.ModuleSpec(name, self, is_package=True)

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        module = _StandInModule(spec.name)
        module.__path__ = [str(ROOT.joinpath(*spec.name.split(".")))]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


sys.meta_path.insert(0, _Finder())


class OutsideCall(ConnectionError):
    """The tests run offline: a call to a supplier's or a manufacturer's site is refused, not made."""


class NothingListening(Exception):
    """Another port on this machine (vite's 5173, Ollama's 11434): on a bench running only the server under
    test nothing answers there, so each client raises its own "connection refused" (see the two senders)."""


def _local(url: str) -> str:
    parts = urlsplit(url)
    base = urlsplit(BASE)
    if parts.hostname in LOCAL_HOSTS and parts.port in LOCAL_PORTS:
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, parts.fragment))
    if parts.netloc == base.netloc:
        return url
    if parts.hostname in {"localhost", "127.0.0.1"}:
        raise NothingListening(f"nothing listens on {parts.netloc}")
    raise OutsideCall(f"no network here: {parts.scheme}://{parts.netloc}")


_send = httpx.Client.send


def _counted_send(self: httpx.Client, request: httpx.Request, **kwargs: Any) -> httpx.Response:
    try:
        request.url = httpx.URL(_local(str(request.url)))
    except NothingListening as exc:
        raise httpx.ConnectError(str(exc), request=request) from None
    COUNTS["http"] += 1  # a call to the server under test (an outside one was refused above)
    if request.method == "POST" and request.url.path.endswith("/users/register"):
        _remember(request.content)
    if request.method == "PUT" and request.url.path.endswith("/password"):
        _remember_change(request.content)
    return _send(self, request, **kwargs)


def _remember_change(body: bytes) -> None:
    try:
        sent = json.loads(body or b"{}")
    except ValueError:
        return
    if isinstance(sent, dict) and isinstance(sent.get("new_password"), str) and sent["new_password"] not in CHANGED_TO:
        CHANGED_TO.append(sent["new_password"])


def _remember(body: bytes) -> None:
    try:
        sent = json.loads(body or b"{}")
    except ValueError:
        return
    if isinstance(sent, dict) and isinstance(sent.get("username"), str) and isinstance(sent.get("password"), str):
        PASSWORDS[sent["username"]] = sent["password"]


httpx.Client.send = _counted_send  # type: ignore[method-assign]


class TestClient(httpx.Client):
    """What `TestClient(app)` is here: an HTTP client on the server under test."""

    __test__ = False

    def __init__(self, app: Any = None, base_url: str = "", raise_server_exceptions: bool = True, **kwargs: Any):
        kwargs.pop("root_path", None)
        kwargs.pop("backend", None)
        kwargs.pop("backend_options", None)
        kwargs.setdefault("follow_redirects", True)
        super().__init__(base_url=BASE, timeout=120, **kwargs)

    def request(self, method: str, url: Any, **kwargs: Any) -> httpx.Response:  # type: ignore[override]
        if "allow_redirects" in kwargs:
            kwargs["follow_redirects"] = kwargs.pop("allow_redirects")
        return super().request(method, url, **kwargs)


for _name in ("fastapi.testclient", "starlette.testclient"):
    try:
        __import__(_name)
        sys.modules[_name].TestClient = TestClient  # type: ignore[attr-defined]
    except ImportError:
        pass

try:
    import requests

    _request = requests.Session.request

    def _counted_request(self: Any, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        try:
            url = _local(url)
        except NothingListening as exc:
            raise requests.exceptions.ConnectionError(str(exc)) from None
        COUNTS["http"] += 1
        if method.upper() == "POST" and url.rstrip("/").endswith("/users/register"):
            _remember(json.dumps(kwargs.get("json") or {}).encode())
        return _request(self, method, url, *args, **kwargs)

    requests.Session.request = _counted_request  # type: ignore[method-assign]
except ImportError:
    pass

RESULTS: dict[str, dict[str, Any]] = {}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Any:
    COUNTS.update(http=0, touch=0)
    RESULTS[item.nodeid] = {"outcome": "passed", "http_calls": 0, "setup_touches": 0, "body_touches": 0}
    yield
    RESULTS[item.nodeid]["http_calls"] = COUNTS["http"]


@pytest.hookimpl(hookwrapper=True)
def pytest_fixture_setup(fixturedef: Any, request: Any) -> Any:
    before = COUNTS["touch"]
    yield
    if COUNTS["touch"] > before:
        TOUCHING_FIXTURES.add(fixturedef.argname)


def _asked_for(item: pytest.Item) -> set[str]:
    """The fixtures the test names in its signature, and those they need in turn (autouse ones only if named)."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return set()
    seen: set[str] = set()
    todo = list(info.argnames)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for fixturedef in info.name2fixturedefs.get(name, ())[-1:]:
            todo.extend(fixturedef.argnames)
    return seen


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Any:
    RESULTS[item.nodeid]["setup_touches"] = COUNTS["touch"]
    RESULTS[item.nodeid]["touching_fixtures"] = sorted(_asked_for(item) & TOUCHING_FIXTURES)
    before = COUNTS["touch"]
    yield
    RESULTS[item.nodeid]["body_touches"] = COUNTS["touch"] - before


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    record = RESULTS.setdefault(report.nodeid, {"outcome": "passed"})
    if report.skipped and record["outcome"] == "passed":
        record["outcome"] = "skipped"
    elif report.failed:
        record["outcome"] = "error" if report.when != "call" else "failed"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if REPORT:
        Path(REPORT).write_text(json.dumps(RESULTS, indent=1))
