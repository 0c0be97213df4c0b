"""An httpx transport that reads at most N bytes of any one answer from the model server, then hangs up.

A model server is trusted to run the model, not to be brief: a broken or hostile one can stream
50 MB, or one line without an end, and httpx (and the ollama client's line reader) would keep it
all in memory. Counting happens below the client, on the bytes as they arrive, so it holds for
any shape of answer; past the cap the stream raises ReplyTooLarge and closing the response drops
the connection, so the server's further writes go nowhere. Compression is refused (Accept-Encoding:
identity) and a compressed answer is passed on undecoded, so the cap is on what we would parse.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import cast

import httpx


class ReplyTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer went past {limit} bytes")
        self.limit = limit


class _CappedStream(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, limit: int) -> None:
        self._inner = inner
        self._limit = limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        seen = 0
        async for chunk in self._inner:
            seen += len(chunk)
            if seen > self._limit:
                raise ReplyTooLarge(self._limit)
            yield chunk

    async def aclose(self) -> None:
        await self._inner.aclose()


class CappedTransport(httpx.AsyncBaseTransport):
    def __init__(self, limit: int) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.limit = limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["Accept-Encoding"] = "identity"
        response = await self._inner.handle_async_request(request)
        headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() != "content-encoding"]
        stream = cast(httpx.AsyncByteStream, response.stream)  # what AsyncHTTPTransport returns
        return httpx.Response(
            status_code=response.status_code,
            headers=headers,
            stream=_CappedStream(stream, self.limit),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()
