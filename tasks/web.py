"""The polite, safe HTTP client that fetches pages, feeds and robots.txt from news outlets.

One `PoliteClient` per run, shared by all threads of the run. It:

- fetches only http and https, and follows redirects by hand, re-checking every hop;
- honours robots.txt for the token "Kabar" (and its Crawl-delay, capped);
- keeps per host (host:port) at most `per_host_concurrency` requests in flight and starts them
  `per_host_delay` seconds apart, robots.txt and redirect hops included;
- refuses loopback, private, link-local, multicast, reserved and unspecified addresses unless
  the caller allows them, and connects to the very address it checked (no second DNS look-up);
- bounds every response in bytes and in seconds (a server that trickles bytes is cut off);
- waits out Retry-After, retries transient failures with backoff, and leaves alone a host that
  keeps refusing (403/429, anti-bot challenge pages) or asks for too long a pause.

Every refusal is a `FetchError` whose `.reason` is one line a user can read.
"""

from __future__ import annotations

import email.utils
import functools
import ipaddress
import logging
import math
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus

import httpcore
import httpx
from protego import Protego

from kabar.tasks import pages

log = logging.getLogger(__name__)

UA_TOKEN = "Kabar"  # the product token robots.txt rules are matched against
PROJECT_URL = "https://github.com/kabar-news/kabar"

ACCEPT_HEADERS = {
    "html": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1",
    "xml": "application/rss+xml,application/atom+xml,application/xml;q=0.9,text/xml;q=0.9,"
    "*/*;q=0.1",
    "any": "*/*",
}
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
XML_TYPES = frozenset({"text/xml", "application/xml"})  # and anything ending in "+xml"
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

ROBOTS_BYTES = 500_000  # Google reads the first 500 KiB of a robots.txt; so do we
MAX_CRAWL_DELAY = 30.0  # a robots.txt Crawl-delay is honoured up to this many seconds
ROBOTS_RETRY_SECONDS = 300.0  # an unreadable robots.txt (5xx, timeout) is asked for again then
ALLOW_ALL = Protego.parse("")
DISALLOW_ALL = Protego.parse("User-agent: *\nDisallow: /\n")

# What anti-bot services (Cloudflare, DDoS-Guard, captcha walls) put on the page they serve
# instead of the article. A marker counts only in the page's <title> or on a small page, so
# a real article that mentions "captcha" somewhere in its long text is not taken for one.
CHALLENGE_PAGE_BYTES = 16_384  # challenge pages are small; articles with their markup are not


@dataclass(frozen=True)
class ClientSettings:
    contact: str = ""  # goes in the User-Agent so an outlet can reach whoever runs Kabar
    per_host_concurrency: int = 2
    per_host_delay: float = 1.0  # seconds between the starts of two requests to one host
    connect_timeout: float = 10.0
    read_timeout: float = 20.0
    response_seconds: float = 60.0  # the whole response (headers and body) within this
    max_bytes: int = 5_000_000
    retry_after_max: float = 120.0  # a longer Retry-After: the host is given up for the run
    max_redirects: int = 5
    retries: int = 2  # for timeouts, connection errors and 5xx other than 501
    retry_backoff: float = 0.5  # first retry waits this, then twice as long each time
    host_strikes: int = 3  # this many 403/429 answers (or challenge pages): host given up


class FetchError(Exception):
    """A fetch that did not give a usable page. `reason`: one line for a user; `status`: the
    HTTP status if there was one; `transient`: whether trying again later may work."""

    def __init__(
        self,
        reason: str,
        *,
        status: int | None = None,
        transient: bool = False,
        refused: bool = False,
    ):
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.transient = transient
        self.refused = refused  # the site asks not to be fetched there (robots.txt): no fault


@dataclass(frozen=True)
class Response:
    url: str  # the final URL, after redirects
    status: int  # 200 (or another 2xx), or 304 for a conditional request not modified
    headers: dict[str, str]  # lower-case names
    body: bytes  # b"" for 304
    content_type: str  # media type, lower case, no parameters ("" if none was sent)
    charset: str | None
    etag: str | None
    last_modified: str | None


def user_agent(contact: str = "") -> str:
    """Kabar's User-Agent: names the project and, if given, who to contact."""
    contact_part = f"; contact: {contact}" if contact else ""
    return f"Kabar/0.1 (+{PROJECT_URL}{contact_part})"


def resolve(host: str) -> list[str]:
    """The addresses `host` resolves to, in the resolver's order, without repeats."""
    infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def address_problem(address: str) -> str | None:
    """Why connecting to `address` could reach something other than a public web server (the
    machine itself, the local network, a cloud metadata service), or None if it is public."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # "%eth0": an IPv6 zone, not address
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped  # ::ffff:10.0.0.1 reaches 10.0.0.1
    kinds = (
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("unspecified", ip.is_unspecified),
        ("reserved", ip.is_reserved),
        ("private", ip.is_private),
        ("not public", not ip.is_global),  # e.g. 100.64.0.0/10, shared by carrier NATs
    )
    return next((f"address {address} is {kind}" for kind, hit in kinds if hit), None)


def retry_after_seconds(value: str | None) -> float | None:
    """Retry-After as seconds from now (it may be seconds or an HTTP date); None if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def looks_like_challenge(body: bytes) -> bool:
    """Whether an HTML body is an anti-bot challenge page rather than the page asked for (one
    judge for the client and the extractor: tasks/pages.looks_like_challenge)."""
    return pages.looks_like_challenge(body.decode("utf-8", "replace"))


def _is_markup(media_type: str) -> bool:
    return media_type in HTML_TYPES or media_type in XML_TYPES or media_type.endswith("+xml")


def _starts_like_markup(body: bytes) -> bool:
    """For a body sent without a content type: does it open like HTML or XML?"""
    return body.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def _target(url: httpx.URL) -> str:
    """The path and query of `url`, as robots.txt and log lines name it."""
    return url.raw_path.decode("ascii", "replace")


def _parse(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError) as error:
        raise FetchError(f"not a valid address ({str(url)[:100]}): {error}") from None
    if parsed.scheme not in ("http", "https"):
        raise FetchError(f"only http and https are fetched (not {parsed.scheme or 'no scheme'}:)")
    if not parsed.host:
        raise FetchError(f"address has no host ({str(url)[:100]})")
    return parsed.copy_with(fragment=None)


# --- the network layer: connect only to checked addresses, and keep the response deadline ---

_local = threading.local()  # per thread: the checked addresses and deadline of its request


def _bounded(timeout: float | None, error: type[Exception]) -> float | None:
    """`timeout` shortened to what is left of the current request's whole-response deadline,
    so a server that trickles bytes (headers included) is cut off on time."""
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise error("the whole-response deadline has passed")
    return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _bounded(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _bounded(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None) -> httpcore.NetworkStream:
        timeout = _bounded(timeout, httpcore.ConnectTimeout)
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to the addresses the client checked for this request's host, never to a fresh
    DNS answer (which could have changed to a private address in between). TLS still checks
    the certificate against the host name, because httpcore passes it to start_tls."""

    def connect_tcp(
        self, host: str, port: int, timeout=None, local_address=None, socket_options=None
    ) -> httpcore.NetworkStream:
        pinned_host, addresses = getattr(_local, "pin", None) or (None, ())
        if host != pinned_host or not addresses:
            raise httpcore.ConnectError(f"no checked address for {host}: not connecting")
        failure: Exception | None = None
        for address in addresses:
            try:
                stream = super().connect_tcp(address, port, timeout, local_address, socket_options)
                return _DeadlineStream(stream)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as error:
                failure = error
        raise failure  # type: ignore[misc]


@functools.cache
def _ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for all clients (loading the CA bundle takes a while)."""
    return httpx.create_ssl_context(trust_env=False)


class _PinnedTransport(httpx.HTTPTransport):
    def __init__(self, limits: httpx.Limits):
        super().__init__(verify=_ssl_context(), limits=limits, trust_env=False)
        # httpx has no public way to give its pool a network backend; swap the pool for one
        # built the same way with ours (tests check that a made-up name reaches its address).
        self._pool = httpcore.ConnectionPool(
            ssl_context=_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_PinnedBackend(),
        )


# --- per-host state ---


class _Retry(Exception):
    """An attempt that may succeed if tried again, after `wait` seconds (None: backoff)."""

    def __init__(self, error: FetchError, wait: float | None = None):
        super().__init__(error.reason)
        self.error = error
        self.wait = wait


class _Host:
    """One host:port: its concurrency, spacing, strikes and robots.txt rules."""

    def __init__(self, key: str, settings: ClientSettings):
        self.key = key
        self.delay = settings.per_host_delay
        self.max_strikes = settings.host_strikes
        self.slots = threading.BoundedSemaphore(settings.per_host_concurrency)
        self.lock = threading.Lock()
        self.next_start = 0.0
        self.strikes = 0
        self.given_up: str | None = None
        # By scheme (http and https have their own): the rules, and until when they hold.
        self.robots: dict[str, tuple[Protego, float]] = {}
        self.robots_lock = threading.Lock()

    @contextmanager
    def turn(self, sleep: Callable[[float], None]) -> Iterator[None]:
        """Holds one of the host's slots, started no sooner than `delay` after the last start.
        The slot is taken first, so waiting for it does not use up the spacing."""
        with self.slots:
            with self.lock:
                now = time.monotonic()
                start = max(now, self.next_start)
                self.next_start = start + self.delay
            if start > now:
                sleep(start - now)
            yield

    def defer(self, seconds: float) -> None:
        """No request to this host starts for `seconds` (Retry-After, backoff): all threads."""
        with self.lock:
            self.next_start = max(self.next_start, time.monotonic() + seconds)

    def strike(self) -> None:
        with self.lock:
            self.strikes += 1
            if self.strikes >= self.max_strikes and self.given_up is None:
                self.given_up = (
                    f"gave up on host {self.key} after {self.strikes} refusals (403/429)"
                )

    def give_up(self, reason: str) -> None:
        with self.lock:
            self.given_up = self.given_up or reason

    def check(self) -> None:
        if self.given_up:
            raise FetchError(self.given_up)


# --- the client ---


class PoliteClient:
    """Fetches pages politely and safely; one per run, shared by its threads."""

    def __init__(
        self,
        settings: ClientSettings = ClientSettings(),  # noqa: B008 (frozen: safe to share)
        resolver: Callable[[str], list[str]] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        transport: httpx.BaseTransport | None = None,
    ):
        """`resolver(host)` -> IP address strings (default: the system's). `sleep` waits for
        spacing, Retry-After and backoff. `transport` replaces the pinned network layer (e.g.
        an httpx.MockTransport); addresses are still checked, but connecting is then its job."""
        self.settings = settings
        self._resolve = resolver or resolve
        self._sleep = sleep
        self._hosts: dict[str, _Host] = {}
        self._hosts_lock = threading.Lock()
        self._notes: list[str] = []
        self._timeout = httpx.Timeout(
            connect=settings.connect_timeout,
            read=settings.read_timeout,
            write=settings.read_timeout,
            pool=settings.connect_timeout,
        ).as_dict()
        # Requests go straight to the transport, not through httpx.Client: redirects are ours
        # to check, and the client's own redirect handling chokes on odd Location headers.
        # Two pools, so a connection opened where private addresses were allowed is never
        # reused by a request where they are not. No proxies: we connect where we checked.
        self._strict = transport or _PinnedTransport(httpx.Limits())
        self._lenient = transport or _PinnedTransport(httpx.Limits())

    @property
    def user_agent(self) -> str:
        return user_agent(self.settings.contact)

    @property
    def notes(self) -> list[str]:
        """Things worth telling the user that did not stop a fetch (robots.txt unreadable)."""
        return list(self._notes)

    def close(self) -> None:
        self._strict.close()
        self._lenient.close()

    def __enter__(self) -> PoliteClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- public calls ---

    def get(
        self,
        url: str,
        *,
        accept: str = "html",
        allow_private: bool = False,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> Response:
        """GET `url` politely. `accept`: "html" or "xml" (either kind of markup is returned;
        the caller tells a feed from a page) or "any". `allow_private`: the URL's own host may
        be on a private address; a redirect may land on the same addresses, not on others.
        With `etag`/`last_modified`, a page not modified comes back as status 304, no body."""
        if accept not in ACCEPT_HEADERS:
            raise ValueError(f"accept must be one of {sorted(ACCEPT_HEADERS)}, not {accept!r}")
        headers = {"Accept": ACCEPT_HEADERS[accept]}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        return self._follow(
            _parse(url),
            headers,
            accept=accept,
            lenient=allow_private,
            obey_robots=True,
            limit=self.settings.max_bytes,
        )

    def on_private_address(self, url: str) -> bool:
        """Whether `url`'s host resolves to a loopback, private or otherwise non-public
        address (False when it cannot be resolved: fetching it will say why)."""
        try:
            addresses = self._addresses(_parse(url))
        except (FetchError, ValueError):
            return False
        return any(address_problem(address) for address in addresses)

    def robots_allows(self, url: str, *, allow_private: bool = False) -> bool:
        """Whether robots.txt lets Kabar fetch `url` (fetched once per host and scheme)."""
        parsed = _parse(url)
        host = self._host(parsed)
        host.check()
        addresses = self._addresses(parsed)
        trusted = frozenset(addresses) if allow_private else frozenset()
        self._refuse_unsafe(addresses, trusted)
        rules = self._robots(parsed, host, trusted, lenient=allow_private)
        return rules.can_fetch(str(parsed), UA_TOKEN)

    # --- redirects, robots and addresses ---

    def _follow(
        self,
        url: httpx.URL,
        headers: dict[str, str],
        *,
        accept: str,
        lenient: bool,
        obey_robots: bool,
        limit: int,
        trusted: frozenset[str] | None = None,
    ) -> Response:
        seen = {str(url)}
        for _ in range(self.settings.max_redirects + 1):
            host = self._host(url)
            host.check()
            addresses = self._addresses(url)
            if trusted is None:  # the first hop: allow_private trusts its own addresses only
                trusted = frozenset(addresses) if lenient else frozenset()
            self._refuse_unsafe(addresses, trusted)
            if obey_robots:
                rules = self._robots(url, host, trusted, lenient)
                if not rules.can_fetch(str(url), UA_TOKEN):
                    raise FetchError(f"robots.txt disallows {_target(url)}", refused=True)
            answer = self._with_retries(host, url, addresses, headers, accept, limit, lenient)
            if answer.status not in REDIRECT_STATUSES:
                return answer
            url = self._next_hop(url, answer, seen)
        raise FetchError(f"too many redirects (over {self.settings.max_redirects})")

    @staticmethod
    def _next_hop(url: httpx.URL, answer: Response, seen: set[str]) -> httpx.URL:
        location = answer.headers.get("location")
        if not location:
            raise FetchError(
                f"HTTP {answer.status} redirect without a Location", status=answer.status
            )
        try:
            target = url.join(location.strip()).copy_with(fragment=None)
        except (httpx.InvalidURL, ValueError):
            raise FetchError(f"redirect to a bad address ({location[:100]})") from None
        if target.scheme not in ("http", "https") or not target.host:
            raise FetchError(f"redirect to a non-http address ({location[:100]})")
        if str(target) in seen:
            raise FetchError("redirect loop")
        seen.add(str(target))
        return target

    def _host(self, url: httpx.URL) -> _Host:
        name = url.raw_host.decode("ascii")
        port = url.port or (443 if url.scheme == "https" else 80)
        key = f"[{name}]:{port}" if ":" in name else f"{name}:{port}"
        with self._hosts_lock:
            if key not in self._hosts:
                self._hosts[key] = _Host(key, self.settings)
            return self._hosts[key]

    def _addresses(self, url: httpx.URL) -> list[str]:
        name = url.raw_host.decode("ascii")
        try:
            return [str(ipaddress.ip_address(name))]  # a literal address: nothing to resolve
        except ValueError:
            pass
        try:
            addresses = list(self._resolve(name))
        except OSError as error:
            raise FetchError(f"cannot resolve {name} ({error})", transient=True) from None
        if not addresses:
            raise FetchError(f"cannot resolve {name} (no address)", transient=True)
        return addresses

    @staticmethod
    def _refuse_unsafe(addresses: list[str], trusted: frozenset[str]) -> None:
        """Refuses before any connection if any address is not public (and not trusted): one
        bad address in the answer is enough, since the connection may go to any of them."""
        for address in addresses:
            problem = address_problem(address)
            if problem and address not in trusted:
                raise FetchError(problem)

    def _robots(self, url: httpx.URL, host: _Host, trusted: frozenset[str], lenient: bool):
        """The host's robots.txt rules, fetched once (an unreadable one: again after a while);
        other threads wait for that fetch."""
        with host.robots_lock:
            rules, until = host.robots.get(url.scheme, (ALLOW_ALL, 0.0))
            if time.monotonic() >= until:
                rules, keep = self._fetch_robots(url, host, trusted, lenient)
                delay = rules.crawl_delay(UA_TOKEN)
                if delay:
                    with host.lock:
                        host.delay = max(host.delay, min(float(delay), MAX_CRAWL_DELAY))
                host.robots[url.scheme] = (rules, time.monotonic() + keep)
            return rules

    def _fetch_robots(
        self, url: httpx.URL, host: _Host, trusted: frozenset[str], lenient: bool
    ) -> tuple[Protego, float]:
        """The rules, and for how many seconds to keep them."""
        robots_url = url.copy_with(path="/robots.txt", query=None)
        try:
            answer = self._follow(
                robots_url,
                {"Accept": "text/plain,*/*;q=0.1"},
                accept="any",
                lenient=lenient,
                obey_robots=False,
                limit=ROBOTS_BYTES,
                trusted=trusted,
            )
        except FetchError as error:
            if error.status in (401, 403):
                return DISALLOW_ALL, math.inf  # the site keeps its rules from us: take a no
            if error.status is not None and 400 <= error.status < 500 and error.status != 429:
                return ALLOW_ALL, math.inf  # 404, 410, …: no rules
            if host.given_up:
                raise
            self._note(f"robots.txt of {host.key} unreadable ({error.reason}); allowing all")
            return ALLOW_ALL, ROBOTS_RETRY_SECONDS
        return Protego.parse(answer.body.decode("utf-8", "replace")), math.inf

    def _note(self, text: str) -> None:
        log.warning(text)
        self._notes.append(text)

    # --- one request ---

    def _with_retries(
        self,
        host: _Host,
        url: httpx.URL,
        addresses: list[str],
        headers: dict[str, str],
        accept: str,
        limit: int,
        lenient: bool,
    ) -> Response:
        for attempt in range(self.settings.retries + 1):
            try:
                return self._exchange(host, url, addresses, headers, accept, limit, lenient)
            except _Retry as retry:
                if attempt == self.settings.retries:
                    raise retry.error from None
                host.check()  # given up meanwhile (a third 429): say so, without waiting
                wait = retry.wait
                if wait is None:
                    wait = self.settings.retry_backoff * 2**attempt
                host.defer(wait)  # the next turn, of any thread, waits this out
        raise AssertionError("unreachable")  # pragma: no cover

    def _exchange(
        self,
        host: _Host,
        url: httpx.URL,
        addresses: list[str],
        headers: dict[str, str],
        accept: str,
        limit: int,
        lenient: bool,
    ) -> Response:
        transport = self._lenient if lenient else self._strict
        request = httpx.Request(
            "GET",
            url,
            headers={"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate", **headers},
            extensions={"timeout": self._timeout},
        )
        s = self.settings
        with host.turn(self._sleep):
            host.check()  # another thread may have given the host up while we waited
            deadline = time.monotonic() + s.response_seconds
            _local.pin = (url.raw_host.decode("ascii"), tuple(addresses))
            _local.deadline = deadline
            try:
                reply = transport.handle_request(request)
                try:
                    return self._judge(host, url, reply, accept, limit, deadline)
                finally:
                    reply.close()  # an unread body: the connection is dropped, not reused
            except httpx.TimeoutException as error:
                if time.monotonic() >= deadline:  # a trickler: trying again now would trickle
                    raise FetchError(
                        f"response took over {s.response_seconds:g} s", transient=True
                    ) from None
                raise _Retry(FetchError(_timeout_reason(error, s), transient=True)) from None
            except httpx.TransportError as error:
                detail = " ".join(str(error).split()) or type(error).__name__
                raise _Retry(FetchError(f"connection failed ({detail})", transient=True)) from None
            finally:
                _local.pin = None
                _local.deadline = None

    def _judge(
        self,
        host: _Host,
        url: httpx.URL,
        reply: httpx.Response,
        accept: str,
        limit: int,
        deadline: float,
    ) -> Response:
        """Turns an answer into a Response, a redirect to follow, a FetchError or a _Retry."""
        status = reply.status_code
        if status in REDIRECT_STATUSES or status == 304:
            _read(reply, 65_536, deadline, truncate=True)  # drained: the connection is reused
            return _response(url, reply, b"")
        if status == 429:
            host.strike()
            raise self._wait_or_give_up(host, reply, _status_error(reply, transient=True))
        if status in (403, 503):
            body = _read(reply, min(limit, 4 * CHALLENGE_PAGE_BYTES), deadline, truncate=True)
            if _markup_or_unknown(reply) and looks_like_challenge(body):
                host.strike()
                raise FetchError(f"anti-bot challenge page (HTTP {status})", status=status)
            if status == 403:
                host.strike()
                raise _status_error(reply)
            raise self._wait_or_give_up(host, reply, _status_error(reply, transient=True))
        if status >= 500 and status != 501:
            raise _Retry(_status_error(reply, transient=True))
        if status >= 400 or status < 200:
            raise _status_error(reply)
        return self._success(host, url, reply, accept, limit, deadline)

    def _success(
        self,
        host: _Host,
        url: httpx.URL,
        reply: httpx.Response,
        accept: str,
        limit: int,
        deadline: float,
    ) -> Response:
        status = reply.status_code
        length = reply.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            raise FetchError(f"body over {limit:,} bytes", status=status)
        media = _media_type(reply)
        if accept != "any" and media and not _is_markup(media):
            raise FetchError(f"not HTML or XML ({media})", status=status)
        body = _read(reply, limit, deadline)
        if accept != "any" and not media and not _starts_like_markup(body):
            raise FetchError("not HTML or XML (no content type)", status=status)
        if _markup_or_unknown(reply) and looks_like_challenge(body):
            host.strike()
            raise FetchError(f"anti-bot challenge page (HTTP {status})", status=status)
        return _response(url, reply, body)

    def _wait_or_give_up(self, host: _Host, reply: httpx.Response, error: FetchError) -> Exception:
        """For 429/503: a _Retry after the Retry-After pause, or, if the pause is over the
        limit, the host given up for the run."""
        wait = retry_after_seconds(reply.headers.get("retry-after"))
        limit = self.settings.retry_after_max
        if wait is not None and wait > limit:
            host.give_up(
                f"gave up on host {host.key}: it asked for a {wait:,.0f} s pause "
                f"(Retry-After), over the {limit:g} s limit"
            )
            return FetchError(host.given_up or error.reason, status=error.status)
        return _Retry(error, wait)


# --- helpers on httpx responses ---


def _media_type(reply: httpx.Response) -> str:
    return reply.headers.get("content-type", "").split(";", 1)[0].strip().lower()


def _markup_or_unknown(reply: httpx.Response) -> bool:
    media = _media_type(reply)
    return not media or media in HTML_TYPES


def _status_error(reply: httpx.Response, *, transient: bool = False) -> FetchError:
    status = reply.status_code
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = reply.reason_phrase or "unknown status"
    return FetchError(f"HTTP {status} {phrase}", status=status, transient=transient)


def _timeout_reason(error: httpx.TimeoutException, s: ClientSettings) -> str:
    if isinstance(error, httpx.ConnectTimeout):
        return f"connecting took over {s.connect_timeout:g} s"
    if isinstance(error, httpx.PoolTimeout):
        return f"no free connection within {s.connect_timeout:g} s"
    return f"server silent for over {s.read_timeout:g} s"


def _read(reply: httpx.Response, limit: int, deadline: float, *, truncate: bool = False) -> bytes:
    """The (decoded) body, at most `limit` bytes: more is an error (or cut, with `truncate`).
    The deadline is also kept by the network layer; this check covers injected transports."""
    chunks: list[bytes] = []
    size = 0
    for chunk in reply.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            if truncate:
                break
            raise FetchError(f"body over {limit:,} bytes", status=reply.status_code)
        if time.monotonic() > deadline:
            raise httpx.ReadTimeout("the whole-response deadline has passed")
    return b"".join(chunks)[:limit]


def _response(url: httpx.URL, reply: httpx.Response, body: bytes) -> Response:
    headers = {name.lower(): value for name, value in reply.headers.items()}
    return Response(
        url=str(url),
        status=reply.status_code,
        headers=headers,
        body=body,
        content_type=_media_type(reply),
        charset=reply.charset_encoding,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
    )
