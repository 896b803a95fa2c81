"""Does the summary say only what the translation says? A check on its hardest facts.

Abstractive summarisers invent numbers, dates and names more than anything else, and those
are what a reader acts on. Every number and every capitalised name in the summary must occur
in the translation; what does not is reported. Cheap and deterministic.

Two things make a naive comparison cry wolf on good summaries, and both are handled here:

- Case. A summary capitalises words only because they open a sentence ('Protesters
  demanded …') or a title ('President Joko Widodo'), where the translation has them in lower
  case. Such words are compared in any case; a name in the middle of a sentence must be
  capitalised in the translation too ('Rice' the person is not 'rice' the grain). Names are
  whole words ('Solo' is not in 'Solok'), possessives and plurals are stripped, a demonym
  matches its country ('Malaysian', 'Malaysia'), a hyphenated word matches when each
  capitalised half does ('Jakarta-based').
- Notation. MarianMT often keeps Indonesian number notation, so '7.000' is 7000 in Indonesian
  and 7.0 in English, '2,5' is 2.5, '200 ribu' is 200,000. Each number has a set of readings,
  and two numbers match when any reading of one equals any reading of the other. English
  number words count too ('three' and '3').
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from kabar.tasks.sentences import split_sentences

# ---- Numbers ------------------------------------------------------------------------------

# Scale words after a numeral: Indonesian ones MarianMT leaves untranslated, and English ones.
_SCALES = {
    "ribu": 10**3,
    "juta": 10**6,
    "miliar": 10**9,
    "milyar": 10**9,
    "triliun": 10**12,
    "hundred": 10**2,
    "thousand": 10**3,
    "million": 10**6,
    "billion": 10**9,
    "trillion": 10**12,
}
_SMALL_NUMBERS = {
    word: value
    for value, word in enumerate(
        """zero one two three four five six seven eight nine ten eleven twelve thirteen
        fourteen fifteen sixteen seventeen eighteen nineteen""".split()
    )
} | {
    word: 10 * tens
    for tens, word in enumerate("twenty thirty forty fifty sixty seventy eighty ninety".split(), 2)
}
_NUMBER_WORDS = {*_SMALL_NUMBERS, "hundred", "thousand", "million", "billion", "trillion"}
# 'one of them', 'the two leaders': paraphrase, too common to hold against a summary.
_UNCHECKED_WORDS = {"one", "two"}

_ANY_NUMBER_WORD = "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True))  # longest first
_NUMBER = re.compile(
    # A clock time ('10:30'), or digits with separators, optionally followed by a scale word.
    rf"(?P<numeral>\d{{1,2}}:\d{{2}}(?!\d)|\d+(?:[.,]\d+)*)"
    rf"(?:\s*(?P<scale>{'|'.join(_SCALES)})\b)?"
    # Or number words: 'three', 'twenty-one', 'two hundred and fifty', 'three million'.
    rf"|\b(?P<words>(?:{_ANY_NUMBER_WORD})(?:(?:\s+and\s+|\s+|-)(?:{_ANY_NUMBER_WORD}))*)\b",
    re.IGNORECASE,
)
_ENGLISH_NOTATION = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d+")  # 1,234.5  2.5
_INDONESIAN_NOTATION = re.compile(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+,\d+")  # 1.234,5  2,5
_CLOCK = re.compile(r"(\d{1,2})[.:](\d{2})")  # 10:30, and Indonesian 10.30 (WIB)

Reading = Fraction | tuple[int, int]  # a quantity, or a clock time as (hours, minutes)


def _quantities(numeral: str) -> set[Fraction]:
    """Every value the digits can stand for, in English and in Indonesian notation."""
    if numeral.isdigit():
        return {Fraction(int(numeral))}
    if ":" in numeral:
        return set()  # a clock time only
    readings = set()
    if _ENGLISH_NOTATION.fullmatch(numeral):
        readings.add(Fraction(numeral.replace(",", "")))
    if _INDONESIAN_NOTATION.fullmatch(numeral):
        readings.add(Fraction(numeral.replace(".", "").replace(",", ".")))
    # Neither notation ('1.2.3'): compare the digits, the best that can be done.
    return readings or {Fraction(int(re.sub(r"\D", "", numeral)))}


def _clock_times(numeral: str) -> set[tuple[int, int]]:
    match = _CLOCK.fullmatch(numeral)
    if match and int(match[1]) < 24 and int(match[2]) < 60:
        return {(int(match[1]), int(match[2]))}
    return set()


def _words_value(phrase: str) -> int:
    total = current = 0
    for word in re.findall(r"[a-z]+", phrase.lower()):
        if word in _SMALL_NUMBERS:
            current += _SMALL_NUMBERS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0
    return total + current


def _readings(match: re.Match) -> set[Reading]:
    if match["words"]:
        return {Fraction(_words_value(match["words"]))}
    numeral = match["numeral"]
    if match["scale"]:
        scale = _SCALES[match["scale"].lower()]
        return {quantity * scale for quantity in _quantities(numeral)}
    return _quantities(numeral) | _clock_times(numeral)


def _number_readings(text: str) -> set[Reading]:
    return {reading for match in _NUMBER.finditer(text) for reading in _readings(match)}


def _unsupported_numbers(sentence: str, source_readings: set[Reading]) -> Iterator[tuple]:
    for match in _NUMBER.finditer(sentence):
        if (match["words"] or "").lower() in _UNCHECKED_WORDS:
            continue
        if not _readings(match) & source_readings:
            yield match.start(), match.group().strip()


# ---- Names --------------------------------------------------------------------------------

# Letters, joined by apostrophes or hyphens: O'Neill, Laki-laki, Putin's. Digits are numbers,
# so 'COVID-19' is the name 'COVID' and 'Rp7.5' the name 'Rp' (and the numbers 19 and 7.5).
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
# Capitalised only because a sentence starts with them, or always capitalised in English.
# Days and months are dates, not names: a summary may name the month of a '16/8' date.
_NOT_NAMES = frozenset(
    """The A An In On At By For From To Of And But Or As It Its He She They We I You This That
    These Those There Here His Her Their Our After Before When While Since Until If Meanwhile
    However Also According About Some Many Most Several Both All Each Every Other Another
    Such No Not Only Even Still Yet So Then Thus Despite During Under With Without Over Into
    Against Between Among Through Earlier Later Previously Today Yesterday Tomorrow Last Next
    What Who Which Where Why How Is Are Was Were Will Would Can Could Should Must Has Have Had
    Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April
    May June July August September October November December Mr Mrs Ms""".split()
)
# Capitalised in a summary as part of a title ('President Joko Widodo', 'Finance Minister')
# where the translation says 'the president', 'the finance minister': compared in any case.
_TITLE_WORDS = frozenset(
    """President Vice Prime Minister Ministry Coordinating Governor Deputy Regent Mayor Chief
    Head Police Commander General Speaker Chairman Chairwoman Secretary Spokesman Spokeswoman
    Spokesperson Judge Prosecutor Attorney Court Parliament Government Army Navy Agency
    Commission Council Party Province Regency District Village Island Mount Volcano River
    Former Finance Foreign Home Defence Defense Health Education Trade Industry Energy
    Transport Religious Affairs Social Public Works Agriculture Environment Economic Security
    Communication Communications Information""".split()
)
# A demonym is its place plus one of these: Indonesia-n, Pakistan-i, Japan-ese, Bali-nese.
_DEMONYM_SUFFIXES = ("nese", "ese", "ian", "an", "n", "i")
_SHORTEST_STEM = 4  # shorter stems ('Ira' of 'Iran') would match unrelated names
_SENTENCE_OPENERS = frozenset(".!?:;\"'“”‘’([-–—")  # what may precede a sentence's first word


def _normalise(token: str) -> str:
    """'Putin's' -> 'Putin', 'Indonesians'' -> 'Indonesians', 'Jakarta-' -> 'Jakarta'."""
    token = token.rstrip("'’-")
    return re.sub(r"['’]s$", "", token).rstrip("'’")


def _forms(word: str) -> set[str]:
    """Lower-cased forms that count as the same name: plural and demonym stripped."""
    word = word.lower()
    bases = {word, word[:-1]} if len(word) > 3 and word.endswith("s") else {word}
    forms = set(bases)
    for base in bases:
        for suffix in _DEMONYM_SUFFIXES:
            if base.endswith(suffix) and len(base) - len(suffix) >= _SHORTEST_STEM:
                forms.add(base[: -len(suffix)])
    return forms


@dataclass(frozen=True)
class _Vocabulary:
    """The translation's words, as forms: those it capitalises, and all of them."""

    capitalised: frozenset[str]
    any_case: frozenset[str]

    @classmethod
    def of(cls, text: str) -> _Vocabulary:
        capitalised: set[str] = set()
        any_case: set[str] = set()
        for token in _WORD.findall(text):
            word = _normalise(token)
            for piece in {word, *word.split("-")} - {""}:
                forms = _forms(piece)
                any_case |= forms
                if piece[0].isupper():
                    capitalised |= forms
        return cls(frozenset(capitalised), frozenset(any_case))

    def knows(self, word: str, in_any_case: bool) -> bool:
        pool = self.any_case if in_any_case or word in _TITLE_WORDS else self.capitalised
        return not _forms(word).isdisjoint(pool)

    def unknown_parts(self, word: str, in_any_case: bool) -> list[str]:
        """[] if the translation has `word`; else what it lacks: the word, or the capitalised
        halves of a hyphenated one ('Surabaya' of 'Jakarta-Surabaya')."""
        if self.knows(word, in_any_case):
            return []
        pieces = [p for p in word.split("-") if p[:1].isupper() and p not in _NOT_NAMES]
        if "-" not in word or not pieces:
            return [word]
        return [piece for piece in pieces if not self.knows(piece, in_any_case)]


def _opens_a_sentence(sentence: str, start: int) -> bool:
    """The word at `start` is the first of the sentence, of a quotation or after a colon."""
    before = sentence[:start].rstrip()
    return not before or before[-1] in _SENTENCE_OPENERS


def _in_title_case(sentence: str) -> bool:
    """A headline ('Floods Hit Bekasi, Thousands Evacuated'): every longer word capitalised,
    so capitals say nothing about names."""
    long_words = [word for word in _WORD.findall(sentence) if len(word) >= 4]
    return len(long_words) >= 3 and all(word[0].isupper() for word in long_words)


def _unsupported_names(sentence: str, vocabulary: _Vocabulary) -> Iterator[tuple]:
    headline = _in_title_case(sentence)
    for match in _WORD.finditer(sentence):
        word = _normalise(match.group())
        if not word[:1].isupper() or word in _NOT_NAMES or word.lower() in _NUMBER_WORDS:
            continue  # number words are checked as numbers
        in_any_case = headline or _opens_a_sentence(sentence, match.start())
        for part in vocabulary.unknown_parts(word, in_any_case):
            yield match.start(), part


# ---- The check ----------------------------------------------------------------------------


def _sentences(text: str) -> Iterator[str]:
    for line in text.splitlines():  # a line break ends a headline even without a full stop
        yield from split_sentences(line)


def unsupported_facts(summary: str, source: str) -> list[str]:
    """Numbers and names in `summary` that `source` never mentions, once each, in order of
    appearance."""
    source_readings = _number_readings(source)
    vocabulary = _Vocabulary.of(source)
    missing: list[str] = []
    for sentence in _sentences(summary):
        found = [
            *_unsupported_numbers(sentence, source_readings),
            *_unsupported_names(sentence, vocabulary),
        ]
        for _, fact in sorted(found):
            if fact not in missing:
                missing.append(fact)
    return missing
