"""Split Indonesian paragraphs into sentences.

MarianMT is trained on single sentences: feeding it a paragraph invites dropped
or repeated sentences. Generic splitters break after Indonesian abbreviations
('Jl.', 'dkk.', 'S.H.') and inside numbers ('1.047', 'Rp 7.500'); this one knows them.
"""

from __future__ import annotations

import re

# Lower-cased, without the final dot. A dot after these never ends a sentence.
ABBREVIATIONS = frozenset(
    """
    jl jln no nomor dr drs dra ir prof h hj kh st sh s.h mh m.h se s.e mm m.m mba m.si msi
    spd s.pd skom s.kom phd ph.d dkk tsb dll dsb dst yth sdr sdri bpk ibu kol kapt lettu
    letda mayjen brigjen laksda marsda jend jenderal kombes kompol akbp aiptu bripka brigpol
    ipda iptu akp irjen komjen kec kab kel prov ds rt rw tel telp hlm no vol pt cv tbk
    mr mrs ms st vs etc inc ltd co corp jr sr ny tn gen ft approx
    """.split()
)

# A candidate boundary: sentence punctuation, closing quotes/brackets, then space.
_BOUNDARY = re.compile(r"""([.!?]+["')\]]*)\s+(?=["'(\[]?[A-Z0-9])""")


def _ends_with_abbreviation(text: str) -> bool:
    last = text.rsplit(None, 1)[-1] if text.strip() else ""
    word = last.rstrip(".").lstrip("\"'([").lower()
    if word in ABBREVIATIONS:
        return True
    # Initials such as "A." in "Joko A. Widodo", or dotted forms such as "S.H." / "U.S.".
    return bool(re.fullmatch(r"[a-z]|([a-z]\.)+[a-z]?", word))


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of one paragraph, in order, whitespace-normalised; no text is lost."""
    paragraph = " ".join(paragraph.split())
    if not paragraph:
        return []
    sentences: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(paragraph):
        candidate = paragraph[start : match.end(1)]
        if match.group(1).startswith(".") and _ends_with_abbreviation(candidate):
            continue
        sentences.append(candidate.strip())
        start = match.end()
    tail = paragraph[start:].strip()
    if tail:
        sentences.append(tail)
    return sentences
