"""Scan with the phone: a photo posted from the page, its codes linked, the bag received or added."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import qrcode
from litestar.testing import TestClient
from PIL import Image

from app_pool import client_for
from conftest import ADMIN_PASSWORD, FakeClock, bearer, login, make_settings
from inventory_helpers import add_part
from makermatrix_edge.daemon import build_services
from web_helpers import csrf_of, page_login, said

KNOWN = "{pbn:PICK2311010075,on:GB2311011210,pc:C136648,pm:LMR16030SDDAR,qty:5,mc:10,cc:1,pdi:95387529,hp:0,wc:ZH}"
NEW = "{pbn:PICK2311010076,on:GB2311011210,pc:C7593,pm:NE555DR,qty:25,mc:10,cc:1,pdi:95387530,hp:0,wc:ZH}"


def qr_png(text: str) -> bytes:
    made = qrcode.make(text, box_size=6, border=4)
    image: Image.Image = made.get_image() if hasattr(made, "get_image") else made
    out = io.BytesIO()
    image.convert("L").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def web(tmp_path: Path, clock: FakeClock) -> Iterator[tuple[TestClient[Any], dict[str, Any]]]:
    services = build_services(make_settings(tmp_path / "data"), clock=clock, admin_password=ADMIN_PASSWORD)
    try:
        with client_for(services) as client:
            headers = bearer(login(client, "admin", ADMIN_PASSWORD))
            part = add_part(
                client, headers, "LMR16030 buck", part_number="C136648", supplier="LCSC",
                manufacturer_part_number="LMR16030SDDAR", quantity=3,
            )  # fmt: skip
            client.cookies.clear()
            assert page_login(client).status_code == 303
            yield client, part
    finally:
        services.close()


def upload(client: TestClient[Any], content: bytes) -> Any:
    page = client.get("/scan").text
    assert 'capture="environment"' in page and 'accept="image/*"' in page and 'for="photo"' in page
    return client.post("/scan", data={"csrf_token": csrf_of(page)}, files={"file": ("photo.png", content, "image/png")})


def test_photo_of_a_known_bag_links_the_part_and_receives_it(web: tuple[TestClient[Any], dict[str, Any]]) -> None:
    client, part = web
    r = upload(client, qr_png(KNOWN))
    assert r.status_code == 200, r.text
    assert f'href="/p/{part["id"]}"' in r.text and "Receive 5" in r.text
    received = client.post(
        "/scan/receive",
        data={"csrf_token": csrf_of(r.text), "payload": KNOWN, "part_id": part["id"]},
        follow_redirects=False,
    )
    assert received.status_code == 303
    assert received.headers["location"] == f"/p/{part['id']}" and said(received) == "Received 5: 8 in stock"
    again = client.post("/scan/receive", data={"csrf_token": csrf_of(r.text), "payload": KNOWN, "part_id": part["id"]})
    # Issue 17 point 2: the same bag again is one clear confirm, not a dead end.
    assert again.status_code == 200 and "This bag was received just now. Add 5 more?" in again.text
    more = client.post(
        "/scan/receive",
        data={"csrf_token": csrf_of(again.text), "payload": KNOWN, "part_id": part["id"], "force": "1"},
        follow_redirects=False,
    )
    assert more.status_code == 303 and said(more) == "Received 5: 13 in stock"
    card = upload(client, qr_png(KNOWN))
    assert "This bag was received just now. Add 5 more?" in card.text and "Add 5 more" in card.text


def test_photo_of_an_unknown_bag_offers_to_add_it(web: tuple[TestClient[Any], dict[str, Any]]) -> None:
    client, _ = web
    r = upload(client, qr_png(NEW))
    assert r.status_code == 200 and "Add this part (25)" in r.text
    added = client.post("/scan/receive", data={"csrf_token": csrf_of(r.text), "payload": NEW}, follow_redirects=False)
    assert added.status_code == 303 and said(added).startswith("Added 25")
    assert "NE555DR" in client.get(added.headers["location"]).text


def test_photo_errors_are_sentences(web: tuple[TestClient[Any], dict[str, Any]]) -> None:
    client, _ = web
    blank = io.BytesIO()
    Image.new("L", (640, 480), 200).save(blank, "PNG")
    r = upload(client, blank.getvalue())
    assert r.status_code == 200 and "No code found in the photo" in r.text
    r = upload(client, b"not an image")
    assert r.status_code == 400 and "<h1>That did not work</h1>" in r.text
