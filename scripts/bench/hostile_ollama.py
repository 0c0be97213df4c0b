"""A hostile Ollama in its own process, for the assistant benchmark: every /api/chat is a 50 MB flood.

    python scripts/bench/hostile_ollama.py      # prints its URL; on stdin's end prints what the floods did

Apart from the benchmark's process so that writing the floods does not slow the benchmark's own
API probes (one GIL): the figures are then the daemon's alone.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))

from fake_ollama import Flood, running

FLOOD_BYTES = 50_000_000


def main() -> None:
    floods: list[Flood] = []

    def flood() -> Flood:
        made = Flood(FLOOD_BYTES, line_bytes=64)  # a token a line, as Ollama streams
        floods.append(made)
        return made

    with running() as (fake, url):
        fake.default = flood  # type: ignore[method-assign]
        print(url, flush=True)
        sys.stdin.read()
        for made in floods:
            made.ended.wait(30)
    print(json.dumps({
        "answers": len(floods),
        "bytes_offered_per_answer": FLOOD_BYTES,
        "bytes_the_socket_took_max": max((f.sent for f in floods), default=0),
        "cut_off_every_time": all(f.cut_off.is_set() for f in floods),
    }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
