"""What the cleaner knows about particular outlets: data, not code.

Each rule names the outlet, says how to recognise its pages, and lists the lines
that mark the end of its article body. The general rules in `clean.py` handle
pages that no rule here knows.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class OutletRule:
    name: str
    recognise: re.Pattern[str]
    # Lines (matched whole, case-insensitive) after which nothing is article text.
    body_ends: tuple[str, ...] = field(default_factory=tuple)


def _rx(pattern: str, ignore_case: bool = True) -> re.Pattern[str]:
    flags = re.MULTILINE | (re.IGNORECASE if ignore_case else 0)
    return re.compile(pattern, flags)


OUTLETS: tuple[OutletRule, ...] = (
    OutletRule("Kompas.com", _rx(r"\bKOMPAS\.com\b"), ("Halaman:?", "Video rekomendasi")),
    OutletRule("Republika", _rx(r"\bREPUBLIKA\.CO\.ID\b"), ()),
    OutletRule("Media Indonesia", _rx(r"\bmediaindonesia\.com\b|\bE-Paper Media Indonesia\b")),
    OutletRule("Elshinta", _rx(r"^Elshinta$|\bElshinta\.com\b")),
    OutletRule("detik", _rx(r"\bdetik(com|news|\.com)\b")),
    OutletRule("CNN Indonesia", _rx(r"\bCNN Indonesia\b")),
    OutletRule("CNBC Indonesia", _rx(r"\bCNBC Indonesia\b")),
    OutletRule("Tempo", _rx(r"\bTEMPO\.CO\b")),
    OutletRule("BBC News Indonesia", _rx(r"\bBBC News Indonesia\b")),
    OutletRule("Tribunnews", _rx(r"\bTRIBUNNEWS\.COM\b")),
    OutletRule("Okezone", _rx(r"\bOkezone\b")),
    OutletRule("Sindonews", _rx(r"\bSINDOnews\b")),
    OutletRule("VIVA", _rx(r"\bVIVA\.co\.id\b")),
    OutletRule("Liputan6", _rx(r"\bLiputan6\.com\b")),
    OutletRule("Suara.com", _rx(r"\bSuara\.com\b")),
    OutletRule("JPNN", _rx(r"\bJPNN\.com\b")),
    OutletRule("RMOL", _rx(r"\bRMOL\b")),
    OutletRule("Tirto", _rx(r"\btirto\.id\b")),
    OutletRule("Merdeka.com", _rx(r"\bmerdeka\.com\b")),
    OutletRule("Kontan", _rx(r"\bKONTAN\.CO\.ID\b")),
    # Last, and not by its photo credits ('ANTARA FOTO/...', 'ANTARA/...'): other outlets
    # print Antara's photos and cite its reports, and their own markers come first.
    # Case matters: 'antara' is also a common word ('antara lain', 'di antara').
    OutletRule(
        "Antara",
        _rx(
            r"\bANTARA\b(?!\s*FOTO|/)|\(Antara\)|\b[Aa]ntaranews\.com\b|\bANTARA News\b",
            ignore_case=False,
        ),
    ),
)


def recognise_outlet(text: str) -> OutletRule | None:
    """The first rule whose pattern occurs in the page (multi-line aware)."""
    for rule in OUTLETS:
        if rule.recognise.search(text):
            return rule
    return None
