"""Scan-to-find over HTTP: resolution rules, receiving bags (and the receive-twice rule), phone photos, events."""

from __future__ import annotations

import io
from typing import Any

import pytest
import qrcode
from litestar.testing import TestClient
from PIL import Image

from makermatrix_edge.codes.synth import Placement, frame, jpeg_bytes, symbol
from tests.conftest import add_user, bearer, login

GS, RS, EOT = "\x1d", "\x1e", "\x04"
Z = "20Z" + "0" * 40
DIGIKEY = (
    f"[)>{RS}06{GS}P182{GS}1PS3B-PH-K-S{GS}30P455-1720-ND{GS}K{GS}1K87684816{GS}10K105867004{GS}9D2022-05"
    f"{GS}1TS30784-17{GS}11K1{GS}4LMY{GS}Q2{GS}11ZPICK{GS}12Z926627{GS}13Z999999{GS}{Z}{RS}{EOT}"
)
MOUSER = f"[)>{RS}06{GS}KP0-1337{GS}14K011{GS}1PMC34063ADR{GS}Q3{GS}11K073121337{GS}4LMX{GS}1VTI{RS}{EOT}"
LCSC_KNOWN = "{pbn:PICK2311010075,on:GB2311011210,pc:C136648,pm:LMR16030SDDAR,qty:5,mc:10,cc:1,pdi:95387529}"
LCSC_NEW = "{pbn:PICK2506270148,on:GB2506270877,pc:C22437266,pm:IA0509S-2W,qty:3,mc:,cc:1,pdi:164234874,wc:ZH}"
FARNELL = f"[)>{RS}06{GS}KPO21000605{GS}P{GS}1PGRM155R71C224KA12D{GS}3P2470468{GS}Q80{GS}9D{GS}1T{GS}4LJP{RS}{EOT}"
TME = "QTY:1 PN:WBP-302 PO:19361337/1 MFR:WISHERENTERPRISE MPN:WBP-302 RoHS https://www.tme.eu/details/WBP-302"


@pytest.fixture
def bench(client: TestClient[Any], admin_token: str) -> dict[str, Any]:
    return make_bench(client, admin_token)


def make_bench(client: TestClient[Any], admin_token: str) -> dict[str, Any]:
    """Shelf 2 / Drawer B / Bin 7 and a few parts from several suppliers."""
    h = bearer(admin_token)

    def loc(name: str, parent: str | None = None) -> str:
        r = client.post("/api/locations/add_location", json={"name": name, "parent_id": parent}, headers=h)
        assert r.status_code == 200, r.text
        return str(r.json()["data"]["id"])

    shelf = loc("Shelf 2")
    bin7 = loc("Bin 7", loc("Drawer B", shelf))

    def part(**fields: Any) -> dict[str, Any]:
        r = client.post("/api/parts/add_part", json=fields, headers=h)
        assert r.status_code == 200, r.text
        return dict(r.json()["data"])

    parts = {
        "jst": part(part_name="JST PH 3-pin header", part_number="455-1720-ND", supplier="Digi-Key",
                    manufacturer_part_number="S3B-PH-K-S", quantity=20, location_id=bin7),
        "mc34063": part(part_name="MC34063 buck", manufacturer="Texas Instruments",
                        manufacturer_part_number="MC34063ADR", quantity=4, location_id=shelf),
        "lmr": part(part_name="LMR16030 buck", part_number="C136648", supplier="LCSC",
                    manufacturer_part_number="LMR16030SDDAR", quantity=1, location_id=bin7),
        "grm": part(part_name="GRM 220n 0402", part_number="2470468", supplier="Farnell",
                    manufacturer_part_number="GRM155R71C224KA12D", quantity=100),
        "wbp": part(part_name="WBP-302 jumper", part_number="WBP-302", supplier="TME", quantity=7, location_id=bin7),
        "ne555a": part(part_name="NE555 DIP", manufacturer_part_number="NE555P", manufacturer="TI", quantity=3),
        "ne555b": part(part_name="NE555 SOIC", manufacturer_part_number="NE555P", manufacturer="ST", quantity=9),
    }  # fmt: skip
    return {"headers": h, "parts": parts, "bin7": bin7, "shelf": shelf}


def scan(client: TestClient[Any], h: dict[str, str], payload: str) -> dict[str, Any]:
    r = client.post("/api/scan", json={"payload": payload}, headers=h)
    assert r.status_code == 200, r.text
    return dict(r.json()["data"])


@pytest.mark.parametrize(
    ("payload", "key", "rule", "path"),
    [
        (DIGIKEY, "jst", "supplier_part_number", "Shelf 2 / Drawer B / Bin 7"),
        (MOUSER, "mc34063", "manufacturer_part_number", "Shelf 2"),
        (LCSC_KNOWN, "lmr", "supplier_part_number", "Shelf 2 / Drawer B / Bin 7"),
        (FARNELL, "grm", "supplier_part_number", None),
        (TME, "wbp", "supplier_part_number", "Shelf 2 / Drawer B / Bin 7"),
        ("455-1720-ND", "jst", "search", "Shelf 2 / Drawer B / Bin 7"),
    ],
)
def test_each_supplier_format_finds_its_part_and_place(
    client: TestClient[Any], bench: dict[str, Any], payload: str, key: str, rule: str, path: str | None
) -> None:
    result = scan(client, bench["headers"], payload)
    part = bench["parts"][key]
    assert (result["status"], result["rule"]) == ("found", rule)
    assert result["part"]["id"] == part["id"]
    assert (result["location_path"], result["quantity"]) == (path, part["quantity"])
    assert result["parsed"]["raw"] == payload


def test_own_labels_resolve_parts_and_locations(client: TestClient[Any], bench: dict[str, Any]) -> None:
    h, jst = bench["headers"], bench["parts"]["jst"]
    by_url = scan(client, h, f"http://bench.local:8080/p/{jst['id']}")
    assert (by_url["status"], by_url["rule"], by_url["part"]["id"]) == ("found", "own_label", jst["id"])
    by_mm = scan(client, h, f"MM:{jst['id']}")
    assert by_mm["part"]["id"] == jst["id"]
    location = scan(client, h, f"http://bench.local:8080/l/{bench['bin7']}")
    assert location["status"] == "location"
    assert location["location"]["path"] == "Shelf 2 / Drawer B / Bin 7"
    assert location["location"]["part_count"] == 3
    mm_location = scan(client, h, f"MM:{bench['shelf']}")
    assert (mm_location["status"], mm_location["location"]["name"]) == ("location", "Shelf 2")
    gone = scan(client, h, "MM:00000000-0000-4000-8000-000000000000")
    assert gone["status"] == "unknown"


def test_ambiguity_is_never_resolved_silently(client: TestClient[Any], bench: dict[str, Any]) -> None:
    h = bench["headers"]
    several = scan(client, h, f"[)>{RS}06{GS}K1{GS}14K001{GS}1PNE555P{GS}Q10{GS}1VNXP{RS}{EOT}")
    assert (several["status"], several["rule"]) == ("candidates", "manufacturer_part_number")
    assert {c["part"]["part_name"] for c in several["candidates"]} == {"NE555 DIP", "NE555 SOIC"}
    assert all("quantity" in c and "location_path" in c for c in several["candidates"])
    # The label names a manufacturer that tells them apart: then it is one part.
    narrowed = scan(client, h, f"[)>{RS}06{GS}K1{GS}14K001{GS}1PNE555P{GS}Q10{GS}1VST{RS}{EOT}")
    assert (narrowed["status"], narrowed["part"]["part_name"]) == ("found", "NE555 SOIC")
    assert scan(client, h, "NE555")["status"] == "candidates"


def test_unknown_bag_comes_back_ready_to_create(client: TestClient[Any], bench: dict[str, Any]) -> None:
    result = scan(client, bench["headers"], LCSC_NEW)
    assert result["status"] == "unknown"
    assert result["new_part"] == {
        "part_name": "IA0509S-2W",
        "part_number": "C22437266",
        "supplier": "LCSC",
        "manufacturer_part_number": "IA0509S-2W",
        "quantity": 3,
        "additional_properties": {"order_number": "GB2506270877", "lot_code": "PICK2506270148"},
    }
    nonsense = f"[)>{RS}06{GS}Pnonsense{GS}30Pnonsense{GS}1Pnonsense{GS}K{GS}Q10{GS}11ZPICK{GS}12Z1"
    assert scan(client, bench["headers"], nonsense)["status"] == "unknown"
    assert scan(client, bench["headers"], "\x00\x01")["status"] == "unrecognised"


def test_receiving_an_unknown_lcsc_bag_creates_the_part(client: TestClient[Any], bench: dict[str, Any]) -> None:
    h = bench["headers"]
    r = client.post("/api/scan/receive", json={"payload": LCSC_NEW, "location_id": bench["bin7"]}, headers=h)
    assert r.status_code == 200, r.text
    done = r.json()["data"]
    assert (done["action"], done["quantity_added"], done["received_before"]) == ("created", 3, 0)
    part = done["part"]
    assert (part["part_name"], part["part_number"], part["supplier"], part["quantity"]) == (
        "IA0509S-2W",
        "C22437266",
        "LCSC",
        3,
    )
    assert part["location"]["path"] == "Shelf 2 / Drawer B / Bin 7"
    history = client.get(f"/api/parts/{part['id']}/history", headers=h).json()["data"]
    assert [(m["delta"], m["source"]) for m in history] == [(3, "scan")]
    assert done["scan"]["status"] == "found"  # the same bag now resolves to the new part
    # The same bag again: refused, unless forced.
    again = client.post("/api/scan/receive", json={"payload": LCSC_NEW}, headers=h)
    assert again.status_code == 409, again.text
    assert "already received" in again.json()["message"]
    forced = client.post("/api/scan/receive", json={"payload": LCSC_NEW, "force": True}, headers=h)
    assert forced.status_code == 200, forced.text
    assert (forced.json()["data"]["action"], forced.json()["data"]["part"]["quantity"]) == ("added", 6)
    assert forced.json()["data"]["received_before"] == 1


def test_receiving_a_known_bag_adds_its_quantity(client: TestClient[Any], bench: dict[str, Any]) -> None:
    h, jst = bench["headers"], bench["parts"]["jst"]
    r = client.post("/api/scan/receive", json={"payload": DIGIKEY}, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["data"]["action"], r.json()["data"]["part"]["quantity"]) == ("added", jst["quantity"] + 2)
    # The same label typed by a wedge scanner that shows the separators as pictures is the same bag.
    wedge = DIGIKEY.replace(GS, "␝").replace(RS, "␞").replace(EOT, "␄")
    assert client.post("/api/scan/receive", json={"payload": wedge}, headers=h).status_code == 409
    history = client.get(f"/api/parts/{jst['id']}/history", headers=h).json()["data"]
    assert history[0]["source"] == "scan" and history[0]["delta"] == 2


def test_receive_refuses_what_it_cannot_place(client: TestClient[Any], bench: dict[str, Any]) -> None:
    h = bench["headers"]
    ambiguous = f"[)>{RS}06{GS}K1{GS}14K001{GS}1PNE555P{GS}Q10{GS}1VNXP{RS}{EOT}"
    r = client.post("/api/scan/receive", json={"payload": ambiguous}, headers=h)
    assert r.status_code == 409 and "part_id" in r.json()["message"]
    chosen = bench["parts"]["ne555a"]
    r = client.post("/api/scan/receive", json={"payload": ambiguous, "part_id": chosen["id"]}, headers=h)
    assert r.status_code == 200 and r.json()["data"]["part"]["quantity"] == chosen["quantity"] + 10
    no_qty = client.post("/api/scan/receive", json={"payload": "{pc:C999999,pm:NOQTY-1}"}, headers=h)
    assert no_qty.status_code == 422 and "quantity" in no_qty.json()["message"]
    text = client.post("/api/scan/receive", json={"payload": "NE555"}, headers=h)
    assert text.status_code == 422
    # A failed receive leaves no receipt behind: the corrected request goes through.
    ok = client.post("/api/scan/receive", json={"payload": "{pc:C999999,pm:NOQTY-1}", "quantity": 4}, headers=h)
    assert ok.status_code == 200 and ok.json()["data"]["part"]["quantity"] == 4
    # Our own part label works too, with the quantity counted by hand.
    grm = bench["parts"]["grm"]
    label = f"http://bench.local/p/{grm['id']}"
    assert client.post("/api/scan/receive", json={"payload": label}, headers=h).status_code == 422
    own = client.post("/api/scan/receive", json={"payload": label, "quantity": 5}, headers=h)
    assert own.status_code == 200 and own.json()["data"]["part"]["quantity"] == grm["quantity"] + 5
    where = client.post("/api/scan/receive", json={"payload": f"MM:{bench['bin7']}", "quantity": 1}, headers=h)
    assert where.status_code == 422


def test_permissions(client: TestClient[Any], admin_token: str, bench: dict[str, Any]) -> None:
    add_user(client, admin_token, "viewer", "viewer")
    token = login(client, "viewer", "password-123")
    assert client.post("/api/scan", json={"payload": "NE555"}, headers=bearer(token)).status_code == 200
    r = client.post("/api/scan/receive", json={"payload": LCSC_NEW}, headers=bearer(token))
    assert r.status_code == 403
    assert client.post("/api/scan", json={"payload": "NE555"}).status_code == 401


def _qr(text: str) -> Image.Image:
    img = qrcode.make(text, box_size=6, border=4)
    return img.get_image().convert("L") if hasattr(img, "get_image") else img.convert("L")


@pytest.mark.slow
def test_phone_photo_with_two_codes(client: TestClient[Any], bench: dict[str, Any]) -> None:
    """A 3000×2000 photo with a DigiKey DataMatrix and an LCSC QR (made with qrcode), both resolved."""
    photo = frame(
        (3000, 2000),
        [
            Placement(symbol(DIGIKEY, "DataMatrix", 10), centre=(0.3, 0.45), rotation=-12),
            Placement(_qr(LCSC_KNOWN), centre=(0.72, 0.6), rotation=9, scale=1.2),
        ],
        blur=1.5,
        noise=5,
        jpeg_quality=85,
    )
    content = jpeg_bytes(photo)
    r = client.post("/api/scan/image", files={"file": ("bag.jpg", content, "image/jpeg")}, headers=bench["headers"])
    assert r.status_code == 200, r.text
    results = {x["parsed"]["raw"]: x for x in r.json()["data"]}
    assert set(results) == {DIGIKEY, LCSC_KNOWN}
    assert results[DIGIKEY]["part"]["id"] == bench["parts"]["jst"]["id"]
    assert results[DIGIKEY]["symbology"] == "DataMatrix"
    assert results[LCSC_KNOWN]["part"]["id"] == bench["parts"]["lmr"]["id"]
    assert results[LCSC_KNOWN]["location_path"] == "Shelf 2 / Drawer B / Bin 7"
    assert all(x["source"] == "image" for x in results.values())


def test_photo_errors(client: TestClient[Any], bench: dict[str, Any]) -> None:
    h = bench["headers"]
    r = client.post("/api/scan/image", files={"file": ("x.jpg", b"not an image", "image/jpeg")}, headers=h)
    assert r.status_code == 422
    blank = io.BytesIO()
    Image.new("L", (640, 480), 200).save(blank, "PNG")
    r = client.post("/api/scan/image", files={"file": ("b.png", blank.getvalue(), "image/png")}, headers=h)
    assert r.status_code == 200 and r.json()["data"] == []
    big = b"\xff\xd8" + b"0" * (10 * 1024 * 1024 + 10)
    r = client.post("/api/scan/image", files={"file": ("big.jpg", big, "image/jpeg")}, headers=h)
    assert r.status_code in (413, 422)


def test_recent_and_events(client: TestClient[Any], admin_token: str, bench: dict[str, Any]) -> None:
    h = bench["headers"]
    with client.websocket_connect(f"/ws/events?token={admin_token}") as ws:
        ws.receive_json(timeout=5)
        result = scan(client, h, DIGIKEY)
        for _ in range(10):
            message = ws.receive_json(timeout=5)
            if message["type"] == "scan":
                break
        assert message["type"] == "scan"
        assert message["data"]["id"] == result["id"]
        assert message["data"]["part"]["id"] == bench["parts"]["jst"]["id"]
    scan(client, h, MOUSER)
    recent = client.get("/api/scan/recent?limit=5", headers=h).json()["data"]
    assert [x["parsed"]["raw"] for x in recent[:2]] == [MOUSER, DIGIKEY]
    assert client.get("/api/scan/recent?limit=0", headers=h).status_code == 422


def test_the_same_bag_received_from_two_phones_at_once_adds_once(
    client: TestClient[Any], services: Any, bench: dict[str, Any]
) -> None:
    import asyncio

    from makermatrix_edge.errors import Conflict
    from makermatrix_edge.scanning.receive import ReceiveRequest, receive

    async def both() -> list[Any]:
        request = ReceiveRequest(payload=DIGIKEY)
        return await asyncio.gather(
            receive(services.scans, request, None), receive(services.scans, request, None), return_exceptions=True
        )

    outcomes = asyncio.run(both())
    assert sorted(type(o).__name__ for o in outcomes) == ["Conflict", "Received"]
    assert any(isinstance(o, Conflict) for o in outcomes)
    part = client.get(f"/api/parts/get_part?part_id={bench['parts']['jst']['id']}", headers=bench["headers"])
    assert part.json()["data"]["quantity"] == bench["parts"]["jst"]["quantity"] + 2
