"""The phone's Ask page: the plain form post, the NDJSON stream, and in headless Chromium the answer as it streams."""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from assistant_support import DOC_QUESTIONS, DOC_SCRIPTS, availability_answer, bench
from browser_support import launch
from daemon_process import Daemon
from fake_ollama import running
from test_web_browser import PASSWORD, PHONE, log_in, shot
from web_helpers import csrf_of, page_login, post_form


def test_ask_form_without_javascript_shows_answer_confidence_and_part_links(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _services, _):
        assert page_login(client).status_code == 303
        page = client.get("/ask")
        assert page.status_code == 200 and "Ask about the parts" in page.text
        assert 'href="/ask"' in client.get("/").text
        fake.script = list(DOC_SCRIPTS[0])
        answered = post_form(client, "/ask", "/ask", message=DOC_QUESTIONS[0])
        assert answered.status_code == 200
        assert "S9012 is out of stock (0 units). BC857B is a compatible PNP replacement" in answered.text
        assert re.search(r"Confidence: <strong id=\"ask-confidence\">HIGH</strong>", answered.text)
        links = dict(re.findall(r'<a href="/p/([0-9a-f-]+)">([^<]+)</a>', answered.text))
        assert sorted(links.values()) == ["BC857B", "S9012"]
        for part_id, number in links.items():
            assert client.get(f"/p/{part_id}").status_code == 200 and number in client.get(f"/p/{part_id}").text
        empty = post_form(client, "/ask", "/ask", message="  ")
        assert empty.status_code == 400 and "type a question first" in empty.text


def test_ask_stream_needs_the_session_and_the_pages_csrf_token(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, _):
        body = {"message": DOC_QUESTIONS[1]}
        page_login(client)
        token = csrf_of(client.get("/ask").text)
        refused = client.post("/ask/stream", json=body)
        assert refused.status_code == 403 and fake.requests == []
        fake.script = list(DOC_SCRIPTS[1])
        streamed = client.post("/ask/stream", json=body, headers={"X-CSRF-Token": token})
        events = [json.loads(line) for line in streamed.text.splitlines()]
        assert events[-1]["type"] == "answer" and "$18.00" in events[-1]["answer"]
        client.post("/logout", data={"csrf_token": token})
        assert client.post(
            "/ask/stream", json=body, headers={"X-CSRF-Token": token}, follow_redirects=False
        ).status_code in (303, 401, 403)  # the session is gone, and with it the token it signed


@pytest.fixture
def browser() -> Iterator[Browser]:
    yield from launch()


@pytest.mark.browser
@pytest.mark.daemon
def test_the_answer_streams_in_then_shows_confidence_and_links(tmp_path: Path, browser: Browser) -> None:
    gate = threading.Event()

    def held_answer(body: dict[str, Any]) -> dict[str, Any]:
        return {**availability_answer(body), "gate": gate}  # the text streams; the last line waits for the test

    with running() as (fake, url):
        fake.chunk_words = 2
        fake.script = [*DOC_SCRIPTS[0][:-1], held_answer]
        daemon = Daemon(
            tmp_path / "data",
            env={"MAKERMATRIX_EDGE_ADMIN_PASSWORD": PASSWORD, "MAKERMATRIX_EDGE_ASSISTANT__OLLAMA_URL": url},
            extra_args=["--demo"],
        )
        context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True)
        try:
            daemon.wait_healthy()
            phone = context.new_page()
            phone.set_default_timeout(10_000)
            phone.goto(daemon.url + "/ask")
            log_in(phone)
            phone.get_by_label("Question").fill(DOC_QUESTIONS[0])
            phone.get_by_role("button", name="Ask").click()
            answer = phone.locator("#ask-answer")
            expect(answer).to_contain_text("BC857B is a compatible PNP replacement")  # streamed, not yet done
            expect(phone.locator("#ask-status")).to_contain_text("The model is writing")
            expect(phone.locator("#ask-confidence")).to_have_text("…")
            shot(phone, "10-ask-streaming")
            gate.set()
            expect(phone.locator("#ask-confidence")).to_have_text("HIGH")
            expect(phone.locator("#ask-status")).to_have_text("Answered by qwen3:1.7b")
            expect(answer).to_have_text(
                re.compile(r"^S9012 is out of stock \(0 units\)\. .*Total inventory value: \$18\.00\.$")
            )
            link = phone.get_by_role("link", name="BC857B")
            expect(link).to_have_attribute("href", re.compile(r"^/p/[0-9a-f-]{36}$"))
            shot(phone, "11-ask-answered")
            link.click()
            expect(phone.get_by_role("heading", level=1, name="BC857B")).to_be_visible()
        finally:
            gate.set()
            context.close()
            daemon.stop()


def test_ask_without_a_model_says_so_in_words_and_the_fresh_page_shows_no_empty_answer(tmp_path: Path) -> None:
    with bench(tmp_path, ollama_url="http://127.0.0.1:9") as (_, client, _services, _):
        assert page_login(client).status_code == 303
        fresh = client.get("/ask").text
        assert re.search(r'<section id="ask-result"[^>]* hidden', fresh)  # no empty "Confidence:" before a question
        css = client.get("/static/app.css").text
        assert "[hidden] { display: none !important; }" in css  # .card's display: grid must not show it anyway
        answered = post_form(client, "/ask", "/ask", message="How many 10k 0603 resistors do we have?").text
        status = re.search(r'<p id="ask-status" class="muted">([^<]*)</p>', answered)
        assert status and status.group(1) == (
            "Answered from the inventory alone: the assistant&#39;s model is not available right now. "
            "Admins: run “makermatrix-edge doctor” on the Pi; it says how to start the model."
        ), answered
        text = re.search(r'<p id="ask-answer">([^<]*)</p>', answered)
        assert text and text.group(1).startswith("I could not tell which part you mean.")
        for internal in ("Ollama is not running", "127.0.0.1", "/api/health", "Admins: start", "qwen3"):
            assert internal not in text.group(1)
