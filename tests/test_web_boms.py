"""Projects on the phone, the missing half of issue 25 point 8: a new project, a BOM through upload -> preview ->
confirm, and a line's part chosen by hand (pin / unpin); what a viewer may not do."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import TestClient

from bom_support import BOMS
from conftest import ADMIN_PASSWORD, add_user, login
from inventory_helpers import add_part
from web_helpers import Bench, bench, csrf_of, page_login, post_form, refused_to, said, web

__all__ = ["bench", "web"]  # the shared fixtures (web_helpers), used by name

KICAD = BOMS / "kicad_default.csv"
STAGED = re.compile(r'name="staged" value="([0-9a-f]{32})"')


def _lines(bench: Bench, project_id: str) -> list[Any]:
    return bench.services.db.read_sync(
        lambda db: db.execute(
            "SELECT id, designators, part_id, pinned_part_id FROM bom_lines WHERE project_id = ? ORDER BY position",
            [project_id],
        ).fetchall()
    )


def _new(web: TestClient[Any], name: str, description: str = "") -> Any:
    return post_form(web, "/projects", "/projects", name=name, description=description)


def _pick(web: TestClient[Any], project_id: str, name: str, content: bytes) -> Any:
    html = web.get(f"/projects/{project_id}/bom").text
    return web.post(f"/projects/{project_id}/bom", files={"file": (name, content)}, data={"csrf_token": csrf_of(html)})


def _confirm(web: TestClient[Any], project_id: str, preview_html: str, filename: str) -> Any:
    staged = STAGED.search(preview_html)
    assert staged, preview_html
    action = re.search(r'id="confirm">\s*<input type="hidden" name="csrf_token" value="[^"]+">'
                       r'<input type="hidden" name="action_id" value="([^"]+)"', preview_html)  # fmt: skip
    assert action
    fields = {"csrf_token": csrf_of(preview_html), "action_id": action.group(1), "staged": staged.group(1),
              "filename": filename}  # fmt: skip
    return web.post(f"/projects/{project_id}/bom/confirm", data=fields, follow_redirects=False)


def test_a_new_project_from_the_list_and_a_duplicate_name_said_in_words(bench: Bench, web: TestClient[Any]) -> None:
    listed = web.get("/projects").text
    assert "New project" in listed and 'action="/projects"' in listed
    made = _new(web, "Timer board", "A 555 blinker")
    assert made.status_code == 303 and said(made) == "Project 'Timer board' made. Import its BOM next."
    project_id = made.headers["location"].rsplit("/", 1)[1]
    page = web.get(made.headers["location"]).text
    assert "<h1>Timer board</h1>" in page and f'href="/projects/{project_id}/bom">Import a BOM' in page
    got = bench.client.get(f"/api/projects/{project_id}", headers=bench.headers).json()["data"]
    assert got["description"] == "A 555 blinker"
    again = _new(web, "Timer board", "typed again")
    assert again.status_code == 409
    assert "A project named &#39;Timer board&#39; already exists: choose another name, or open that one." in again.text
    assert 'value="Timer board"' in again.text and ">typed again</textarea>" in again.text  # still on the form
    alike = _new(web, "timer  BOARD")
    assert alike.status_code == 409 and "differs only in case or punctuation" in alike.text
    empty = _new(web, "   ")
    # The walk's #3: the service's own sentence, once ("The project name Project name is required." before).
    assert empty.status_code == 400 and "Project name is required." in empty.text
    assert "The project name Project name" not in empty.text
    count = bench.services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM projects").fetchone()[0])
    assert count == 1


def test_upload_preview_writes_nothing_then_confirm_writes_once(bench: Bench, web: TestClient[Any]) -> None:
    add_part(bench.client, bench.headers, "ATmega328P", manufacturer_part_number="ATmega328P-AU", quantity=3)
    project_id = _new(web, "Blinker").headers["location"].rsplit("/", 1)[1]
    preview = _pick(web, project_id, KICAD.name, KICAD.read_bytes())
    assert preview.status_code == 200, preview.text
    text = preview.text
    assert "KiCad BOM" in text and "Nothing is written yet." in text and "already has a BOM" not in text
    assert "C1, C2, C3, C4 · 4 per board" in text and "Capacitor_SMD:C_0603_1608Metric" in text
    assert "Matched: the value ATmega328P-AU is this part&#39;s manufacturer part number: ATmega328P" in text
    assert 'class="card unmatched"' in text and "Unmatched:" in text
    assert "Not placed (DNP)" in text and "Import 14 lines" in text
    assert _lines(bench, project_id) == []  # the preview wrote nothing
    done = _confirm(web, project_id, text, KICAD.name)
    assert done.status_code == 303 and done.headers["location"] == f"/projects/{project_id}"
    assert said(done).startswith("BOM imported. KiCad BOM: 14 lines, 1 matched")
    assert len(_lines(bench, project_id)) == 14
    twice = _confirm(web, project_id, text, KICAD.name)  # the same rendering tapped twice: its first answer
    assert twice.status_code == 303 and said(twice) == said(done)
    assert len(_lines(bench, project_id)) == 14
    page = web.get(f"/projects/{project_id}").text
    # The Build box answers from the imported lines.
    assert "No part matched" in page and "12 BOM lines have no matching part: match or pin a part" in page
    # The same file again: the preview says the lines are replaced, with Cancel first.
    repeat = _pick(web, project_id, KICAD.name, KICAD.read_bytes()).text
    assert "Blinker already has a BOM of 14 lines: importing replaces them all" in repeat
    assert "Replace with 14 lines" in repeat and f'<a class="button" href="/projects/{project_id}">Cancel</a>' in repeat
    replaced = _confirm(web, project_id, repeat, KICAD.name)
    assert "it replaced the 14 earlier lines" in said(replaced) and len(_lines(bench, project_id)) == 14
    # A staged file is gone once imported: a fresh post of an old token is refused in words.
    gone = web.post(
        f"/projects/{project_id}/bom/confirm",
        data={"csrf_token": csrf_of(text), "staged": STAGED.search(repeat).group(1), "filename": "x.csv"},  # type: ignore[union-attr]
        follow_redirects=False,
    )
    assert "The previewed file is gone" in refused_to(gone, f"/projects/{project_id}/bom")
    assert 'type="file"' in web.get(gone.headers["location"]).text  # back on the upload form


def test_refused_files_are_sentences_on_the_upload_page(bench: Bench, web: TestClient[Any]) -> None:
    project_id = _new(web, "Blinker").headers["location"].rsplit("/", 1)[1]
    pdf = _pick(web, project_id, "board.pdf", b"%PDF-1.4")
    assert pdf.status_code == 415 and "&#39;.pdf&#39; files are not BOMs" in pdf.text and 'type="file"' in pdf.text
    other = _pick(web, project_id, "x.csv", b"foo,bar\n1,2\n")
    assert other.status_code == 415 and "This is not a BOM this can read" in other.text
    bad = KICAD.read_text().replace('"R4","1k","Resistor_SMD:R_0603_1608Metric","1"', '"R4","1k","R_0603","lots"')
    rows = _pick(web, project_id, "bad.csv", bad.encode())
    assert rows.status_code == 422 and "cannot be read; nothing was imported" in rows.text
    assert "Row 10: quantity &#39;lots&#39; is not a number" in rows.text and 'type="file"' in rows.text
    big = _pick(web, project_id, "big.csv", b"MPN,Quantity\n" + b"X" * 2_100_000)
    assert big.status_code == 413 and "over 2 MB" in big.text
    none = web.post(f"/projects/{project_id}/bom", data={"csrf_token": csrf_of(web.get("/projects").text)})
    assert none.status_code == 400 and "Choose the BOM file first." in none.text
    assert _lines(bench, project_id) == [] and 'name="staged"' not in rows.text


def test_choose_a_part_for_a_line_then_unpin(bench: Bench, web: TestClient[Any]) -> None:
    h = bench.headers
    small = add_part(bench.client, h, "ATmega328P tray", manufacturer_part_number="ATmega328P-AU", quantity=2)
    big = add_part(bench.client, h, "ATmega328P reel", manufacturer_part_number="ATmega328P-AU", quantity=40)
    project_id = _new(web, "Blinker").headers["location"].rsplit("/", 1)[1]
    _confirm(web, project_id, _pick(web, project_id, KICAD.name, KICAD.read_bytes()).text, KICAD.name)
    u1 = next(r for r in _lines(bench, project_id) if r[1] == "U1")
    assert u1[2] == big["id"] and u1[3] is None  # the most stock first
    page = web.get(f"/projects/{project_id}").text
    assert "Choose part (2 fit)" in page and "ATmega328P tray" in page and "chosen now" in page
    pinned = post_form(web, f"/projects/{project_id}", f"/projects/{project_id}/bom/pin", line_id=str(u1[0]),
                       part_id=small["id"])  # fmt: skip
    assert pinned.status_code == 303 and said(pinned) == "U1: ATmega328P tray, pinned."
    assert next(r for r in _lines(bench, project_id) if r[1] == "U1")[2:] == (small["id"], small["id"])
    page = web.get(f"/projects/{project_id}").text
    assert "Pinned by hand" in page and ">Unpin</button>" in page
    unpinned = post_form(web, f"/projects/{project_id}", f"/projects/{project_id}/bom/unpin", line_id=str(u1[0]))
    assert said(unpinned).startswith("U1: unpinned.")
    assert next(r for r in _lines(bench, project_id) if r[1] == "U1")[2:] == (big["id"], None)
    # A line of another project, or none at all, is refused in words and changes nothing.
    wrong = post_form(web, f"/projects/{project_id}", f"/projects/{project_id}/bom/pin", line_id="999999",
                      part_id=small["id"])  # fmt: skip
    assert wrong.status_code == 404 and "not found in this project" in wrong.text
    junk = post_form(web, f"/projects/{project_id}", f"/projects/{project_id}/bom/pin", line_id="x", part_id="y")
    assert junk.status_code == 400 and "reload the page" in junk.text


def test_choose_another_file_is_offered_once_a_file_was_chosen(web: TestClient[Any]) -> None:
    """The walk: the empty form offered "Choose another file" before any file was chosen."""
    project_id = _new(web, "Blinker").headers["location"].rsplit("/", 1)[1]
    form = web.get(f"/projects/{project_id}/bom").text
    assert "Choose another file" not in form and ">Back to Blinker</a>" in form
    preview = _pick(web, project_id, KICAD.name, KICAD.read_bytes()).text
    assert f'<a href="/projects/{project_id}/bom">Choose another file</a>' in preview


def test_choosing_a_part_keeps_the_boards_number(bench: Bench, web: TestClient[Any]) -> None:
    """The walk: pinning came back to Boards 1, and the shortages of 30 boards were gone."""
    h = bench.headers
    small = add_part(bench.client, h, "ATmega328P tray", manufacturer_part_number="ATmega328P-AU", quantity=2)
    add_part(bench.client, h, "ATmega328P reel", manufacturer_part_number="ATmega328P-AU", quantity=40)
    project_id = _new(web, "Blinker").headers["location"].rsplit("/", 1)[1]
    _confirm(web, project_id, _pick(web, project_id, KICAD.name, KICAD.read_bytes()).text, KICAD.name)
    u1 = next(r for r in _lines(bench, project_id) if r[1] == "U1")
    page = f"/projects/{project_id}?n=30"
    assert '<input type="hidden" name="n" value="30">' in web.get(f"/projects/{project_id}/check?n=30").text
    pinned = post_form(web, page, f"/projects/{project_id}/bom/pin", line_id=str(u1[0]), part_id=small["id"], n="30")
    assert pinned.status_code == 303 and pinned.headers["location"] == page
    back = web.get(page).text
    assert "Short 28" in back and 'value="30" aria-describedby' in back
    unpinned = post_form(web, page, f"/projects/{project_id}/bom/unpin", line_id=str(u1[0]), n="30")
    assert unpinned.headers["location"] == page


def test_an_unmatched_line_finds_a_part_on_the_shelf_and_pins_it(bench: Bench, web: TestClient[Any]) -> None:
    project_id = _new(web, "Blinker").headers["location"].rsplit("/", 1)[1]
    _confirm(web, project_id, _pick(web, project_id, KICAD.name, KICAD.read_bytes()).text, KICAD.name)
    y1 = next(r for r in _lines(bench, project_id) if r[1] == "Y1")
    assert y1[2] is None
    crystal = add_part(bench.client, bench.headers, "16MHz crystal HC-49", quantity=5)
    page = web.get(f"/projects/{project_id}").text
    assert f'name="pick" value="{y1[0]}"' in page and 'value="16MHz"' in page  # the search starts from the value
    found = web.get(f"/projects/{project_id}?n=1&pick={y1[0]}&q=16MHz").text
    assert "16MHz crystal HC-49</button>" in found and "found by &#39;16MHz&#39;" in found
    nothing = web.get(f"/projects/{project_id}?pick={y1[0]}&q=zzzz").text
    assert "No part found for 'zzzz'." in nothing
    assert web.get(f"/projects/{project_id}?pick=abc&q=%25%25").status_code == 200  # junk: the page still opens
    pinned = post_form(web, f"/projects/{project_id}", f"/projects/{project_id}/bom/pin", line_id=str(y1[0]),
                       part_id=crystal["id"])  # fmt: skip
    assert said(pinned) == "Y1: 16MHz crystal HC-49, pinned."
    assert next(r for r in _lines(bench, project_id) if r[1] == "Y1")[2:] == (crystal["id"], crystal["id"])


def test_a_viewer_sees_no_upload_or_pin_and_a_post_is_refused(bench: Bench, web: TestClient[Any]) -> None:
    add_part(bench.client, bench.headers, "ATmega328P tray", manufacturer_part_number="ATmega328P-AU", quantity=2)
    add_part(bench.client, bench.headers, "ATmega328P reel", manufacturer_part_number="ATmega328P-AU", quantity=4)
    project_id = _new(web, "Blinker").headers["location"].rsplit("/", 1)[1]
    _confirm(web, project_id, _pick(web, project_id, KICAD.name, KICAD.read_bytes()).text, KICAD.name)
    admin_token = login(bench.client, "admin", ADMIN_PASSWORD)
    add_user(bench.client, admin_token, "vera", "viewer")
    bench.client.cookies.clear()
    assert page_login(bench.client, "vera", "password-123").status_code == 303
    page = web.get(f"/projects/{project_id}").text
    assert "<h1>Blinker</h1>" in page
    assert "Import a BOM" not in page and "Choose part" not in page and "/bom/pin" not in page
    assert "New project" not in web.get("/projects").text
    assert web.get(f"/projects/{project_id}/bom").status_code == 403
    token = csrf_of(page)
    line = _lines(bench, project_id)[0][0]
    for action, fields in (
        ("/projects", {"name": "Mine"}),
        (f"/projects/{project_id}/bom/pin", {"line_id": str(line), "part_id": "x"}),
        (f"/projects/{project_id}/bom/unpin", {"line_id": str(line)}),
    ):
        refused = web.post(action, data={"csrf_token": token, **fields}, follow_redirects=False)
        assert refused.status_code == 403, action
    sent = web.post(f"/projects/{project_id}/bom", files={"file": (KICAD.name, KICAD.read_bytes())},
                    data={"csrf_token": token}, follow_redirects=False)  # fmt: skip
    assert sent.status_code == 403 and "needs the &#39;projects:update&#39; permission" in sent.text
    count = bench.services.db.read_sync(lambda db: db.execute("SELECT count(*) FROM projects").fetchone()[0])
    assert count == 1
