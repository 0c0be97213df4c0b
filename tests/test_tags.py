"""Tags as MakerMatrix has them (issue 25 point 7): /api/tags, on parts and tools, in a part's answer, searchable.

The shapes are those MakerMatrix's own tests (tests/test_tag_crud.py, tests/test_tag_assignment.py)
check; these run in-process and do not need the scripts/makermatrix_compat harness.
"""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from conftest import add_user, bearer, login
from inventory_helpers import add_part
from makermatrix_edge.services import Services


def _tag(client: TestClient[Any], h: dict[str, str], name: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/tags", json={"name": name, **fields}, headers=h)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _tool(client: TestClient[Any], h: dict[str, str], name: str, **fields: Any) -> dict[str, Any]:
    response = client.post("/api/tools/", json={"tool_name": name, **fields}, headers=h)
    assert response.status_code == 200, response.text
    return dict(response.json()["data"])


def _changes(services: Services, kind: str, item_id: str) -> list[str]:
    rows = services.db.read_sync(
        lambda db: db.execute(
            "SELECT what FROM item_changes WHERE kind = ? AND item_id = ? ORDER BY id", [kind, item_id]
        ).fetchall()
    )
    return [r[0] for r in rows]


def _part_changes(services: Services, part_id: str) -> list[str]:
    rows = services.db.read_sync(
        lambda db: db.execute("SELECT what FROM part_changes WHERE part_id = ? ORDER BY id", [part_id]).fetchall()
    )
    return [r[0] for r in rows]


def test_create_get_list_update_delete_answer_as_makermatrix(
    client: TestClient[Any], admin_token: str, services: Services
) -> None:
    h = bearer(admin_token)
    urgent = _tag(client, h, "urgent", color="#ff0000", description="Needs attention", icon="⚡")
    assert urgent["name"] == "urgent" and urgent["color"] == "#FF0000" and urgent["icon"] == "⚡"
    assert urgent["usage_count"] == 0 and urgent["is_system"] is False and urgent["is_active"] is True
    assert urgent["created_by"] == "admin"
    assert _tag(client, h, "#testing")["name"] == "testing"  # the hash is stripped
    assert _tag(client, h, "needs review")["name"] == "needs-review"  # spaces become dashes
    for again in ("urgent", "URGENT", "#Urgent"):
        dup = client.post("/api/tags", json={"name": again}, headers=h)
        assert dup.status_code == 409 and "already exists" in dup.json()["message"].lower(), dup.text

    one = client.get(f"/api/tags/{urgent['id']}", headers=h)
    assert one.status_code == 200 and one.json()["data"]["name"] == "urgent"
    assert client.get("/api/tags/name/URGENT", headers=h).json()["data"]["id"] == urgent["id"]
    assert client.get("/api/tags/name/%23urgent", headers=h).json()["data"]["id"] == urgent["id"]
    missing = client.get("/api/tags/nonexistent-id-123", headers=h)
    assert missing.status_code == 404 and "not found" in missing.json()["message"].lower()

    listed = client.get("/api/tags", headers=h).json()["data"]
    assert listed["total"] == 3 and listed["page"] == 1 and listed["page_size"] == 20 and listed["total_pages"] == 1
    assert [t["name"] for t in listed["tags"]] == ["needs-review", "testing", "urgent"]
    found = client.get("/api/tags", params={"search": "attention"}, headers=h).json()["data"]["tags"]
    assert [t["name"] for t in found] == ["urgent"]  # the description is searched too

    renamed = client.put(f"/api/tags/{urgent['id']}", json={"name": "now", "is_active": False}, headers=h)
    assert renamed.status_code == 200 and renamed.json()["data"]["name"] == "now", renamed.text
    assert renamed.json()["data"]["color"] == "#FF0000"  # untouched fields stay
    taken = client.put(f"/api/tags/{urgent['id']}", json={"name": "Testing"}, headers=h)
    assert taken.status_code == 409 and "already exists" in taken.json()["message"].lower()
    active = client.get("/api/tags", params={"is_active": "true"}, headers=h).json()["data"]["tags"]
    assert "now" not in [t["name"] for t in active]

    system = _tag(client, h, "system-tag", is_system=True)
    assert system["created_by"] is None
    refused = client.delete(f"/api/tags/{system['id']}", headers=h)
    assert refused.status_code == 400 and "system tag" in refused.json()["message"].lower()
    gone = client.delete(f"/api/tags/{urgent['id']}", headers=h)
    assert gone.status_code == 200 and gone.json()["data"] == {"id": urgent["id"]}
    assert client.get(f"/api/tags/{urgent['id']}", headers=h).status_code == 404
    assert client.delete("/api/tags/nonexistent-id", headers=h).status_code == 404

    stats = client.get("/api/tags/statistics", headers=h).json()["data"]
    assert (stats["total_tags"], stats["system_tags"], stats["user_tags"], stats["unused_tags"]) == (3, 1, 2, 3)
    assert {"active_tags", "most_used_tags", "recently_used_tags"} <= set(stats)
    # every write is in the tag's history
    assert _changes(services, "tag", urgent["id"]) == [
        "created #urgent", "edited: name, is active", "deleted #now"
    ]  # fmt: skip


def test_tags_on_parts_and_tools_show_in_their_answers_and_history(
    client: TestClient[Any], admin_token: str, services: Services
) -> None:
    h = bearer(admin_token)
    tag = _tag(client, h, "part-tag", color="#FF5733")
    other = _tag(client, h, "review")
    part = add_part(client, h, "Test Resistor", part_number="R-001", quantity=100)
    tool = _tool(client, h, "Test Screwdriver", tool_number="T-001")

    first = client.post(f"/api/tags/{tag['id']}/parts/{part['id']}", headers=h)
    assert first.status_code == 200 and first.json()["data"] == {"tag_id": tag["id"], "part_id": part["id"]}
    again = client.post(f"/api/tags/{tag['id']}/parts/{part['id']}", headers=h)
    assert again.status_code == 200 and "already assigned" in again.json()["message"]
    assert client.post(f"/api/tags/{other['id']}/parts/{part['id']}", headers=h).status_code == 200
    assert client.post(f"/api/tags/{tag['id']}/tools/{tool['id']}", headers=h).status_code == 200

    tags = client.get(f"/api/tags/parts/{part['id']}/tags", headers=h).json()["data"]
    assert [t["name"] for t in tags] == ["part-tag", "review"] and tags[0]["usage_count"] == 2
    got = client.get("/api/parts/get_part", params={"part_id": part["id"]}, headers=h).json()["data"]
    assert [t["name"] for t in got["tags"]] == ["part-tag", "review"]
    assert got["tags"][0] == {"id": tag["id"], "name": "part-tag", "color": "#FF5733", "icon": None}
    assert [t["name"] for t in client.get(f"/api/tools/{tool['id']}", headers=h).json()["data"]["tags"]] == ["part-tag"]
    # a client echoing the part back with its tags is not refused
    echo = {k: v for k, v in got.items() if not k.startswith("order_")}
    echoed = client.put(f"/api/parts/update_part/{part['id']}", json={**echo, "description": "10k"}, headers=h)
    assert echoed.status_code == 200, echoed.text

    by_tag = client.get(f"/api/tags/{tag['id']}/parts", headers=h).json()["data"]
    assert by_tag["total"] == 1 and by_tag["parts"][0]["id"] == part["id"] and by_tag["tag"]["name"] == "part-tag"
    tools = client.get(f"/api/tags/{tag['id']}/tools", headers=h).json()["data"]
    assert tools["total"] == 1 and tools["tools"][0]["tool_name"] == "Test Screwdriver"
    with_items = client.get(f"/api/tags/{tag['id']}", params={"include_items": "true"}, headers=h).json()["data"]
    assert with_items["parts"][0]["part_name"] == "Test Resistor" and with_items["tools"][0]["tool_number"] == "T-001"

    # tags are searchable: the part's search finds it by its tag
    hits = client.get("/api/parts/search_text", params={"query": "#review"}, headers=h).json()["data"]
    assert [p["id"] for p in hits] == [part["id"]]
    add_part(client, h, "Test Capacitor", description="10k")  # matches the words, not the tag
    both = client.post("/api/parts/search", json={"search_term": "#Review test"}, headers=h).json()["data"]
    assert [p["id"] for p in both["items"]] == [part["id"]] and both["total"] == 1
    assert client.get("/api/parts/search_text", params={"query": "#nosuchtag"}, headers=h).json()["data"] == []

    removed = client.delete(f"/api/tags/{other['id']}/parts/{part['id']}", headers=h)
    assert removed.status_code == 200
    not_there = client.delete(f"/api/tags/{other['id']}/parts/{part['id']}", headers=h)
    assert not_there.status_code == 400 and "not assigned" in not_there.json()["message"]
    assert client.delete(f"/api/tags/{tag['id']}", headers=h).status_code == 200
    assert client.get(f"/api/tags/parts/{part['id']}/tags", headers=h).json()["data"] == []
    assert client.get(f"/api/tags/tools/{tool['id']}/tags", headers=h).json()["data"] == []
    assert client.get(f"/api/tools/{tool['id']}", headers=h).status_code == 200  # the tool stays
    assert [c for c in _part_changes(services, part["id"]) if "tag" in c] == [
        "tagged #part-tag", "tagged #review", "untagged #review", "untagged #part-tag (tag deleted)"
    ]  # fmt: skip
    assert "tagged #part-tag" in _changes(services, "tool", tool["id"])


def test_unknown_tags_and_items_are_404_and_change_nothing(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    tag = _tag(client, h, "orphan-tag")
    part = add_part(client, h, "Error Test Part")
    no_tag = client.post(f"/api/tags/nonexistent-tag/parts/{part['id']}", headers=h)
    assert no_tag.status_code == 404 and "not found" in no_tag.json()["message"].lower()
    no_part = client.post(f"/api/tags/{tag['id']}/parts/nonexistent-part", headers=h)
    assert no_part.status_code == 404 and "not found" in no_part.json()["message"].lower()
    no_tool = client.post(f"/api/tags/{tag['id']}/tools/nonexistent-tool", headers=h)
    assert no_tool.status_code == 404
    assert client.get("/api/tags/parts/nonexistent-part/tags", headers=h).status_code == 404
    assert client.get(f"/api/tags/{tag['id']}", headers=h).json()["data"]["usage_count"] == 0
    bodies = [({"name": 5}, "name"), ({"name": "x", "color": "#GGGGGG"}, "color"), ({"name": "#"}, "name"),
              ({"name": "a" * 60}, "name"), ({"name": "a\x00b"}, "name")]  # fmt: skip
    for body, field in bodies:
        bad = client.post("/api/tags", json=body, headers=h)
        assert bad.status_code == 422 and field in bad.json()["message"], (body, bad.text)
    huge = client.post("/api/tags", content=b'{"name": "' + b"x" * (10 * 1024 * 1024) + b'"}', headers=h)
    assert huge.status_code == 413, huge.status_code
    assert client.get("/api/tags", headers=h).json()["data"]["total"] == 1


def test_bulk_merge_and_cleanup(client: TestClient[Any], admin_token: str, services: Services) -> None:
    h = bearer(admin_token)
    a, b = _tag(client, h, "bulk-tag-0"), _tag(client, h, "bulk-tag-1")
    parts = [add_part(client, h, f"Bulk Test Part {i}")["id"] for i in range(3)]
    bulk = {"item_ids": [*parts, "nope"], "tag_ids": [a["id"], b["id"]], "operation": "add", "item_type": "part"}
    done = client.post("/api/tags/bulk", json=bulk, headers=h)
    assert done.status_code == 200, done.text
    assert len(done.json()["data"]["successful"]) == 6 and len(done.json()["data"]["failed"]) == 2
    assert len(client.get(f"/api/tags/parts/{parts[0]}/tags", headers=h).json()["data"]) == 2
    unknown_tag = client.post("/api/tags/bulk", json={**bulk, "tag_ids": ["nope"]}, headers=h)
    assert unknown_tag.status_code == 404
    wrong_kind = client.post("/api/tags/bulk", json={**bulk, "item_type": "box"}, headers=h)
    assert wrong_kind.status_code == 422

    merged = client.post("/api/tags/merge", json={"source_tag_ids": [b["id"]], "target_tag_id": a["id"]}, headers=h)
    assert merged.status_code == 200, merged.text
    assert merged.json()["data"]["deleted_tags"] == 1 and merged.json()["data"]["target_tag"]["parts_count"] == 3
    assert client.get(f"/api/tags/{b['id']}", headers=h).status_code == 404
    itself = client.post("/api/tags/merge", json={"source_tag_ids": [a["id"]], "target_tag_id": a["id"]}, headers=h)
    assert itself.status_code == 422

    _tag(client, h, "unused")
    _tag(client, h, "kept", is_system=True)
    cleaned = client.post("/api/tags/cleanup", headers=h)
    assert cleaned.status_code == 200 and cleaned.json()["data"]["removed_tags"] == ["unused"], cleaned.text
    names = {t["name"] for t in client.get("/api/tags", headers=h).json()["data"]["tags"]}
    assert names == {"bulk-tag-0", "kept"}


def test_roles_give_tags_as_makermatrix_does(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    tag = _tag(client, h, "shared")
    part = add_part(client, h, "Shared Part")
    add_user(client, admin_token, "vera", "viewer")
    add_user(client, admin_token, "ulla", "user")
    add_user(client, admin_token, "mona", "manager")
    viewer = bearer(login(client, "vera", "password-123"))
    user = bearer(login(client, "ulla", "password-123"))
    manager = bearer(login(client, "mona", "password-123"))
    assert client.get("/api/tags", headers=viewer).status_code == 200
    assert client.post(f"/api/tags/{tag['id']}/parts/{part['id']}", headers=viewer).status_code == 403
    assert client.post("/api/tags", json={"name": "mine"}, headers=user).status_code == 403
    assert client.post(f"/api/tags/{tag['id']}/parts/{part['id']}", headers=user).status_code == 200
    assert client.delete(f"/api/tags/{tag['id']}", headers=user).status_code == 403
    assert client.post("/api/tags", json={"name": "mine"}, headers=manager).status_code == 200
    assert client.post("/api/tags/cleanup", headers=manager).status_code == 200
    assert client.get("/api/tags").status_code == 401
