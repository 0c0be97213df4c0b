"""Tasks in words on the pages: a task named by its part, a failure without errno or exception names.

The log keeps the technical text (tasks/worker.py logs every failure as it was raised); a page says
what went wrong and what to do.
"""

from __future__ import annotations

import re

from makermatrix_edge.services import Services
from makermatrix_edge.tasks.models import TaskView
from makermatrix_edge.web.timefmt import short

ENRICH = "part_enrichment"
# "(easyeda.com: [Errno -2] Name or service not known)", "(api.x.com: ConnectError: ...)": internals.
_INTERNALS = re.compile(r"\s*\([^()]*(?:\[Errno|Errno|Error:|Exception|errno)[^()]*\)")
_UNREACHABLE = "cannot be reached"
_EXCEPTION = re.compile(r"^[A-Z]\w*(?:Error|Exception|Exit|Interrupt)\b")


def failure_words(text: str | None) -> str:
    """A task's stored error as a sentence for the page."""
    message = (text or "").strip()
    if not message or _EXCEPTION.match(message):  # a bug's exception: only the log can help
        return "It hit an error inside the daemon; the log has the details."
    message = re.sub(r"^offline:\s*", "", message)
    if (cut := message.find(_UNREACHABLE)) >= 0:  # what follows names a host and a socket error
        message = message[: cut + len(_UNREACHABLE)] + " (no internet?)"
    message = _INTERNALS.sub("", message).strip()
    return message[:1].upper() + message[1:]


def fetch_outcome(task: TaskView | None) -> str | None:
    """The part page's line on its last "Fetch details": running, failed (why, what next) or done."""
    if task is None:
        return None
    if task.status in ("pending", "running", "retry"):
        return f"Fetching details (started {short(task.created_at)}); reload in a moment."
    at = short(task.completed_at or task.updated_at)
    if task.status == "failed":
        why = failure_words(task.error_message)
        way_on = "Check the Pi's network, then fetch again." if "(no internet?)" in why else "Try again below."
        return f"Fetching details failed at {at}: {why.rstrip('.')}. {way_on}"
    if task.status == "cancelled":
        return f"Fetching details was stopped at {at}."
    return None


async def task_titles(services: Services, tasks: list[TaskView]) -> dict[str, str]:
    """A title per task id: a part's task names the part ("Fetch details for NE555 timer"), not its id."""
    titles: dict[str, str] = {}
    ids = {str(t.input_data["part_id"]) for t in tasks if t.task_type == ENRICH and isinstance(t.input_data, dict)
           and t.input_data.get("part_id")}  # fmt: skip
    names = await services.parts.names_of(sorted(ids)) if ids else {}
    for t in tasks:
        part_id = str(t.input_data.get("part_id")) if isinstance(t.input_data, dict) else ""
        if t.task_type == ENRICH and part_id:
            titles[t.id] = f"Fetch details for {names.get(part_id, 'a deleted part')}"
        else:
            titles[t.id] = t.name
    return titles
