"""Keep secrets out of every log line: tokens, API keys and passwords are replaced by ***.

One filter for the whole log. On our stdout handler (runtime/logging.py) it sees the lines of every
library (uvicorn's access log and its DEBUG header dumps, websockets, httpx). It works on the
finished message, so a secret passed as a %-argument is caught as well as one inside a URL. The
libraries known to log secrets at INFO (httpx: Mouser's apiKey in a URL; uvicorn: a WebSocket's
?token=) also get it on their own loggers, attached by the daemon's services (LogRedaction), so
no handler ever receives the secret (a test's capture neither).
"""

from __future__ import annotations

import logging
import re

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A WebSocket URL's token, up to the next parameter (browsers cannot send a header there).
    (re.compile(r"(token=)[^&\s\"']+"), r"\1***"),
    # A JWT (access or refresh token) anywhere: three base64url parts, the first a JSON header.
    (re.compile(r"eyJ[\w-]{4,}\.[\w-]{4,}\.[\w-]{4,}"), "***"),
    # Our API keys (accounts/apikeys.py).
    (re.compile(r"\bmme_[\w-]{8,}"), "mme_***"),
    # Secrets in query strings and key=value text.
    (
        re.compile(r"(?i)\b(token|access_token|refresh_token|api_key|apikey|key|password|passwd|secret)=[^&\s\"';,]+"),
        r"\1=***",
    ),
    # An OAuth authorization code in a URL (DigiKey's sign-in callback, the code exchange): one use, but a secret.
    (re.compile(r"([?&](?:code|authorization_code)=)[^&\s\"']+"), r"\1***"),
    # Header dumps at DEBUG ("< authorization: Bearer ...").
    (re.compile(r"(?i)\b(authorization|x-api-key|cookie|set-cookie):\s*[^\r\n]+"), r"\1: ***"),
)
# Libraries that put secrets into their own INFO lines: filtered where they log, before any handler.
SOURCES = ("httpx", "httpcore", "uvicorn.error", "uvicorn.access")


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


class LogRedaction:
    """The filter on the loggers of the libraries that log secrets (SOURCES), for one set of services.

    Each owner attaches its own filter and detaches only that one, so two sets of services alive
    at once (tests) never leave each other unguarded; redacting twice changes nothing.
    """

    def __init__(self) -> None:
        self.filter = RedactSecrets()
        self._attached: list[logging.Logger] = []

    def attach(self) -> None:
        for logger in (logging.getLogger(name) for name in SOURCES):
            if self.filter not in logger.filters:
                logger.addFilter(self.filter)
                self._attached.append(logger)

    def detach(self) -> None:
        for logger in self._attached:
            logger.removeFilter(self.filter)
        self._attached.clear()
