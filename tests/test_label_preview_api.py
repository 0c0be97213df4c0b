"""/api/preview and /api/templates as MakerMatrix's front end calls them: the PNG shown is the label printed."""

from __future__ import annotations

import base64
import io
from typing import Any

import zxingcpp
from PIL import Image, ImageChops

from conftest import ADMIN_PASSWORD, add_user, bearer, login
from inventory_helpers import add_location, add_part
from makermatrix_edge.devices.printer.media import label_size
from makermatrix_edge.labels.raster import decode, printable_area
from test_printer_api import PUBLIC, Bench
from test_printer_api import bench as bench  # the fixture


def _shown(answer: Any) -> Image.Image:
    assert answer.status_code == 200, answer.text
    body = answer.json()
    data = body.get("data", body)
    assert data["format"] == "png"
    image = Image.open(io.BytesIO(base64.b64decode(data["preview_data"])))
    assert image.size == (data["width_px"], data["height_px"])
    return image


def _last_printed(bench: Bench, size: str) -> Image.Image:
    return printable_area(decode(bench.sim.jobs[-1])[0], label_size(size), "QL-700")


def _same(a: Image.Image, b: Image.Image) -> bool:
    return a.size == b.size and ImageChops.difference(a.convert("L"), b.convert("L")).getbbox() is None


def _part(bench: Bench) -> dict[str, Any]:
    where = add_location(bench.client, bench.headers, "Drawer A2")
    return add_part(bench.client, bench.headers, "LM317T", part_number="LM317T-ND", location_id=where)


def test_part_previews_are_the_labels_the_print_path_prints(bench: Bench) -> None:
    part = _part(bench)
    combined = bench.client.post(f"/api/preview/part/combined/{part['id']}?label_size=29x90", headers=bench.headers)
    assert combined.json()["success"] is True and combined.json()["message"] == "QR code and text label on 29x90 labels"
    shown = _shown(combined)
    assert [c.text for c in zxingcpp.read_barcodes(shown.convert("L"))] == [f"{PUBLIC}/p/{part['id']}"]
    printed = bench.post(f"/api/parts/{part['id']}/print", {"label_size": "29x90", "wait": True})
    assert printed.json()["data"]["state"] == "done", printed.text
    assert _same(shown, _last_printed(bench, "29x90"))

    qr = _shown(bench.client.post(f"/api/preview/part/qr_code/{part['id']}?label_size=29x90", headers=bench.headers))
    done = bench.post("/api/printer/print_qr", {"part_id": part["id"], "label_size": "29x90", "wait": True})
    assert done.json()["data"]["state"] == "done", done.text
    assert _same(qr, _last_printed(bench, "29x90"))
    assert not _same(qr, shown)

    name = _shown(bench.client.post(f"/api/preview/part/name/{part['id']}?label_size=29x90", headers=bench.headers))
    assert name.size == (306, 991) and not zxingcpp.read_barcodes(name.convert("L"))
    custom = bench.client.post(
        f"/api/preview/part/combined/{part['id']}?label_size=29x90&custom_text=Keep%20{{dry}}", headers=bench.headers
    )
    assert [c.text for c in zxingcpp.read_barcodes(_shown(custom).convert("L"))] == [f"{PUBLIC}/p/{part['id']}"]


def test_text_and_advanced_previews(bench: Bench) -> None:
    text = bench.post("/api/preview/text", {"text": "Hello {world}", "label_size": "12"})
    assert _shown(text).size[0] == 106  # the 12 mm tape's printable dots across
    same = bench.post(
        "/api/printer/preview",
        {"template": {"name": "t", "label_size": "12", "text": "Hello", "margin_px": 2}, "data": {}},
    )
    assert same.status_code == 200
    plain = _shown(bench.post("/api/preview/text", {"text": "Hello", "label_size": "12"}))
    assert _same(plain, Image.open(io.BytesIO(same.content)))
    typed = _shown(bench.post("/api/preview/text", {"text": "{qr=code}", "label_size": "29x90"}))
    assert not zxingcpp.read_barcodes(typed.convert("L"))  # plain text: MakerMatrix's QR directives are /advanced's

    advanced = bench.post(
        "/api/preview/advanced",
        {"template": "{name}\\n{qr=code}", "label_size": "29x90", "data": {"name": "Bin 4", "code": "BIN-4"}},
    )
    shown = _shown(advanced)
    assert [c.text for c in zxingcpp.read_barcodes(shown.convert("L"))] == ["BIN-4"]
    long = bench.post("/api/preview/advanced", {"template": "x", "label_size": "12", "label_length": 80})
    assert _shown(long).size == (106, 945)  # 80 mm at 300 dpi along the tape


def test_preview_lists_sizes_printers_and_validates_sizes(bench: Bench) -> None:
    printers = bench.get("/api/preview/printers").json()["data"]
    assert printers == {"printers": ["default"], "default": "default"}
    sizes = bench.get("/api/preview/labels/sizes").json()["data"]["sizes"]
    by_name = {s["name"]: s for s in sizes}
    assert by_name["29x90"] == {
        "name": "29x90", "width_mm": 29, "height_mm": 90, "width_px": 306, "height_px": 991, "is_continuous": False,
    }  # fmt: skip
    assert by_name["62"]["is_continuous"] is True
    valid = bench.get("/api/preview/validate/size/29x90").json()["data"]
    assert valid["valid"] is True and "62" in valid["supported_sizes"]
    assert bench.get("/api/preview/validate/size/99x1").json()["data"]["valid"] is False
    assert bench.get("/api/preview/validate/size/29?printer_id=mock_preview").json()["data"]["valid"] is True
    # a printer_id naming a Brother model (as MakerMatrix's clients send) answers for that model
    wide = bench.get("/api/preview/labels/sizes?printer_id=ql-1100").json()["data"]["sizes"]
    assert "102" in {s["name"] for s in wide} and "102" not in by_name  # a QL-1100 takes 102 mm tape, a QL-700 not
    assert bench.get("/api/preview/validate/size/102?printer_id=QL-1100").json()["data"]["valid"] is True
    nowhere = bench.client.get("/api/preview/labels/sizes?printer_id=lp-2844", headers=bench.headers)
    assert nowhere.status_code == 422 and "QL-800" in nowhere.json()["message"]


def test_bad_preview_requests_are_clear_4xx(bench: Bench) -> None:
    part = _part(bench)
    missing = bench.client.post("/api/preview/part/name/no-such-part", headers=bench.headers)
    assert missing.status_code == 404
    unknown_size = bench.client.post(f"/api/preview/part/name/{part['id']}?label_size=99x1", headers=bench.headers)
    assert unknown_size.status_code == 422 and "99x1" in unknown_size.text
    cannot = bench.post("/api/preview/text", {"text": "x", "label_size": "102"})  # the QL-700 has no 102 mm tape
    assert cannot.status_code == 422 and "cannot print" in cannot.json()["message"]
    assert bench.post("/api/preview/text", {"text": "x" * 2001}).status_code == 422
    assert bench.post("/api/preview/text", {"text": ""}).status_code == 422
    assert bench.post("/api/preview/advanced", {"template": "x", "label_length": 100000}).status_code == 422
    big = bench.post("/api/preview/advanced", {"template": "x", "options": {"font_size_override": 10**6}})
    assert big.status_code == 422
    for data in ({"part_name": "x" * 501}, {"part_name": {"nested": 1}}, {f"k{i}": i for i in range(101)}):
        for path, body in (("/api/preview/advanced", {"template": "{part_name}"}), ("/api/templates/preview", {
            "template_id": "part-29x90"}), ("/api/printer/preview", {})):  # fmt: skip
            refused = bench.post(path, {**body, "data": data})
            assert refused.status_code == 422, (path, refused.text)
    other = bench.post("/api/preview/text", {"text": "x", "printer_id": "../../etc/passwd"})
    assert other.status_code == 422 and "one printer" in other.json()["message"]
    huge = bench.client.post(
        "/api/preview/text", content=b'{"text": "' + b"x" * (10 * 1024 * 1024) + b'"}', headers=bench.headers
    )
    assert huge.status_code == 413


def test_templates_crud_duplicate_validate_preview(bench: Bench) -> None:
    listed = bench.get("/api/templates/").json()["data"]
    assert listed["total_count"] == len(listed["templates"]) and listed["total_count"] >= 7
    system = bench.get("/api/templates/?is_system=true").json()["data"]
    assert all(t["builtin"] for t in system["templates"])
    body = {"name": "Bin", "label_size": "29x90", "text": "{part_name}\n{prop:package}", "qr_position": "left"}
    made = bench.post("/api/templates/", body)
    assert made.status_code == 200 and made.json()["message"] == "Template 'Bin' created successfully"
    tid = made.json()["data"]["id"]
    assert bench.get(f"/api/templates/{tid}").json()["data"]["name"] == "Bin"
    assert bench.get("/api/templates/?search=bin").json()["data"]["total_count"] == 1
    assert bench.post("/api/templates/", body).status_code == 409
    changed = bench.client.put(f"/api/templates/{tid}", json={**body, "text": "{part_name}"}, headers=bench.headers)
    assert changed.status_code == 200 and changed.json()["data"]["text"] == "{part_name}"

    copy = bench.client.post("/api/templates/part-29x90/duplicate?new_name=My%2029x90", headers=bench.headers)
    assert copy.status_code == 200 and copy.json()["data"]["builtin"] is False
    assert copy.json()["data"]["text"] == bench.get("/api/templates/part-29x90").json()["data"]["text"]
    assert bench.client.post(f"/api/templates/{tid}/duplicate?new_name=Bin", headers=bench.headers).status_code == 409
    assert bench.client.post("/api/templates/nope/duplicate?new_name=X", headers=bench.headers).status_code == 404

    part = add_part(bench.client, bench.headers, "TL072", additional_properties={"package": "SOIC-8"})
    preview = bench.post("/api/templates/preview", {"template_id": tid, "part_id": part["id"]})
    shown = _shown(preview)
    printed = bench.post(f"/api/parts/{part['id']}/print", {"template": tid, "wait": True})
    assert printed.json()["data"]["state"] == "done", printed.text
    assert _same(shown, _last_printed(bench, "29x90"))
    sample = bench.post("/api/templates/preview", {"template_config": body, "data": {"part_name": "R1"}})
    assert _shown(sample).size == (306, 991)
    assert bench.post("/api/templates/preview", {}).status_code == 422
    assert bench.post("/api/templates/preview", {"template_id": "../../etc/passwd"}).status_code == 404

    gone = bench.client.delete(f"/api/templates/{tid}", headers=bench.headers)
    assert gone.status_code == 200 and gone.json()["data"] == {"template_id": tid, "template_name": "Bin"}
    assert bench.get(f"/api/templates/{tid}").status_code == 404
    assert bench.client.delete("/api/templates/part-29x90", headers=bench.headers).status_code == 409
    assert bench.get("/api/templates/categories").json()["data"] == ["part", "location"]


def test_template_validation_answers_the_problems_and_bad_writes_change_nothing(bench: Bench) -> None:
    good = bench.post("/api/templates/validate", {"name": "Ok", "text": "{part_name}"}).json()["data"]
    assert good == {"is_valid": True, "errors": [], "warnings": []}
    bad = bench.post("/api/templates/validate", {"name": "No", "text": "{colour}"}).json()["data"]
    assert bad["is_valid"] is False and "unknown placeholder '{colour}'" in bad["errors"][0]
    wrong = bench.post("/api/templates/validate", {"name": "No", "max_font_px": 10**9}).json()["data"]
    assert wrong["is_valid"] is False and "max_font_px" in wrong["errors"][0]
    before = bench.get("/api/templates/").json()["data"]["total_count"]
    for body in (
        {"name": "Big", "text": "x" * 2001},
        {"name": "Huge", "max_font_px": 100000},
        {"name": "Long", "length_mm": 10**7},
        {"name": "Size", "label_size": "../../etc"},
        {"name": "Field", "text": "{__class__}"},
        {"name": "Theirs", "text_template": "{part_name}", "label_width_mm": 29},
    ):
        answer = bench.post("/api/templates/", body)
        assert answer.status_code == 422, (body, answer.text)
    assert bench.get("/api/templates/").json()["data"]["total_count"] == before


def test_permissions_reads_for_printer_users_writes_for_printer_admins(bench: Bench) -> None:
    admin_token = login(bench.client, "admin", ADMIN_PASSWORD)
    add_user(bench.client, admin_token, "bench", "user")
    add_user(bench.client, admin_token, "looker", "viewer")
    user = bearer(login(bench.client, "bench", "password-123"))
    viewer = bearer(login(bench.client, "looker", "password-123"))
    c = bench.client
    assert c.get("/api/templates/", headers=user).status_code == 200
    assert c.post("/api/preview/text", json={"text": "x"}, headers=user).status_code == 200
    assert c.post("/api/templates/", json={"name": "U"}, headers=user).status_code == 403
    assert c.delete("/api/templates/part-29x90", headers=user).status_code == 403
    assert c.post("/api/templates/part-29x90/duplicate?new_name=U", headers=user).status_code == 403
    assert c.get("/api/templates/", headers=viewer).status_code == 403
    assert c.post("/api/preview/text", json={"text": "x"}, headers=viewer).status_code == 403
    assert c.get("/api/preview/printers").status_code == 401
    assert c.post("/api/templates/preview", json={"template_id": "part-29x90"}).status_code == 401


def test_the_front_ends_printer_template_preview_and_print(bench: Bench) -> None:
    part = _part(bench)
    body = {"template_id": "part-29x90", "data": {"id": part["id"], "part_name": "LM317T", "part_number": "LM317T-ND",
                                                   "location": "Drawer A2"}}  # fmt: skip
    answer = bench.post("/api/printer/preview/template", body)
    assert answer.status_code == 200 and answer.json()["status"] == "success", answer.text
    data = answer.json()["data"]
    assert data["preview_url"].startswith("data:image/png;base64,") and (data["width"], data["height"]) == (306, 991)
    shown = Image.open(io.BytesIO(base64.b64decode(data["preview_url"].split(",", 1)[1])))
    printed = bench.post("/api/printer/print/template", {**body, "printer_id": "default", "wait": True})
    assert printed.status_code == 202 and printed.json()["data"]["state"] == "done", printed.text
    assert printed.json()["data"]["template_id"] == "part-29x90"
    assert _same(shown, _last_printed(bench, "29x90"))

    draft = {"name": "d", "label_size": "29x90", "text": "{part_name}"}
    made = bench.post("/api/printer/preview/template/draft", {"template_config": draft, "data": {"part_name": "R1"}})
    assert made.status_code == 200 and made.json()["data"]["width_px"] == 306
    assert bench.post("/api/printer/preview/template/draft", {"template_id": "part-29x90"}).status_code == 422
    nobody = bench.post("/api/printer/print/template", {"template_id": "part-29x90", "data": {"part_name": "x"}})
    assert nobody.status_code == 422 and "data.id" in nobody.json()["message"]
    jobs = len(bench.sim.jobs)
    unknown = bench.post("/api/printer/print/template", {"template_id": "nope", "data": {"id": part["id"]}})
    assert unknown.status_code == 404 and len(bench.sim.jobs) == jobs


def test_template_search_compatible_stats_and_preview_health(bench: Bench) -> None:
    bench.post("/api/templates/", {"name": "Reel 12", "label_size": "12", "text": "{part_name}"})
    found = bench.get("/api/templates/search/?query=reel").json()["data"]
    assert [t["name"] for t in found["templates"]] == ["Reel 12"] and found["total_count"] == 1
    assert bench.get("/api/templates/search/").status_code == 400
    twelve = bench.get("/api/templates/compatible/12").json()["data"]["templates"]
    assert {t["label_size"] for t in twelve} == {"12"} and {"part-12", "Reel 12"} <= {t["id"] for t in twelve} | {
        t["name"] for t in twelve
    }
    die_cut = bench.get("/api/templates/compatible/29?label_width_mm=90").json()["data"]["templates"]
    assert {t["label_size"] for t in die_cut} == {"29x90"}
    assert bench.get("/api/templates/compatible/-3").status_code == 422
    stats = bench.get("/api/templates/stats/summary").json()["data"]
    assert stats["total_templates"] == stats["system_templates"] + stats["user_templates"]
    assert stats["user_templates"] == 1 and stats["category_distribution"]["location"] >= 2
    health = bench.get("/api/preview/health").json()["data"]
    assert health["status"] == "healthy" and health["test_preview"]["width_px"] == 106
