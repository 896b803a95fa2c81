"""Does the summary say only what the translation says? A check on its hardest facts.

Abstractive summarisers invent numbers, dates and names more than anything else, and those
are what a reader acts on. Every number and every capitalised name in the summary must occur
in the translation; what does not is reported. Cheap, deterministic, and it cannot pass a
summary that puts a figure in the article's mouth.
"""

from __future__ import annotations

import re

_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NAME = re.compile(r"\b[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*)*")
# Capitalised only because a sentence starts with them, or always capitalised in English.
_COMMON = frozenset(
    """The A An In On At By For From To Of And But Or As It Its He She They We I You This That
    These Those There Here His Her Their Our After Before When While Since Until If Meanwhile
    However Also According Monday Tuesday Wednesday Thursday Friday Saturday Sunday January
    February March April May June July August September October November December
    Mr Mrs Ms""".split()
)


def _digits(number: str) -> str:
    return re.sub(r"\D", "", number)


def unsupported_facts(summary: str, source: str) -> list[str]:
    """Numbers and names in `summary` that `source` never mentions, in order of appearance."""
    source_numbers = {_digits(n) for n in _NUMBER.findall(source)}
    missing: list[str] = []
    for number in _NUMBER.findall(summary):
        if _digits(number) not in source_numbers and number not in missing:
            missing.append(number)
    for match in _NAME.finditer(summary):
        words = [w for w in match.group(0).split() if w not in _COMMON]
        for word in words:
            if word not in source and word not in missing:
                missing.append(word)
    return missing
