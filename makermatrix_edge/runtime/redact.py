"""Keep secrets out of every log line: tokens, API keys and passwords are replaced by ***.

A handler filter, so it sees the lines of every library too (uvicorn's access log and its DEBUG
header dumps, websockets, httpx). It works on the finished message, so a secret passed as a
%-argument is caught as well as one inside a URL.
"""

from __future__ import annotations

import logging
import re

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A JWT (access or refresh token) anywhere: three base64url parts, the first a JSON header.
    (re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}"), "***"),
    # Our API keys (accounts/apikeys.py).
    (re.compile(r"\bmme_[\w-]{8,}"), "mme_***"),
    # Secrets in query strings and key=value text.
    (
        re.compile(r"(?i)\b(token|access_token|refresh_token|api_key|apikey|key|password|passwd|secret)=[^&\s\"';,]+"),
        r"\1=***",
    ),
    # Header dumps at DEBUG ("< authorization: Bearer ...").
    (re.compile(r"(?i)\b(authorization|x-api-key|cookie|set-cookie):\s*[^\r\n]+"), r"\1: ***"),
)


def redact(text: str) -> str:
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactSecrets(logging.Filter):
    """Rewrite a record's message with its secrets replaced; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed format call: leave it to the formatter to report
            return True
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
