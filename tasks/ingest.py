"""Find article files in an inbox, read and decode them, and name each by its content."""

from __future__ import annotations

import codecs
import hashlib
import re
import time
from dataclasses import dataclass
from pathlib import Path

from kabar.tasks.settings import Settings

# The settings' defaults, for callers that read one file outside a run (`kabar clean`).
ARTICLE_PATTERNS: tuple[str, ...] = Settings.model_fields["patterns"].default
MAX_BYTES: int = Settings.model_fields["max_bytes"].default  # a news page is tens of KB
_HTML = re.compile(r"^\s*(<!doctype html|<html\b|<head\b|<body\b)", re.IGNORECASE)


@dataclass(frozen=True)
class SourceFile:
    """One inbox file, read: `text` is None when it was skipped, with `problem` saying why."""

    article_id: str
    path: str
    text: str | None
    problem: str | None = None
    content_hash: str = ""  # sha256 of the bytes: the same article under two names


def find_articles(inbox: Path, patterns: tuple[str, ...] = ARTICLE_PATTERNS) -> list[Path]:
    """Regular files matching the patterns directly in the inbox, sorted by name.

    Symlinks are not followed (an inbox must not become a way to read files elsewhere), and
    anything that is not a regular file (a folder, a pipe) is not an article.
    """
    found = {p for pattern in patterns for p in inbox.glob(pattern)}
    return sorted(p for p in found if not p.is_symlink() and p.is_file())


def html_to_page_text(html: str) -> str:
    """The main text of an HTML page, as the page text a browser copy would give."""
    import trafilatura

    text = trafilatura.extract(html, include_comments=False, include_tables=False) or ""
    metadata = trafilatura.extract_metadata(html)
    title = metadata.title if metadata and metadata.title else ""
    return f"{title}\n\n{text}" if title else text


def decode(data: bytes) -> str | None:
    """Text from bytes: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252/Latin-1.

    Returns None for data that is not text (NUL bytes, or control characters a text never has).
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            return None
    if b"\x00" in data:
        return None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return None if controls > len(text) // 100 else text


def article_id(path: Path, data: bytes) -> str:
    """File stem (made safe for a folder name) plus a short hash of the content."""
    stem = re.sub(r"[^\w.-]+", "_", path.stem).strip("._-")[:60] or "article"
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}"


def read_article(path: Path, max_bytes: int = MAX_BYTES) -> SourceFile:
    """Read one inbox file; a file that is no article comes back with `problem` set."""
    size = path.stat().st_size
    if size > max_bytes:
        limit = f"{max_bytes / 1e6:g} MB"
        problem = f"too large ({size / 1e6:.1f} MB; the limit is {limit}, KABAR_MAX_BYTES)"
        return SourceFile(article_id(path, b"%d" % size), str(path), None, problem)
    data = path.read_bytes()
    ident = article_id(path, data)
    digest = hashlib.sha256(data).hexdigest()
    if not data:
        return SourceFile(ident, str(path), None, "not text (empty file)")
    text = decode(data)
    if text is None:
        return SourceFile(ident, str(path), None, "not text (binary data)")
    if not text.strip():
        return SourceFile(ident, str(path), None, "not text (whitespace only)")
    if _HTML.match(text):
        text = html_to_page_text(text)
        if not text.strip():
            return SourceFile(ident, str(path), None, "no article text (empty HTML page)")
    return SourceFile(ident, str(path), text, content_hash=digest)


def read_with_retries(path: Path, max_bytes: int = MAX_BYTES, attempts: int = 3) -> SourceFile:
    """read_article, retried with backoff on an I/O error (a file being replaced, a network
    disk); a file that still cannot be read is skipped with the reason, never a crash."""
    for attempt in range(attempts):
        try:
            return read_article(path, max_bytes)
        except FileNotFoundError:
            problem = "gone (removed while the run read the inbox)"
            break
        except OSError as error:
            problem = f"unreadable ({error.strerror or error}); the next run tries again"
            time.sleep(0.5 * 2**attempt)
    return SourceFile(article_id(path, str(path).encode()), str(path), None, problem)
