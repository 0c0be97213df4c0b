"""The sections of the assistant and the order-file import."""

from __future__ import annotations

from typing import Annotated, Literal

from makermatrix_edge.settings.base import Section, doc


class AssistantSettings(Section):
    enabled: Annotated[
        bool, doc("Answer questions with the language model; off, questions get the inventory-only answer.")
    ] = True
    provider: Annotated[
        Literal["ollama", "openai_compatible", "openai", "anthropic"],
        doc("Model server: ollama, openai_compatible (llama.cpp server, LM Studio); openai/anthropic need internet."),
    ] = "ollama"
    ollama_url: Annotated[str, doc("Base URL of the Ollama server.")] = "http://127.0.0.1:11434"
    api_url: Annotated[
        str, doc("Base URL of an OpenAI-compatible server (its /v1 endpoint), for provider openai_compatible.")
    ] = "http://127.0.0.1:8081/v1"
    api_key: Annotated[str, doc("Bearer key for the OpenAI-compatible server, if it wants one (secret)")] = ""
    model: Annotated[
        str, doc("Model name; a small tool-capable model that runs on a Pi 5 (pull it: ollama pull <model>).")
    ] = "qwen3:1.7b"
    keep_alive: Annotated[
        str, doc("How long Ollama keeps the model loaded after a question (30m, 1h; -1m keeps it for ever).")
    ] = "30m"
    max_rounds: Annotated[int, doc("Model turns per question before it must answer from what it has.", ge=1, le=20)] = 6
    timeout_seconds: Annotated[
        float, doc("Longest a question may take in all; past it the inventory-only answer is given.", gt=0, le=3600)
    ] = 180.0
    call_timeout_seconds: Annotated[
        float, doc("Longest one model call may take (a Pi 5 writes ~5 tokens/s).", gt=0, le=3600)
    ] = 90.0
    temperature: Annotated[
        float, doc("Sampling temperature; 0 gives the same answer to the same question.", ge=0, le=2)
    ] = 0.0
    max_tokens: Annotated[int, doc("Most tokens the model may write per turn.", ge=16, le=32768)] = 512
    num_ctx: Annotated[
        int, doc("Context window asked of Ollama (tool schemas and a few turns fit in 4096).", ge=512)
    ] = 4096
    system_prompt: Annotated[str, doc("Extra instructions added to the built-in system prompt.")] = ""
    max_reply_bytes: Annotated[
        int,
        doc("Most bytes one model turn may send (~130 per streamed token); past it the inventory answers.", ge=4096),
    ] = 262_144
    max_tool_calls: Annotated[
        int, doc("Most tool calls one model turn may ask for; more and the inventory answers instead.", ge=1, le=64)
    ] = 8
    max_checked_claims: Annotated[
        int,
        doc("Most part numbers, counts and prices the guard checks in one answer; more and it is set aside.", ge=1),
    ] = 100
    max_waiting_per_user: Annotated[
        int, doc("Questions one user may have waiting for the model (besides one being answered); more get 429.", ge=0)
    ] = 2
    max_waiting: Annotated[
        int, doc("Questions that may wait for the model in all; more get 503 'busy, N ahead of you'.", ge=1)
    ] = 8


class ImportSettings(Section):
    unsorted_location: Annotated[
        str, doc("Top-level location that new parts from an order file go to (created when missing).")
    ] = "Unsorted"
    max_file_bytes: Annotated[
        int, doc("Largest order file accepted for import or preview, in bytes.", ge=1024, le=100_000_000)
    ] = 10_000_000
    max_unpacked_bytes: Annotated[
        int, doc("Largest size an .xlsx may unpack to (a bigger one is refused as a zip bomb), in bytes.", ge=1024)
    ] = 50_000_000
    task_threshold_rows: Annotated[
        int, doc("Files with more lines than this import as a background task with progress on /ws/tasks.", ge=1)
    ] = 300
    preview_max_files_per_user: Annotated[
        int, doc("Previewed files kept per user for their confirm; a new one drops that user's oldest.", ge=1)
    ] = 3
    preview_max_bytes_per_user: Annotated[
        int, doc("Bytes of previewed files kept per user; a new one drops that user's oldest.", ge=1024)
    ] = 30_000_000
    preview_max_files: Annotated[
        int, doc("Previewed files kept for all users together; past it a new preview is refused (503).", ge=1)
    ] = 30
    preview_max_bytes: Annotated[
        int, doc("Bytes of previewed files kept for all users together; past it a new preview is refused.", ge=1024)
    ] = 100_000_000
    preview_keep_hours: Annotated[
        float, doc("Hours a previewed file waits for its confirm before it is dropped.", gt=0)
    ] = 24.0
