"""Find article files in an inbox, read and decode them, and name each by its content."""

from __future__ import annotations

import codecs
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

ARTICLE_PATTERNS = ("*.txt",)
MAX_BYTES = 5 * 1024 * 1024  # a news page is tens of KB; anything this big is not one


@dataclass(frozen=True)
class SourceFile:
    """One inbox file, read: `text` is None when it was skipped, with `problem` saying why."""

    article_id: str
    path: str
    text: str | None
    problem: str | None = None


def find_articles(inbox: Path, patterns: tuple[str, ...] = ARTICLE_PATTERNS) -> list[Path]:
    """Regular files matching the patterns directly in the inbox, sorted by name.

    Symlinks are not followed: an inbox must not become a way to read files elsewhere.
    """
    found = {p for pattern in patterns for p in inbox.glob(pattern)}
    return sorted(p for p in found if p.is_file() and not p.is_symlink())


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
    size = path.stat().st_size
    if size > max_bytes:
        return SourceFile(article_id(path, b"%d" % size), str(path), None, "too large")
    data = path.read_bytes()
    ident = article_id(path, data)
    text = decode(data)
    if text is None:
        return SourceFile(ident, str(path), None, "not text")
    if not text.strip():
        return SourceFile(ident, str(path), None, "empty")
    return SourceFile(ident, str(path), text)
