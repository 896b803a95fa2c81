"""Stand-in news outlets: small web servers on 127.0.0.1 for tests and benchmarks.

    from sites import Site

    with Site() as site:
        site.robots("User-agent: *\\nDisallow: /private/\\n")
        site.route("/news/1", "<html>…</html>", etag='"v1"')
        site.redirect("/old", "/news/1")
        ...  fetch site.url("/news/1"), then look at site.requests

Each site listens on its own free port (several ports stand for several outlets; `Site.many(n)`
starts n). Unknown paths answer 404. A route may be slow (`delay`), trickle its body a few bytes
at a time (`trickle`), send it chunked (no Content-Length), or answer only a number of `times`
before the path's standing answer (a 503 once, then the page). With `etag`/`last_modified` it
answers conditional requests with 304. `site.requests` records every request (method, path,
lower-case headers), `site.times` when each arrived, `site.max_in_flight` the most at once.
Every connection has a socket timeout and every answer is finite, so no handler runs forever.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import NamedTuple
from urllib.parse import urlsplit

TRICKLE_BYTES = 4  # what a trickling route sends per pause


class Request(NamedTuple):
    method: str
    path: str  # with the query, as sent
    headers: dict[str, str]  # lower-case names


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = "text/html; charset=utf-8"
    delay: float = 0.0  # seconds before answering
    trickle: float | None = None  # seconds between chunks of TRICKLE_BYTES
    chunked: bool = False  # Transfer-Encoding: chunked, so no Content-Length announces the size
    times: int | None = None  # answer so this many times only (None: until replaced)
    etag: str | None = None
    last_modified: str | None = None

    def not_modified(self, headers: dict[str, str]) -> bool:
        """Whether a conditional request's copy is still current (answer 304)."""
        tags = headers.get("if-none-match")
        if self.etag and tags is not None:
            return tags.strip() == "*" or self.etag in [t.strip() for t in tags.split(",")]
        since = headers.get("if-modified-since")
        return bool(self.last_modified and since == self.last_modified)


class Site:
    """One outlet on 127.0.0.1:<free port>, served by threads; a context manager."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Route]] = {}  # per path: limited answers first, in order
        self.requests: list[Request] = []
        self.times: list[float] = []  # time.monotonic() of each request's arrival
        self.in_flight = 0
        self.max_in_flight = 0  # the most requests this site was answering at once
        self._lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = _Server(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def host(self) -> str:
        """host:port, as the client names the site."""
        return f"127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}{path}"

    def route(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        content_type: str | None = "text/html; charset=utf-8",
        delay: float = 0.0,
        trickle: float | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        chunked: bool = False,
        times: int | None = None,
    ) -> None:
        """Answers GET `path` (a path, with its query if it must match one) so. With `times`,
        only that many times (queued before the path's standing answer), e.g. a 503 once and
        then the page; without, this becomes the path's standing answer."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        route = Route(
            data,
            status,
            dict(headers or {}),
            content_type,
            delay=delay,
            trickle=trickle,
            chunked=chunked,
            times=times,
            etag=etag,
            last_modified=last_modified,
        )
        with self._lock:
            limited = [r for r in self.routes.get(path, []) if r.times is not None]
            standing = [r for r in self.routes.get(path, []) if r.times is None]
            self.routes[path] = limited + [route] + ([] if times is None else standing)

    def redirect(self, path: str, to: str, status: int = 302, times: int | None = None) -> None:
        """`path` redirects to `to` (a path on this site or a full URL)."""
        self.route(path, status=status, headers={"Location": to}, content_type=None, times=times)

    def robots(self, text: str) -> None:
        self.route("/robots.txt", text, content_type="text/plain; charset=utf-8")

    def paths(self) -> list[str]:
        """The paths requested so far, in order."""
        return [request.path for request in self.requests]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> Site:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @classmethod
    @contextmanager
    def many(cls, n: int) -> Iterator[list[Site]]:
        """`n` sites, each on its own port, closed together."""
        with ExitStack() as stack:
            yield [stack.enter_context(cls()) for _ in range(n)]

    def _record(self, request: Request) -> Route | None:
        with self._lock:
            self.requests.append(request)
            self.times.append(time.monotonic())
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            for path in (request.path, urlsplit(request.path).path):
                for route in self.routes.get(path, []):
                    if route.times is None:
                        return route
                    if route.times > 0:
                        route.times -= 1
                        return route
        return None

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a connection left open does not hold up close()

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)
        # else: the client hung up (it closes a connection whose body it did not read)


class _Handler(BaseHTTPRequestHandler):
    site: Site
    protocol_version = "HTTP/1.1"  # keep-alive: a benchmark's 400 pages need not reconnect
    timeout = 10  # seconds a connection may sit idle or half-sent before it is dropped
    disable_nagle_algorithm = True  # headers and body go out at once, not 40 ms apart

    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        headers = {name.lower(): value for name, value in self.headers.items()}
        route = self.site._record(Request(self.command, self.path, headers))
        try:
            if route is None:
                self._answer(Route(b"<h1>Not Found</h1>", status=404))
            elif route.not_modified(headers):
                self._answer(
                    Route(
                        status=304,
                        content_type=None,
                        etag=route.etag,
                        last_modified=route.last_modified,
                    )
                )
            else:
                self._answer(route)
        except ConnectionError:
            self.close_connection = True  # the client hung up (e.g. it stopped a trickle)
        finally:
            self.site._done()

    def _answer(self, route: Route) -> None:
        if route.delay:
            time.sleep(route.delay)
        self.send_response(route.status)
        for name, value in route.headers.items():
            self.send_header(name, value)
        if route.content_type:
            self.send_header("Content-Type", route.content_type)
        if route.etag:
            self.send_header("ETag", route.etag)
        if route.last_modified:
            self.send_header("Last-Modified", route.last_modified)
        if route.chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif route.status != 304:
            self.send_header("Content-Length", str(len(route.body)))
        self.end_headers()
        if route.status == 304:
            return
        for piece in _pieces(route):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if route.chunked else piece)
            if route.trickle:
                self.wfile.flush()
                time.sleep(route.trickle)
        if route.chunked:
            self.wfile.write(b"0\r\n\r\n")

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # tests and benchmarks read site.requests, not a log


def _pieces(route: Route) -> Iterator[bytes]:
    """The body as it goes out: whole, or TRICKLE_BYTES at a time for a trickling route."""
    size = TRICKLE_BYTES if route.trickle else 65_536
    for start in range(0, len(route.body), size):
        yield route.body[start : start + size]
