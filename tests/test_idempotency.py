"""Issue 24 point 1, the API: an Idempotency-Key makes a write happen once, whatever the client repeats.

The same key within 24 h gets the first answer again (stored, so after a restart too) and changes
nothing; the same key for another request is a 409 in words; a repeat sent while the first is still
running waits for it and gets its answer. Stock and its history add up after any of these.
"""

from __future__ import annotations

import asyncio
import io
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import TestClient
from PIL import Image

from conftest import ADMIN_PASSWORD, FakeClock, bearer, login
from inventory_helpers import add_part, history_sum
from makermatrix_edge.db.replies import MAX_BODY_BYTES, Reply, ReplyStore
from makermatrix_edge.errors import Conflict
from makermatrix_edge.httpkit.idempotency import Claim, RecordReplies, idempotency_guard
from makermatrix_edge.services import Services
from once_support import twice_at_once
from tasks_support import task_app, wait_task
from test_orders_import import SAMPLES

KEY = "Idempotency-Key"


@pytest.fixture
def api(services: Services, client: TestClient[Any]) -> tuple[TestClient[Any], dict[str, str], dict[str, Any]]:
    headers = bearer(login(client, "admin", ADMIN_PASSWORD))
    return client, headers, add_part(client, headers, "BC547", quantity=53)


def quantity(client: TestClient[Any], headers: dict[str, str], part_id: str) -> int:
    return int(client.get(f"/api/parts/get_part?part_id={part_id}", headers=headers).json()["data"]["quantity"])


def take(client: TestClient[Any], headers: dict[str, str], part_id: str, n: int, key: str | None) -> Any:
    extra = {KEY: key} if key is not None else {}
    return client.post(
        f"/api/parts/{part_id}/adjust", json={"delta": -n, "reason": "take"}, headers={**headers, **extra}
    )


def test_the_same_key_twice_gets_the_first_answer_and_changes_stock_once(api: Any) -> None:
    client, headers, part = api
    first = take(client, headers, part["id"], 5, "take-5-bc547")
    again = take(client, headers, part["id"], 5, "take-5-bc547")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json() and first.json()["message"] == "Took 5; 48 left"
    assert "idempotent-replayed" not in first.headers and again.headers["idempotent-replayed"] == "true"
    assert quantity(client, headers, part["id"]) == 48 == history_sum(client, headers, part["id"])
    # Without a key, a second take is a second intent: it is done.
    assert take(client, headers, part["id"], 5, None).json()["message"] == "Took 5; 43 left"


def test_the_same_key_for_another_request_is_409_in_words_and_changes_nothing(api: Any) -> None:
    client, headers, part = api
    assert take(client, headers, part["id"], 5, "k-1").status_code == 200
    other = take(client, headers, part["id"], 4, "k-1")
    assert other.status_code == 409
    body = other.json()
    assert (
        body["status"] == "error" and "different request" in body["message"] and "nothing was done" in body["message"]
    )
    assert quantity(client, headers, part["id"]) == 48 == history_sum(client, headers, part["id"])


def test_two_concurrent_requests_with_one_key_change_stock_once(api: Any, services: Services) -> None:
    client, headers, part = api
    answers = twice_at_once(services, lambda: take(client, headers, part["id"], 5, "double-tap"))
    assert [a.status_code for a in answers] == [200, 200]
    assert answers[0].json() == answers[1].json() and answers[0].json()["message"] == "Took 5; 48 left"
    assert sorted(a.headers.get("idempotent-replayed", "") for a in answers) == ["", "true"]
    assert quantity(client, headers, part["id"]) == 48 == history_sum(client, headers, part["id"])


def test_many_repeats_and_new_keys_add_up(api: Any) -> None:
    client, headers, part = api
    for key in ("a", "b", "a", "c", "b", "a"):
        assert take(client, headers, part["id"], 2, key).status_code == 200
    assert quantity(client, headers, part["id"]) == 53 - 3 * 2 == history_sum(client, headers, part["id"])


def test_keys_are_the_callers_own(api: Any, services: Services) -> None:
    client, headers, part = api
    made = client.post("/api/api-keys", json={"name": "scanner", "permissions": ["parts:write", "parts:read"]},
                       headers=headers)  # fmt: skip
    assert made.status_code in (200, 201), made.text
    key_headers = {"X-API-Key": made.json()["data"]["api_key"]}
    assert take(client, headers, part["id"], 5, "same").status_code == 200
    # Another caller's "same" is another key: done, not replayed (nor refused as another request).
    theirs = take(client, key_headers, part["id"], 5, "same")
    assert theirs.status_code == 200 and "idempotent-replayed" not in theirs.headers
    assert quantity(client, headers, part["id"]) == 43 == history_sum(client, headers, part["id"])


def test_a_bad_key_is_400_in_words(api: Any) -> None:
    client, headers, part = api
    for bad in ("x" * 256, "has space", ""):
        answer = take(client, headers, part["id"], 5, bad)
        assert answer.status_code == 400 and "Idempotency-Key" in answer.json()["message"], bad
    assert quantity(client, headers, part["id"]) == 53


def test_alora_inventory_and_add_part_are_covered(api: Any) -> None:
    client, headers, _ = api
    made = [client.post("/api/parts/add_part", json={"part_name": "Once"}, headers={**headers, KEY: "add-once"})
            for _ in range(2)]  # fmt: skip
    assert made[0].json() == made[1].json() and made[1].headers["idempotent-replayed"] == "true"
    part = made[0].json()["data"]
    component = client.get(f"/api/parts/get_part?part_id={part['id']}", headers=headers).json()["data"]
    seq = client.get("/alora/components", headers=headers).json()
    number = next(c["id"] for c in seq if c["part_number"] in (component.get("part_number"), None, "Once"))
    adjust = f"/alora/inventory/{number}/adjust?adjustment=3"
    moves = [client.post(adjust, headers={**headers, KEY: "alora-3"}) for _ in range(2)]
    assert moves[0].status_code == 200 and moves[0].json() == moves[1].json()
    assert moves[1].headers["idempotent-replayed"] == "true"
    # The query is part of the request: the same key with another adjustment is another request.
    other = client.post(f"/alora/inventory/{number}/adjust?adjustment=4", headers={**headers, KEY: "alora-3"})
    assert other.status_code == 409 and "different request" in other.json()["detail"]
    assert quantity(client, headers, part["id"]) == 3 == history_sum(client, headers, part["id"])


def test_an_upload_sent_twice_is_one_request_despite_its_new_multipart_boundary(api: Any, services: Services) -> None:
    client, headers, _ = api
    image = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(image, "PNG")
    files = {"file": ("bag.png", image.getvalue(), "image/png")}
    sent = [
        client.post("/api/utility/upload_image", files=files, headers={**headers, KEY: "photo-1"}) for _ in range(2)
    ]
    assert sent[0].status_code == 200, sent[0].text
    assert sent[0].json() == sent[1].json() and sent[1].headers["idempotent-replayed"] == "true"
    assert len(list((services.settings.data_dir / "images").glob("*.png"))) == 1
    other = {"file": ("bag.png", image.getvalue() + b"x", "image/png")}
    assert client.post("/api/utility/upload_image", files=other, headers={**headers, KEY: "photo-1"}).status_code == 409


def test_a_new_api_keys_secret_is_never_stored_and_a_repeat_makes_no_second_key(api: Any, services: Services) -> None:
    client, headers, _ = api
    keyed = {**headers, KEY: "new-key"}
    first = client.post("/api/api-keys", json={"name": "scanner"}, headers=keyed)
    secret = first.json()["data"]["api_key"]
    again = client.post("/api/api-keys", json={"name": "scanner"}, headers=keyed)
    assert again.status_code == 409 and "held a secret such as a new API key" in again.json()["message"]
    assert len(client.get("/api/api-keys", headers=headers).json()["data"]) == 1
    stored = services.db.read_sync(lambda db: db.execute("SELECT body FROM idempotent_replies").fetchall())
    assert [row[0] for row in stored] == [None] and secret


def test_a_route_anyone_may_call_ignores_the_key(client: TestClient[Any]) -> None:
    body = {"username": "admin", "password": ADMIN_PASSWORD}
    logins = [client.post("/api/auth/login", json=body, headers={KEY: "login"}) for _ in range(2)]
    assert [r.status_code for r in logins] == [200, 200]
    assert "idempotent-replayed" not in logins[1].headers


def test_every_api_route_honours_the_key(client: TestClient[Any]) -> None:
    """Generic: routes added later under /api and /alora are covered without their own code."""
    app: Litestar = client.app
    checked = 0
    unprefixed_writes = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not route.path.startswith(("/api", "/alora")):  # MakerMatrix's routes without /api: their writes
                module = getattr(handler.fn, "__module__", "")
                if not module.startswith("makermatrix_edge.api") or handler.http_methods <= {"GET", "HEAD", "OPTIONS"}:
                    continue
                unprefixed_writes.add(route.path)
            assert idempotency_guard in handler.resolve_guards(), route.path
            assert RecordReplies in handler.resolve_middleware(), route.path
            checked += 1
    assert checked > 100
    assert {"/auth/login", "/users/register"} <= unprefixed_writes


def test_the_answer_is_kept_across_a_restart_and_expires_after_24_hours(tmp_path: Path, clock: FakeClock) -> None:
    with task_app(tmp_path, clock) as (client, _, token):
        headers = bearer(token)
        part = add_part(client, headers, "BC547", quantity=53)
        first = take(client, headers, part["id"], 5, "across-restart")
    with task_app(tmp_path, clock) as (client, services, token):  # the same data dir: a restart
        headers = bearer(token)
        again = take(client, headers, part["id"], 5, "across-restart")
        assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
        assert quantity(client, headers, part["id"]) == 48
        clock.advance(24 * 3600 + 1)
        headers = bearer(login(client, "admin", ADMIN_PASSWORD))
        later = take(client, headers, part["id"], 5, "across-restart")  # a day later the key is new again
        assert later.json()["message"] == "Took 5; 43 left" and "idempotent-replayed" not in later.headers
        assert quantity(client, headers, part["id"]) == 43 == history_sum(client, headers, part["id"])
        clock.advance(24 * 3600 + 1)
        token = login(client, "admin", ADMIN_PASSWORD)
        cleanup = client.post("/api/tasks/quick/database_cleanup", headers=bearer(token))
        result = wait_task(client, token, cleanup.json()["data"]["id"], "completed")
        assert result["result_data"]["deleted_idempotent_replies"] == 1
        left = services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM idempotent_replies").fetchone()[0])
        assert left == 0


def test_a_crash_between_the_commit_and_the_stored_answer_does_not_run_the_retry_again(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window DESIGN.md once accepted: the change committed, then the power went before the answer was kept."""

    async def power_cut(self: ReplyStore, scope: str, key: str, reply: Any) -> None:
        raise OSError("power cut before the answer was stored")

    with task_app(tmp_path, clock) as (client, _, token):
        headers = bearer(token)
        part = add_part(client, headers, "BC547", quantity=53)
        with monkeypatch.context() as patched:
            patched.setattr(ReplyStore, "keep", power_cut)
            assert take(client, headers, part["id"], 5, "cut-short").json()["message"] == "Took 5; 48 left"
    with task_app(tmp_path, clock) as (client, _, token):  # the restart after the power came back
        headers = bearer(token)
        again = take(client, headers, part["id"], 5, "cut-short")
        assert again.status_code == 409, again.text
        message = again.json()["message"]
        assert "already done" in message and "nothing was done twice" in message and "GET" in message
        assert quantity(client, headers, part["id"]) == 48 == history_sum(client, headers, part["id"])
        other = take(client, headers, part["id"], 6, "cut-short")  # the key with another request: told so
        assert other.status_code == 409 and "different request" in other.json()["message"]
        assert take(client, headers, part["id"], 5, "fresh").json()["message"] == "Took 5; 43 left"


def test_an_import_written_from_a_worker_thread_is_marked_done_too(
    api: Any, services: Services, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The order import writes from a thread (asyncio.to_thread): the request's mark goes along."""

    async def power_cut(self: ReplyStore, scope: str, key: str, reply: Any) -> None:
        raise OSError("power cut before the answer was stored")

    client, headers, _ = api
    sample = SAMPLES / "LCSC_Exported__20241222_232708.csv"
    files = {"file": (sample.name, sample.read_bytes())}
    with monkeypatch.context() as patched:
        patched.setattr(ReplyStore, "keep", power_cut)
        first = client.post("/api/import/file", files=files, headers={**headers, KEY: "import-once"})
    assert first.status_code == 200, first.text
    again = client.post("/api/import/file", files=files, headers={**headers, KEY: "import-once"})
    assert again.status_code == 409 and "already done" in again.json()["message"]
    orders = services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM orders").fetchone()[0])
    assert orders == 1


# -- the pieces on their own ------------------------------------------------------------------


def test_a_repeat_waits_for_the_first_at_most_the_bound_then_409(services: Services) -> None:
    async def scene() -> None:
        store = ReplyStore(services.db, services.clock, wait_seconds=0.05)
        assert await store.begin("user:u", "k") is None  # claimed, and never finished
        with pytest.raises(Conflict, match="still being worked on; nothing was done twice"):
            await store.begin("user:u", "k")
        store.release("user:u", "k")
        assert await store.begin("user:u", "k") is None  # nothing stored: the next may run it

    asyncio.run(scene())


async def _run(app: Any, services: Services, claim_key: str) -> list[dict[str, Any]]:
    """One POST through RecordReplies with a claim in place, as the guard leaves it."""
    store = services.replies
    assert await store.begin("user:u", claim_key) is None
    claim = Claim(store, "user:u", claim_key, "f", "POST", "/x")
    scope = {"type": "http", "method": "POST", "path": "/x", "headers": [], "state": {"idempotency_claim": claim}}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Any) -> None:
        sent.append(message)

    await RecordReplies(app)(scope, receive, send)
    return sent


def _answer(status: int, body: bytes) -> Any:
    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": status, "headers": [(b"content-type", b"text/plain")]})
        await send({"type": "http.response.body", "body": body, "more_body": False})

    return app


def test_5xx_answers_are_not_kept_and_the_key_is_free_again(services: Services) -> None:
    async def scene() -> None:
        await _run(_answer(503, b"printer offline"), services, "k5")
        assert await services.replies.begin("user:u", "k5") is None  # a retry may succeed: it runs
        services.replies.release("user:u", "k5")
        await _run(_answer(201, b"made"), services, "k2")
        found = await services.replies.find("user:u", "k2")
        assert found is not None and found.status == 201 and found.body == b"made"

    asyncio.run(scene())


def test_a_huge_answer_is_remembered_without_its_body_and_a_repeat_is_409(services: Services) -> None:
    async def scene() -> None:
        sent = await _run(_answer(200, b"x" * (MAX_BODY_BYTES + 1)), services, "big")
        assert sent[-1]["body"] == b"x" * (MAX_BODY_BYTES + 1)  # the first caller gets it all
        found = await services.replies.find("user:u", "big")
        assert found is not None and found.body is None and found.body_bytes == MAX_BODY_BYTES + 1

    asyncio.run(scene())


def test_the_done_row_commits_and_rolls_back_with_the_change(services: Services) -> None:
    def count(status: int) -> int:
        sql = "SELECT count(*) FROM idempotent_replies WHERE status = ?"
        return int(services.db.read_sync(lambda db: db.execute(sql, [status]).fetchone()[0]))

    def fails(db: Any) -> None:
        db.execute("CREATE TABLE scratch (x)")
        raise ValueError("the change fails half-way")

    async def scene() -> None:
        done = services.replies.mark_writes("user:u", "k", "f", "POST", "/x")
        with pytest.raises(ValueError):
            await services.db.write(fails)
        assert count(0) == 0 and not done.written  # rolled back with the change it marks
        await services.db.write(lambda db: db.execute("CREATE TABLE scratch (x)"))
        await services.db.write(lambda db: db.execute("INSERT INTO scratch VALUES (1)"))
        assert count(0) == 1 and done.written  # one row, however many writes
        assert (await services.replies.find("user:u", "k")) is not None
        done.active = False  # the request has its answer: later writes of this context are not its change
        await services.db.write(lambda db: db.execute("DELETE FROM idempotent_replies"))
        await services.db.write(lambda db: db.execute("INSERT INTO scratch VALUES (2)"))
        assert count(0) == 0

    asyncio.run(scene())


def test_an_expired_answer_under_the_key_gives_way_to_the_new_done_mark(services: Services, clock: FakeClock) -> None:
    """A day-old answer the nightly cleanup has not deleted yet must not hide the new request's mark."""

    async def scene() -> None:
        store = services.replies
        await store.keep("user:u", "old", Reply("f0", "POST", "/x", 200, [], b"yesterday", 9, store.now()))
        clock.advance(24 * 3600 + 1)
        assert await store.begin("user:u", "old") is None  # expired: the key is new again
        store.mark_writes("user:u", "old", "f1", "POST", "/x")
        await services.db.write(lambda db: db.execute("CREATE TABLE scratch (x)"))
        found = await store.find("user:u", "old")
        assert found is not None and found.status == 0 and found.fingerprint == "f1"  # a crash now: told, not run
        store.release("user:u", "old")

    asyncio.run(scene())


def test_a_5xx_after_a_write_forgets_the_done_row_and_the_retry_runs(services: Services) -> None:
    """A failed print after its history line committed: as before, the retry may run (and succeed)."""

    async def writes_then_fails(scope: Any, receive: Any, send: Any) -> None:
        await services.db.write(lambda db: db.execute("CREATE TABLE printed (x)"))
        await _answer(503, b"printer offline")(scope, receive, send)

    async def scene() -> None:
        store = services.replies
        assert await store.begin("user:u", "k503") is None
        done = store.mark_writes("user:u", "k503", "f", "POST", "/x")
        claim = Claim(store, "user:u", "k503", "f", "POST", "/x", done=done)
        scope = {"type": "http", "method": "POST", "path": "/x", "headers": [], "state": {"idempotency_claim": claim}}

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            return None

        await RecordReplies(writes_then_fails)(scope, receive, send)
        assert done.written and not done.active
        assert await store.begin("user:u", "k503") is None  # nothing kept: the retry runs
        store.release("user:u", "k503")

    asyncio.run(scene())
