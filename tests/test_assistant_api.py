"""/api/ai/config, test, models, providers, log permissions; health and diagnostics report the assistant."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from assistant_support import DOC_QUESTIONS, DOC_SCRIPTS, bench
from conftest import add_user, bearer, login
from fake_ollama import PLAIN_MODEL, TOOLS_MODEL, data_of

SECRET = "sk-local-very-secret-123"


def test_config_reads_for_users_changes_for_admins_and_never_shows_the_key(tmp_path: Path) -> None:
    with bench(tmp_path) as (_fake, client, _, token):
        add_user(client, token, "bench", "user")
        user = bearer(login(client, "bench", "password-123"))
        got = client.get("/api/ai/config", headers=user).json()["data"]
        assert got["model_name"] == TOOLS_MODEL and got["provider"] == "ollama" and got["source"] == "config file"
        assert got["api_key_set"] is False and "api_key" not in got
        assert client.put("/api/ai/config", json={"model_name": "x"}, headers=user).status_code == 403
        assert client.post("/api/ai/reset", headers=user).status_code == 403
        assert client.get("/api/ai/log", headers=user).status_code == 403
        changed = client.put(
            "/api/ai/config",
            json={"model_name": PLAIN_MODEL, "api_key": SECRET, "temperature": 0.2, "keep_alive": "-1m"},
            headers=bearer(token),
        )
        assert changed.status_code == 200, changed.text
        assert SECRET not in changed.text and changed.json()["data"]["api_key_set"] is True
        assert SECRET not in client.get("/api/ai/config", headers=user).text
        assert client.get("/api/ai/config", headers=user).json()["data"]["model_name"] == PLAIN_MODEL
        for body, field in (({"api_url": "ftp://x"}, "api_url"), ({"keep_alive": "forever"}, "keep_alive")):
            bad = client.put("/api/ai/config", json=body, headers=bearer(token))
            assert bad.status_code == 422 and field in bad.json()["message"], bad.text
        unknown = client.put("/api/ai/config", json={"model": "x"}, headers=bearer(token))
        assert unknown.status_code in (400, 422) and "model" in unknown.text
    with bench(tmp_path, demo=False) as (_, client, _, token):  # a restart keeps what the admin set
        got = client.get("/api/ai/config", headers=bearer(token)).json()["data"]
        assert (got["model_name"], got["temperature"], got["keep_alive"]) == (PLAIN_MODEL, 0.2, "-1m")
        assert got["source"] == "changed through the API"
        reset = client.post("/api/ai/reset", headers=bearer(token)).json()["data"]
        assert reset["model_name"] == TOOLS_MODEL and reset["source"] == "config file" and not reset["api_key_set"]


def test_models_test_and_providers_say_what_works(tmp_path: Path) -> None:
    with bench(tmp_path) as (_, client, _, token):
        h = bearer(token)
        listed = client.get("/api/ai/models", headers=h).json()["data"]
        assert (listed["provider"], listed["current_model"]) == ("ollama", TOOLS_MODEL)  # MakerMatrix's shape
        models = {m["name"]: m for m in listed["models"]}
        assert models[TOOLS_MODEL]["tools"] is True and models[PLAIN_MODEL]["tools"] is False
        assert models[TOOLS_MODEL]["parameter_size"] == "1.7B"
        result = client.post("/api/ai/test", headers=h).json()
        assert result["status"] == "success" and result["data"]["tools_supported"] is True
        assert "with tool support" in result["data"]["message"]
        health = client.get("/api/health", headers=h).json()["data"]["devices"]["assistant"]
        assert health["state"] == "ready" and health["details"]["model"] == TOOLS_MODEL
        client.put("/api/ai/config", json={"model_name": "qwen3:4b"}, headers=h)
        missing = client.post("/api/ai/test", headers=h).json()
        assert missing["status"] == "error" and missing["data"]["fix"] == "ollama pull qwen3:4b"
        offline = client.get("/api/health", headers=h).json()["data"]["devices"]["assistant"]
        assert offline["state"] == "offline" and "ollama pull qwen3:4b" in offline["reason"]
        checks = client.get("/api/utility/diagnostics", headers=h).json()["data"]["checks"]
        assert any(c["name"] == "assistant device" and "qwen3:4b is not pulled" in c["message"] for c in checks)
        providers = client.get("/api/ai/providers", headers=h).json()["data"]  # keyed by name, as MakerMatrix
        assert list(providers["providers"]) == ["ollama", "openai_compatible", "openai", "anthropic"]
        assert providers["providers"]["ollama"]["works_offline"] is True
        assert providers["current_provider"]["name"] == "ollama" and providers["sql_support"] is False


def test_cloud_providers_answer_that_they_need_the_internet(tmp_path: Path) -> None:
    with bench(tmp_path) as (_, client, _, token):
        client.put("/api/ai/config", json={"provider": "anthropic"}, headers=bearer(token))
        test = client.post("/api/ai/test", headers=bearer(token)).json()["data"]
        assert not test["ok"] and "needs the internet" in test["message"]
        answer = client.post("/api/ai/chat", json={"message": DOC_QUESTIONS[1]}, headers=bearer(token))
        data = answer.json()["data"]
        assert answer.status_code == 200 and data["degraded"] and "needs the internet" in data["answer"]
        assert "$18.00" in data["answer"]


def test_ollama_down_models_answers_as_makermatrix_and_says_what_to_do(tmp_path: Path) -> None:
    with bench(tmp_path, ollama_url="http://127.0.0.1:9") as (_, client, _, token):
        response = client.get("/api/ai/models", headers=bearer(token))
        body = response.json()
        assert response.status_code == 200 and body["status"] == "error"  # MakerMatrix: 200, status "error"
        assert (body["data"]["provider"], body["data"]["models"]) == ("ollama", [])
        assert "sudo systemctl start ollama" in body["message"] and body["data"]["reason"] == body["message"]
        test = client.post("/api/ai/test", headers=bearer(token)).json()  # still says how to fix it
        assert test["status"] == "error" and "systemctl start ollama" in str(test["data"])


def test_disabled_assistant_answers_from_the_inventory(tmp_path: Path) -> None:
    with bench(tmp_path, enabled=False) as (fake, client, _, token):
        data = client.post("/api/ai/chat", json={"message": DOC_QUESTIONS[1]}, headers=bearer(token)).json()["data"]
        assert data["degraded"] and "turned off" in data["answer"] and "$18.00" in data["answer"]
        assert fake.requests == []
        health = client.get("/api/health", headers=bearer(token)).json()["data"]
        assert health["devices"]["assistant"]["state"] == "disabled"


@contextmanager
def openai_server(script: list[dict[str, Any]]) -> Iterator[tuple[str, list[dict[str, Any]]]]:
    """A llama.cpp-style /v1 server: /models, /chat/completions with string arguments."""
    seen: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._send({"object": "list", "data": [{"id": "qwen3-1.7b", "object": "model"}]})

        def do_POST(self) -> None:
            seen.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self._send({"choices": [{"index": 0, "message": script.pop(0), "finish_reason": "stop"}]})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    finally:
        server.shutdown()
        server.server_close()


def test_an_openai_compatible_server_is_the_second_provider(tmp_path: Path) -> None:
    call = {"id": "c1", "type": "function",
            "function": {"name": "lookup_component", "arguments": json.dumps({"query": "BC857B"})}}  # fmt: skip
    script = [{"role": "assistant", "content": None, "tool_calls": [call]},
              {"role": "assistant", "content": "BC857B: 150 units at $0.12."}]  # fmt: skip
    with openai_server(script) as (url, seen), bench(tmp_path) as (_, client, _, token):
        h = bearer(token)
        client.put("/api/ai/config", json={"provider": "openai_compatible", "api_url": url,
                                           "model_name": "qwen3-1.7b"}, headers=h)  # fmt: skip
        assert client.post("/api/ai/test", headers=h).json()["data"]["ok"] is True
        data = client.post("/api/ai/chat", json={"message": "How many BC857B?"}, headers=h).json()["data"]
        assert data["answer"] == "BC857B: 150 units at $0.12." and data["tools_used"] == ["lookup_component"]
        tool_message = seen[1]["messages"][-1]
        assert tool_message["role"] == "tool" and tool_message["tool_call_id"] == "call_2_0"
        assert data_of(tool_message["content"])["matches"][0]["part_number"] == "BC857B"


def test_document_questions_log_who_asked(tmp_path: Path) -> None:
    with bench(tmp_path) as (fake, client, _, token):
        fake.script = list(DOC_SCRIPTS[1])
        client.post("/alora/chat", json={"message": DOC_QUESTIONS[1]}, headers=bearer(token))
        entry = client.get("/api/ai/log", headers=bearer(token)).json()["data"][0]
        assert entry["username"] == "admin" and entry["confidence"] == "HIGH" and "$18.00" in entry["details"]
