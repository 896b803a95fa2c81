"""Consecutive pieces of text joined greedily into parts under a token cap.

Both model steps need it: translation cuts an over-long sentence into pieces under
Marian's cap (tasks/translate.py), summarisation packs an article's sentences into
parts under the summariser's input cap (tasks/summarise.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

TokenCount = Callable[[str], int]  # text -> its length in tokens


def pack(
    pieces: Iterable[str],
    count_tokens: TokenCount,
    cap: int,
    cut: Callable[[str], list[str]] | None = None,
) -> list[str]:
    """`pieces` in order, joined by spaces into parts of at most `cap` tokens each: a part
    takes the next piece as long as it still fits. `cut` splits a piece before it is packed
    (an over-long one into pieces under the cap); without it, a piece over the cap stays
    whole, a part of its own. No text is lost or reordered."""
    parts: list[str] = []
    current = ""
    for piece in pieces:
        for part in cut(piece) if cut else [piece]:
            joined = f"{current} {part}".strip()
            if current and count_tokens(joined) > cap:
                parts.append(current)
                current = part
            else:
                current = joined
    if current:
        parts.append(current)
    return parts


def word_windows(text: str, count_tokens: TokenCount, cap: int) -> list[str]:
    """`text` if it fits under `cap`, else its words packed into consecutive windows that do
    (a single word over the cap stays whole)."""
    if count_tokens(text) <= cap:
        return [text]
    return pack(text.split(), count_tokens, cap)
