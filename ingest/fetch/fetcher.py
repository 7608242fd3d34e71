"""HTTP GET done defensively with httpx: validators, caps, manual redirects, error categories."""

from __future__ import annotations

import asyncio
import io
import socket
import time
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from ingest.config import FetchSettings
from ingest.errors import FetchError
from ingest.fetch.guard import AddressRefused, GuardedBackend, GuardedTransport

_PERMANENT = (301, 308)
_REDIRECTS = (301, 302, 303, 307, 308)
_DNS_WORDS = (
    "name or service not known",
    "nodename nor servname",
    "temporary failure in name resolution",
    "no address associated",
    "getaddrinfo failed",
    "name resolution",
)


@dataclass(frozen=True, slots=True)
class Validators:
    etag: str | None = None
    last_modified: str | None = None


def usable_validator(value: str | None) -> str | None:
    """`value` if a request header can carry it back (printable ASCII, at most 1,024
    characters), else None: the source is then fetched whole, as if it had sent none."""
    if value and len(value) <= 1024 and value.isascii() and value.isprintable():
        return value
    return None


class Body:
    """A response body that its one reader takes: once taken, nothing here keeps the bytes
    alive, so they are freed when the parser is done with them rather than when the poll
    ends (a 10 MB feed's items are recorded without its 10 MB body; issue 10, finding 4)."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def take(self) -> bytes:
        data, self._data = self._data, b""
        return data


@dataclass(frozen=True, slots=True)
class FetchResult:
    """A response that ended the redirect chain with 200, 304 or 410."""

    url: str
    final_url: str
    status: int
    body: Body  # take() it once
    content_type: str | None
    validators: Validators
    permanent_redirect: str | None  # where the chain's leading 301/308 hops point
    redirect_status: int | None
    bytes: int
    latency: float


class Fetcher:
    """Two httpx.AsyncClients (connection pooling) with the project's limits.

    The *trusted* client opens a source's own configured URL, which the operator wrote:
    it may be on the operator's own network. Every other request — a redirect target, a
    page linked from a feed — goes through the *guarded* client, whose connections
    refuse internal addresses (ingest/fetch/guard.py). Separate pools, so a connection
    opened for a trusted URL is never reused for an untrusted one.
    """

    def __init__(
        self,
        settings: FetchSettings,
        *,
        client: httpx.AsyncClient | None = None,
        guard: GuardedBackend | None = None,
    ) -> None:
        self.settings = settings
        # No connection is kept for a later request: httpcore hands a kept connection on
        # with whatever the last response left in its buffer, and a server that sends a
        # second whole response after its own answered the next source's request on that
        # host with it (a forged article stored as another source's). Polls of one host are
        # minutes apart, longer than a kept connection lives anyway.
        limits = httpx.Limits(max_connections=settings.concurrency * 2, max_keepalive_connections=0)
        common: dict[str, Any] = {
            "timeout": httpx.Timeout(settings.timeout, connect=settings.connect_timeout),
            "follow_redirects": False,
            "headers": {"User-Agent": settings.user_agent, "Accept-Encoding": "gzip, deflate"},
            "trust_env": False,
        }
        self._client = client or httpx.AsyncClient(limits=limits, **common)
        backend = guard or GuardedBackend(settings.allow_private)
        self._guarded = httpx.AsyncClient(
            transport=GuardedTransport(limits=limits, backend=backend), **common
        )

    async def aclose(self) -> None:
        await self._client.aclose()
        await self._guarded.aclose()

    async def fetch(
        self,
        url: str,
        *,
        validators: Validators | None = None,
        accept: str,
        trusted: bool = False,
    ) -> FetchResult:
        """GET `url`; raises FetchError with a reason category for every failure.

        `trusted` only for a source's own configured URL: its redirects are not trusted.
        """
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.timeout):
                try:
                    return await self._follow(
                        url, validators or Validators(), accept, started, trusted
                    )
                except httpx.RemoteProtocolError:
                    # A server that broke the protocol once (closed the connection before
                    # answering, most often): a GET is safe to send once more.
                    return await self._follow(
                        url, validators or Validators(), accept, started, trusted
                    )
        except AddressRefused as exc:
            raise FetchError("blocked", str(exc)) from exc
        except TimeoutError as exc:
            raise FetchError(
                "timeout", f"no complete answer within {self.settings.timeout:g}s"
            ) from exc
        except httpx.TimeoutException as exc:
            raise FetchError("timeout", f"timed out: {type(exc).__name__}") from exc
        except httpx.ConnectError as exc:
            raise _connect_error(exc) from exc
        except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
            raise FetchError("connect", f"unusable URL {url!r}: {exc}") from exc
        except httpx.HTTPError as exc:
            raise FetchError("connect", f"connection failed: {type(exc).__name__}: {exc}") from exc

    async def _follow(
        self, url: str, validators: Validators, accept: str, started: float, trusted: bool
    ) -> FetchResult:
        headers = {"Accept": accept}
        # Only validators a request can carry: one stored by a version that kept any
        # (a server's ETag of raw UTF-8 bytes) made every later request of the source fail.
        if etag := usable_validator(validators.etag):
            headers["If-None-Match"] = etag
        if modified := usable_validator(validators.last_modified):
            headers["If-Modified-Since"] = modified
        current, seen = url, {url}
        permanent: str | None = None
        permanent_status: int | None = None
        leading = True  # still in the chain's leading run of permanent redirects
        for _ in range(self.settings.max_redirects + 1):
            client = self._client if trusted and current == url else self._guarded
            async with client.stream("GET", current, headers=headers) as response:
                status = response.status_code
                if status in _REDIRECTS:
                    location = response.headers.get("location")
                    if not location:
                        raise FetchError(
                            "http_status", f"HTTP {status} without Location", status=status
                        )
                    target = urljoin(current, location.strip())
                    if urlsplit(target).scheme not in ("http", "https"):
                        raise FetchError(
                            "redirect", f"redirect to a non-HTTP URL {target!r}", status=status
                        )
                    if target in seen:
                        raise FetchError("redirect", f"redirect loop at {target}", status=status)
                    seen.add(target)
                    if leading and status in _PERMANENT:
                        permanent, permanent_status = target, status
                    else:
                        leading = False
                    current = target
                    continue
                if status == 304 and not (
                    "If-None-Match" in headers or "If-Modified-Since" in headers
                ):
                    # "Not modified" since nothing: read as no news, the source would stay
                    # healthy for ever and never give an article (RFC 9110 §15.4.5: a 304
                    # answers a conditional request only).
                    raise FetchError(
                        "http_status", "HTTP 304 to a request without validators", status=status
                    )
                if status in (200, 203, 304, 410) or 200 <= status < 300:
                    body = b"" if status in (304, 410) else await self._body(response)
                    return FetchResult(
                        url=url,
                        final_url=current,
                        status=status,
                        body=Body(body),
                        content_type=response.headers.get("content-type"),
                        validators=Validators(
                            usable_validator(response.headers.get("etag")),
                            usable_validator(response.headers.get("last-modified")),
                        ),
                        permanent_redirect=permanent,
                        redirect_status=permanent_status,
                        bytes=len(body),
                        latency=round(time.perf_counter() - started, 3),
                    )
                raise FetchError(
                    "http_status",
                    f"HTTP {status} {response.reason_phrase}".strip(),
                    status=status,
                    retry_after=response.headers.get("retry-after"),
                )
        raise FetchError("redirect", f"more than {self.settings.max_redirects} redirects")

    async def _body(self, response: httpx.Response) -> bytes:
        """The body, capped while streaming, decompressed here with a cap (gzip bombs)."""
        cap, unpacked_cap = self.settings.max_bytes, self.settings.max_decompressed_bytes
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > cap:
            raise FetchError("too_large", f"Content-Length {declared} is over the {cap}-byte cap")
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            inflater: zlib._Decompress | None = zlib.decompressobj(31)
        elif encoding == "deflate":
            inflater = zlib.decompressobj(47)
        elif encoding in ("", "identity"):
            inflater = None
        else:
            raise FetchError("decode", f"unsupported Content-Encoding {encoding!r}")
        raw = 0
        # Written into one growing buffer rather than joined from a list of chunks: the
        # body is then held once, not twice, while it arrives.
        out = io.BytesIO()
        size = 0
        try:
            async for chunk in response.aiter_raw():
                raw += len(chunk)
                if raw > cap:
                    raise FetchError("too_large", f"body is over the {cap}-byte cap")
                if inflater is None:
                    out.write(chunk)
                    size += len(chunk)
                    continue
                data = chunk
                while data:
                    piece = inflater.decompress(data, unpacked_cap - size + 1)
                    size += len(piece)
                    out.write(piece)
                    if size > unpacked_cap:
                        raise FetchError(
                            "too_large", f"body inflates beyond the {unpacked_cap}-byte cap"
                        )
                    data = inflater.unconsumed_tail
            if inflater is not None:
                tail = inflater.flush()
                size += len(tail)
                out.write(tail)
                if size > unpacked_cap:
                    raise FetchError(
                        "too_large", f"body inflates beyond the {unpacked_cap}-byte cap"
                    )
        except zlib.error as exc:
            raise FetchError("decode", f"corrupt {encoding} body: {exc}") from exc
        with out:
            return out.getvalue()  # the buffer itself (no copy) once it is trimmed


def _connect_error(exc: httpx.ConnectError) -> FetchError:
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, socket.gaierror):
            return FetchError("dns", f"cannot resolve host: {cause}")
        cause = cause.__cause__ or cause.__context__
    text = str(exc).lower()
    if any(word in text for word in _DNS_WORDS):
        return FetchError("dns", f"cannot resolve host: {exc}")
    return FetchError("connect", f"cannot connect: {exc}")


def host_of(url: str) -> str:
    """The host (and non-default port) requests are spaced and throttled by."""
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower() + (f":{parts.port}" if parts.port else "")
    except ValueError:
        return ""
