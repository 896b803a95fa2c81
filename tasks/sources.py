"""What a news source is: a feed (or sitemap) to list, or one article page; read from a TOML file
or from command-line options. Also the URL forms the seen-store and the output folders use."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

DEFAULT_SINCE = timedelta(days=2)
DEFAULT_MAX_PER_RUN = 50
KINDS = ("feed", "page")


@dataclass(frozen=True)
class Source:
    url: str
    kind: Literal["feed", "page"]  # "feed": RSS/Atom/RDF or a (news) sitemap, told by its body
    name: str  # default: the URL's host (host:port when a port is given)
    since: timedelta = DEFAULT_SINCE  # how far back items are taken
    max_per_run: int = DEFAULT_MAX_PER_RUN
    allow_private: bool = False  # follow links to loopback/private addresses (normally refused)


class SourcesError(ValueError):
    """A line a user can act on per problem, naming the file (or option) and the entry."""


# --- since ------------------------------------------------------------------------------

_UNITS = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}
_SINCE = re.compile(r"(?:\d+[wdhm])+")
_SINCE_PART = re.compile(r"(\d+)([wdhm])")


def parse_since(text: str) -> timedelta:
    """'2d', '12h', '90m', '1w', '36h', or a sum like '1d12h', as a timedelta (more than 0)."""
    compact = "".join(str(text).split()).lower()
    if not _SINCE.fullmatch(compact):
        raise ValueError(f"'since' must look like 2d, 12h or 90m, not {text!r}")
    since = timedelta()
    for number, unit in _SINCE_PART.findall(compact):
        since += timedelta(**{_UNITS[unit]: int(number)})
    if since <= timedelta():
        raise ValueError(f"'since' must be more than 0, not {text!r}")
    return since


# --- URLs -------------------------------------------------------------------------------


def check_url(url: object) -> str:
    """The URL, stripped, when it is an absolute http(s) URL with a host; else ValueError."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"'url' must be an http or https address, not {url!r}")
    url = url.strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a port that is not a number
    except ValueError as error:
        raise ValueError(f"'url' is not a valid address ({error}): {url!r}") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"'url' must be an http or https address, not {url!r}")
    return url


def host_name(url: str) -> str:
    """The URL's host, with ':port' when the URL gives a port (never the user:password part)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").rstrip(".")
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    return f"{host}:{parts.port}" if parts.port is not None else host


# Query parameters that only say where a click came from: the same article with and without
# them is one article. 'ref' stays: some sites use it to select content (a branch, a variant),
# and a repeated article costs less than a lost one. 'page' and friends obviously stay.
_TRACKING_EXACT = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "yclid", "twclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "ref_url", "utm", "_hsenc", "_hsmi",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "mtm_", "pk_", "hsa_")
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _is_tracking(name: str) -> bool:
    lower = name.lower()
    return lower in _TRACKING_EXACT or lower.startswith(_TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """One spelling per article, for the seen-store.

    Lower-case scheme and host, the default port dropped, the fragment dropped, tracking
    parameters (utm_*, fbclid, gclid, mc_cid, ...) dropped, the rest sorted by name (repeated
    names keep their order), and an empty path written '/'. Path case and encoding are kept:
    servers may tell them apart. courlan's normalize_url was tried and not used: it keeps the
    fragment and drops content parameters such as 'keyword' and 'source'.
    """
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = host_name(url).lower()
    if parts.port is not None and parts.port == _DEFAULT_PORTS.get(scheme):
        host = host.rsplit(":", 1)[0]
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode(sorted((p for p in pairs if not _is_tracking(p[0])), key=lambda p: p[0]))
    return urlunsplit((scheme, netloc, parts.path or "/", query, ""))


_UNSAFE = re.compile(r"[^a-z0-9]+")
_EXTENSION = re.compile(r"\.(s?html?|php|aspx?|jsp)$", re.IGNORECASE)


def article_id_for(url: str) -> str:
    """'<host>-<slug of the last path segment>-<8 hex of sha256(canonical URL)>', folder-safe.

    e.g. 'www.kompas.com-bantuan-banjir-demak-1a2b3c4d'; the slug is left out when the path
    has no segment ('<host>-<hash>').
    """
    canonical = canonical_url(url)
    digest = hashlib.sha256(canonical.encode()).hexdigest()[:8]
    host = re.sub(r"[^a-z0-9.-]+", "-", host_name(canonical).lower()).strip(".-") or "site"
    segments = [s for s in urlsplit(canonical).path.split("/") if s]
    last = _EXTENSION.sub("", segments[-1]) if segments else ""
    slug = _UNSAFE.sub("-", last.lower()).strip("-")[:50].strip("-")
    return f"{host}-{slug}-{digest}" if slug else f"{host}-{digest}"


# --- sources ----------------------------------------------------------------------------

_ENTRY_KEYS = frozenset({"url", "kind", "name", "since", "max_per_run", "allow_private"})
_DEFAULT_KEYS = frozenset({"since", "max_per_run", "allow_private"})


def _make_source(entry: dict[str, Any], defaults: dict[str, Any]) -> Source:
    """A Source from one table; ValueError with the reason (no file or entry: the caller adds)."""
    unknown = sorted(set(entry) - _ENTRY_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_ENTRY_KEYS))
        raise ValueError(f"unknown key {unknown[0]!r} (known keys: {allowed})")
    if "url" not in entry:
        raise ValueError("'url' is missing")
    url = check_url(entry["url"])
    merged = {**defaults, **entry}
    kind = merged.get("kind", "feed")
    if kind not in KINDS:
        raise ValueError(f'\'kind\' must be "feed" or "page", not {kind!r}')
    name = merged.get("name", host_name(url))
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"'name' must be a non-empty string, not {name!r}")
    since = merged.get("since")
    if since is not None and not isinstance(since, str):
        raise ValueError(f"'since' must be a string like \"2d\", not {since!r}")
    max_per_run = merged.get("max_per_run", DEFAULT_MAX_PER_RUN)
    if isinstance(max_per_run, bool) or not isinstance(max_per_run, int) or max_per_run < 1:
        raise ValueError(f"'max_per_run' must be a whole number of 1 or more, not {max_per_run!r}")
    allow_private = merged.get("allow_private", False)
    if not isinstance(allow_private, bool):
        raise ValueError(f"'allow_private' must be true or false, not {allow_private!r}")
    return Source(
        url=url,
        kind=kind,
        name=name.strip(),
        since=parse_since(since) if since is not None else DEFAULT_SINCE,
        max_per_run=max_per_run,
        allow_private=allow_private,
    )


def _defaults(data: dict[str, Any]) -> dict[str, Any]:
    defaults = data.get("defaults", {})
    if not isinstance(defaults, dict):
        raise ValueError("[defaults] must be a table")
    unknown = sorted(set(defaults) - _DEFAULT_KEYS)
    if unknown:
        allowed = ", ".join(sorted(_DEFAULT_KEYS))
        raise ValueError(f"[defaults]: unknown key {unknown[0]!r} (known keys: {allowed})")
    try:  # checked once here, so that a bad default is reported as [defaults], not per source
        _make_source({"url": "http://defaults.invalid/"}, defaults)
    except ValueError as error:
        raise ValueError(f"[defaults]: {error}") from None
    return defaults


def load_sources(path: Path) -> list[Source]:
    """The sources in a TOML file ([defaults] and [[source]] tables; see sources.example.toml).

    Raises SourcesError with one line naming the file and the entry for anything wrong: a file
    that cannot be read, bad TOML, unknown keys, a non-http(s) URL, a source listed twice
    (a line for each wrong entry).
    """
    where = str(path)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SourcesError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise SourcesError(f"{where}: cannot be read ({error})") from None
    except tomllib.TOMLDecodeError as error:
        raise SourcesError(f"{where}: not valid TOML ({error})") from None

    unknown = sorted(set(data) - {"defaults", "source"})
    if unknown:
        hint = " (did you mean [[source]]?)" if unknown[0] in ("sources", "feed", "feeds") else ""
        raise SourcesError(f"{where}: unknown table or key {unknown[0]!r}{hint}")
    try:
        defaults = _defaults(data)
    except ValueError as error:
        raise SourcesError(f"{where}: {error}") from None
    entries = data.get("source", [])
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourcesError(f"{where}: 'source' must be written as [[source]] tables")
    if not entries:
        raise SourcesError(f"{where}: no [[source]] entries")

    sources: list[Source] = []
    problems: list[str] = []  # every entry's, so that one edit fixes the file
    first_at: dict[str, int] = {}
    for number, entry in enumerate(entries, start=1):
        try:
            source = _make_source(entry, defaults)
        except ValueError as error:
            problems.append(f"{where}: [[source]] {number}: {error}")
            continue
        key = canonical_url(source.url)
        if key in first_at:
            problems.append(
                f"{where}: [[source]] {number}: the same address as [[source]] {first_at[key]}"
            )
            continue
        first_at[key] = number
        sources.append(source)
    if problems:
        raise SourcesError("\n".join(problems))
    return sources


def from_options(feeds: Iterable[str], urls: Iterable[str]) -> list[Source]:
    """Sources from --feed URL and --url URL options (each repeatable); a repeat is taken once."""
    sources: list[Source] = []
    seen: set[str] = set()
    for option, kind, values in (("--feed", "feed", feeds), ("--url", "page", urls)):
        for value in values:
            try:
                source = _make_source({"url": value, "kind": kind}, {})
            except ValueError as error:
                raise SourcesError(f"{option} {value!r}: {error}") from None
            if (key := canonical_url(source.url)) not in seen:
                seen.add(key)
                sources.append(source)
    return sources
