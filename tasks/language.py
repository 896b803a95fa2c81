"""Is a sentence English already? Then it needs no translation.

The question Kabar asks is binary (translate or pass through), per sentence, and the pages are
Indonesian news that quote English now and then. Function words settle it: Indonesian and
English share almost none, and every sentence of either uses several. General language
identifiers answer a harder question less reliably on short text (py3langid calls short
Indonesian headings Malay; langdetect is random without a seed), and would add a dependency.
"""

from __future__ import annotations

import re

_ENGLISH = frozenset(
    """the a an of to and in is are was were be been that this these those with for on at by
    from as it its he she they we you i his her their our not but or have has had will would
    can could should said says which who what when where there than then into about after""".split()
)
_INDONESIAN = frozenset(
    """yang dan di ke dari ini itu dengan untuk pada tidak akan dalam juga adalah oleh karena
    sebagai atau telah sudah bisa ada kata mengatakan para tersebut saat lebih bahwa ia mereka
    kami kita namun tetapi jika seperti hingga sejak usai serta bagi antara masih setelah""".split()
)
_WORD = re.compile(r"[a-zA-Z']+")


def is_english(text: str, min_words: int = 4) -> bool:
    """True when `text` reads as English: more English than Indonesian function words.

    Too short to tell (fewer than `min_words` words, or no function word at all): False, so
    the text is translated, which is harmless for a name or a number.
    """
    words = [w.lower() for w in _WORD.findall(text)]
    if len(words) < min_words:
        return False
    english = sum(w in _ENGLISH for w in words)
    indonesian = sum(w in _INDONESIAN for w in words)
    return english >= 2 and english > 2 * indonesian
