"""A fake Ollama on 127.0.0.1 that speaks the real wire protocol, scripted per test.

Endpoints: GET /, /api/version, /api/tags; POST /api/show (capabilities), /api/chat (NDJSON
stream or one JSON object, tool_calls with object arguments, the final line's metrics).
Errors as Ollama sends them: 404 {"error":"model 'x' not found"}, 400 "... does not support tools".
Each /api/chat request is answered by the next step of the script: a function of the request body
returning {"content": ..., "tool_calls": [...]} — or a Hold (answer only when released), or a Flood
(a hostile model that streams far more than anyone should read, counting what got through).
"""

from __future__ import annotations

import json
import re
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Step = Callable[[dict[str, Any]], dict[str, Any]]
TOOLS_MODEL = "qwen3:1.7b"
PLAIN_MODEL = "gemma:2b"  # pulled, but without tool support


class Hold:
    """A step that answers only after `release` is set: a model slower than any deadline."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.arrived = threading.Event()


class Flood:
    """A hostile model: streams `total_bytes` of text lines, or one tool call per line, until done or cut off.

    `sent` counts the bytes the socket accepted; `cut_off` is set when the reader hung up before the
    end (a write failed), `ended` when the stream stopped either way.
    """

    def __init__(
        self, total_bytes: int, *, line_bytes: int = 8192, calls: bool = False, one_line: bool = False
    ) -> None:
        self.total_bytes = total_bytes
        self.line_bytes = line_bytes
        self.calls = calls
        self.one_line = one_line  # a line that never ends: the reader must hold it all to parse any of it
        self.sent = 0
        self.cut_off = threading.Event()
        self.ended = threading.Event()

    def lines(self, model: str) -> Iterator[bytes]:
        """The same line over and over: made once, so the flood costs this process little CPU."""
        if self.one_line:
            yield f'{{"model":"{model}","message":{{"role":"assistant","content":"'.encode()
            piece = b"QX12Z " * max(1, self.line_bytes // 6)
            for _ in range(self.total_bytes // len(piece) + 1):
                yield piece
            return
        if self.calls:
            message = {"role": "assistant", "content": "", "tool_calls": [call("lookup_component", query="X1")]}
        else:
            message = {"role": "assistant", "content": "QX12Z " * max(1, self.line_bytes // 6)}
        line = json.dumps({"model": model, "created_at": _now(), "message": message, "done": False}).encode() + b"\n"
        for _ in range(self.total_bytes // len(line) + 1):
            yield line


def call(name: str, **arguments: Any) -> dict[str, Any]:
    return {"function": {"name": name, "arguments": arguments}}


def data_of(content: str) -> Any:
    """A tool message's JSON, read out of the <data tool="...">...</data> marking the daemon puts around it."""
    marked = re.fullmatch(r'<data tool="[a-z_]+">(.*)</data>', content, re.S)
    assert marked is not None, f"a tool result not marked as data: {content[:200]}"
    return json.loads(marked.group(1))


def tool_results(body: dict[str, Any]) -> list[dict[str, Any]]:
    """The tool messages the daemon sent back so far, decoded."""
    return [data_of(m["content"]) for m in body["messages"] if m["role"] == "tool"]


class FakeOllama:
    def __init__(self) -> None:
        self.models: dict[str, list[str]] = {
            TOOLS_MODEL: ["completion", "tools", "thinking"],
            PLAIN_MODEL: ["completion"],
        }
        self.script: list[Step | Hold | Flood] = []
        self.requests: list[dict[str, Any]] = []
        self.chunk_words = 3  # streamed text comes this many words per line
        self.lock = threading.Lock()
        self.holds: list[Hold] = []

    def next_step(self) -> Step | Hold | Flood:
        with self.lock:
            if not self.script:
                return self.default()
            return self.script.pop(0)

    def default(self) -> Step | Hold | Flood:
        """The step when the script is empty (a hostile server in a benchmark sets a Flood here)."""
        return lambda body: {"content": "I have nothing more to say."}


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _handler(fake: FakeOllama) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: Any, content_type: str = "application/json") -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/":
                self._send(200, b"Ollama is running", "text/plain")
            elif self.path == "/api/version":
                self._send(200, {"version": "0.12.10"})
            elif self.path == "/api/tags":
                models = [
                    {"name": m, "model": m, "modified_at": _now(), "size": 1_359_000_000, "digest": "ab" * 32,
                     "details": {"format": "gguf", "family": m.split(":")[0], "parameter_size": "1.7B",
                                 "quantization_level": "Q4_K_M"}}
                    for m in fake.models
                ]  # fmt: skip
                self._send(200, {"models": models})
            else:
                self._send(404, {"error": "not found"})

        def _body(self) -> dict[str, Any]:
            length = int(self.headers.get("Content-Length", "0"))
            return dict(json.loads(self.rfile.read(length) or b"{}"))

        def do_POST(self) -> None:
            body = self._body()
            model = body.get("model", "")
            if self.path == "/api/show":
                if model not in fake.models:
                    return self._send(404, {"error": f"model '{model}' not found"})
                return self._send(200, {"modelfile": "", "parameters": "", "template": "{{ .Prompt }}",
                                        "details": {"format": "gguf"}, "model_info": {},
                                        "capabilities": fake.models[model], "modified_at": _now()})  # fmt: skip
            if self.path != "/api/chat":
                return self._send(404, {"error": "not found"})
            fake.requests.append(body)
            if model not in fake.models:
                return self._send(404, {"error": f"model '{model}' not found"})
            if body.get("tools") and "tools" not in fake.models[model]:
                return self._send(400, {"error": f"registry.ollama.ai/library/{model} does not support tools"})
            step = fake.next_step()
            if isinstance(step, Flood):
                return self._flood(model, step)
            if isinstance(step, Hold):
                fake.holds.append(step)
                step.arrived.set()
                step.release.wait(30)
                return self._send(500, {"error": "released"})
            reply = step(body)
            if "error" in reply:
                return self._send(reply.get("status", 500), {"error": reply["error"]})
            self._answer(model, body.get("stream", True), reply)

        def _flood(self, model: str, flood: Flood) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            try:
                for data in flood.lines(model):  # one HTTP chunk per line, as Ollama sends
                    self.wfile.write(b"%x\r\n%b\r\n" % (len(data), data))
                    flood.sent += len(data)
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                flood.cut_off.set()
                self.close_connection = True
            finally:
                flood.ended.set()

        def _answer(self, model: str, stream: bool, reply: dict[str, Any]) -> None:
            metrics = {"done_reason": "stop", "total_duration": 2_000_000, "load_duration": 100_000,
                       "prompt_eval_count": 120, "prompt_eval_duration": 900_000, "eval_count": 20,
                       "eval_duration": 1_000_000}  # fmt: skip
            content = reply.get("content", "")
            calls = reply.get("tool_calls", [])
            for i, c in enumerate(calls):  # what a v0.12.10 server adds; the Python client drops both
                c.setdefault("id", f"call_{i:08d}")
                c["function"].setdefault("index", i)
            if not stream:
                message = {"role": "assistant", "content": content}
                if calls:
                    message["tool_calls"] = calls
                return self._send(200, {"model": model, "created_at": _now(), "message": message, "done": True,
                                        **metrics})  # fmt: skip
            lines: list[dict[str, Any]] = []
            if calls:
                lines.append(
                    {
                        "model": model,
                        "created_at": _now(),
                        "message": {"role": "assistant", "content": "", "tool_calls": calls},
                        "done": False,
                    }
                )
            words = content.split(" ")
            for start in range(0, len(words) if content else 0, fake.chunk_words):
                piece = " ".join(words[start : start + fake.chunk_words])
                piece = piece + " " if start + fake.chunk_words < len(words) else piece
                lines.append(
                    {
                        "model": model,
                        "created_at": _now(),
                        "message": {"role": "assistant", "content": piece},
                        "done": False,
                    }
                )
            if "stream_error" in reply:
                lines.append({"error": reply["stream_error"]})
            else:
                lines.append({"model": model, "created_at": _now(), "message": {"role": "assistant", "content": ""},
                              "done": True, **metrics})  # fmt: skip
            # Chunked, one line per chunk, as Ollama streams; a "gate" holds the last line until released.
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for i, line in enumerate(lines):
                if i == len(lines) - 1 and "gate" in reply:
                    reply["gate"].wait(30)
                data = json.dumps(line).encode() + b"\n"
                self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
            self.wfile.flush()

    return Handler


class _Server(ThreadingHTTPServer):
    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):  # a client that hung up is a case under test
            super().handle_error(request, client_address)


@contextmanager
def running() -> Iterator[tuple[FakeOllama, str]]:
    fake = FakeOllama()
    server = _Server(("127.0.0.1", 0), _handler(fake))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield fake, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        for hold in [*fake.holds, *(s for s in fake.script if isinstance(s, Hold))]:
            hold.release.set()
        server.shutdown()
        server.server_close()
