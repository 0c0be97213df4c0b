"""Code and commands taken verbatim from ../shared/spec/alora-api.md, for tests that run them."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

_HERE = Path(__file__).resolve().parent
# The contract beside the checkout when it is there (the current text); else the copy kept with the tests.
SPEC = next(
    p
    for p in (_HERE.parents[1] / "shared" / "spec" / "alora-api.md", _HERE / "fixtures" / "alora-api.md")
    if p.exists()
)
DOC_URL = "http://localhost:8000"


def _text() -> str:
    return SPEC.read_text(encoding="utf-8")


def python_client() -> tuple[str, str]:
    """The '## Python Example' block, split into the ALORAClient class and the usage after '# Usage'."""
    section = _text().split("## Python Example", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)
    assert code is not None, "no Python example in alora-api.md"
    definition, usage = code.group(1).split("\n# Usage\n", 1)
    return definition, usage


def curl_examples() -> list[str]:
    """Every curl command of the document's bash blocks, in document order, line continuations joined."""
    commands: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", _text(), re.S):
        buffer = ""
        for line in re.sub(r"\\\n\s*", " ", block).splitlines():
            buffer = f"{buffer}\n{line}" if buffer else line.strip()
            try:
                shlex.split(buffer)  # a quoted JSON body may span lines: wait for the closing quote
            except ValueError:
                continue
            if buffer.startswith("curl "):
                commands.append(buffer)
            buffer = ""
    return commands


def documented_component_ids() -> dict[int, str]:
    """Component id -> part_number as the document's example answers first show them.

    Only component objects count (they carry `id`, `part_number` and `category_name`); the first
    time an id appears wins, so an example that renames a part (PUT /components/5) does not.
    """
    found: dict[int, str] = {}

    def visit(value: object) -> None:
        if isinstance(value, list):
            for item in value:
                visit(item)
        elif isinstance(value, dict) and {"id", "part_number", "category_name"} <= value.keys():
            found.setdefault(int(value["id"]), str(value["part_number"]))

    for block in re.findall(r"```json\n(.*?)```", _text(), re.S):
        try:
            visit(json.loads(block))
        except ValueError:  # an example with comments or ellipses is not JSON; it names no ids either
            continue
    return found
