"""What a person is told about a print job: the same sentence on the API and the phone pages."""

from __future__ import annotations

from makermatrix_edge.labels.printing import Job


def said(job: Job) -> str:
    """What a person is told about a job."""
    if job.state == "done":
        return f"Printed {job.printed} label{'s' if job.printed != 1 else ''} for '{job.title}'"
    if job.state == "failed":
        return f"Label for '{job.title}' not printed: {job.reason}"
    return f"Label for '{job.title}' is {job.state} (job {job.id})"
