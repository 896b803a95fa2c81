"""Counted nouns in what Kabar prints: '1 article', '2 articles', '1 story', '3 stories'."""

from __future__ import annotations

_PLURALS = {"story": "stories", "entry": "entries", "cache entry": "cache entries"}


def counted(count: int, noun: str) -> str:
    """`count` and `noun`, plural unless the count is one."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {_PLURALS.get(noun, noun + 's')}"
