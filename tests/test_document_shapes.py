"""Shapes makermatrix-api.md shows that MakerMatrix clients read (issue 13, item 23)."""

from __future__ import annotations

import io
from typing import Any

from litestar.testing import TestClient
from PIL import Image

from conftest import bearer
from makermatrix_edge.inventory.relatives import MAX_RELATED


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 8), "blue").save(out, "JPEG")
    return out.getvalue()


def test_upload_image_id_at_the_top_and_the_documents_image_urls(client: TestClient[Any], admin_token: str) -> None:
    files = {"file": ("photo.jpg", _jpeg(), "image/jpeg")}
    uploaded = client.post("/api/utility/upload_image", files=files, headers=bearer(admin_token))
    assert uploaded.status_code == 200, uploaded.text
    body = uploaded.json()
    image_id = body["image_id"]  # where the document shows it
    assert image_id == body["data"]["image_id"] and body["status"] == "success"
    # /utility/get_image/{image_id}.{extension}, as a MakerMatrix part's image_url holds it
    for url in (f"/utility/get_image/{image_id}.png", f"/api/utility/get_image/{image_id}.png"):
        got = client.get(url)
        assert got.status_code == 200, (url, got.text)
        assert got.headers["content-type"] == "image/jpeg"  # its true type, whatever the extension said
    missing = client.get("/utility/get_image/00000000-0000-0000-0000-000000000000.png")
    assert missing.status_code == 404 and missing.json()["status"] == "error"


def test_locations_carry_parent_and_children(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)

    def add(name: str, parent: str | None = None) -> str:
        made = client.post("/api/locations/add_location", json={"name": name, "parent_id": parent}, headers=h)
        return str(made.json()["data"]["id"])

    shelf = add("Shelf 2")
    drawer = add("Drawer B", shelf)
    bins = [add(f"Bin {i}", drawer) for i in range(1, 4)]
    one = client.get("/api/locations/get_location", params={"location_id": drawer}, headers=h).json()["data"]
    assert one["parent"]["id"] == shelf and one["parent"]["name"] == "Shelf 2"
    assert [c["id"] for c in one["children"]] == bins and one["children_count"] == 3
    listed = {loc["id"]: loc for loc in client.get("/api/locations/get_all_locations", headers=h).json()["data"]}
    assert listed[shelf]["parent"] is None and [c["name"] for c in listed[shelf]["children"]] == ["Drawer B"]
    assert listed[bins[0]]["parent"]["path"] == "Shelf 2 / Drawer B" and listed[bins[0]]["children"] == []


def test_a_category_lists_its_parts_bounded(client: TestClient[Any], admin_token: str) -> None:
    h = bearer(admin_token)
    for i in range(MAX_RELATED + 5):
        body = {"part_name": f"Cap {i:03d}", "part_number": f"C{i}", "category_names": ["Capacitors"]}
        client.post("/api/parts/add_part", json=body, headers=h)
    category = client.get("/api/categories/get_category", params={"name": "Capacitors"}, headers=h).json()["data"]
    assert category["part_count"] == MAX_RELATED + 5
    assert len(category["parts"]) == MAX_RELATED  # bounded; part_count gives them all
    assert category["parts"][0] == {
        "id": category["parts"][0]["id"],
        "part_name": "Cap 000",
        "part_number": "C0",
        "quantity": 0,
    }
