"""Indonesian article -> English, sentence by sentence, with MarianMT.

opus-mt-id-en translates sentences and caps input at 512 tokens. So every
paragraph is split into sentences, an over-long sentence is cut into pieces
(at clause boundaries, then by a word window), all pieces of an article are
sorted by length and batched under a token budget, and the English is put
back in the original order and paragraph structure. Nothing is truncated.

Marian loops ('poor, poor, poor, ...') or drops text on noisy input. Each
output is checked for a repetition loop and for a length far from the
source's; a flagged piece is retried with safer decoding, then split and
retried, and whatever is still wrong is recorded in the result's `flags`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from functools import cache

from kabar.tasks import hardware
from kabar.tasks.engines import Decoding, Engine
from kabar.tasks.language import is_english
from kabar.tasks.packing import pack, word_windows
from kabar.tasks.sentences import split_sentences

TRANSLATE_VERSION = "3"  # bump when translate_article's output changes for the same input


@dataclass(frozen=True)
class TranslationSettings:
    backend: str = "transformers"
    beams: int = 4
    # Source tokens per generate() call; None: what fits the device (tasks/hardware.py).
    # Batching changes speed, not the translation, so a fitted budget keeps cache keys equal.
    max_batch_tokens: int | None = None
    max_piece_tokens: int = 256  # well under the 512 cap: long inputs are where Marian loops
    guards: bool = True
    # A unit of text repeated this many times in a row is a loop: prose says "very, very",
    # "ha ha ha" at most; Marian's loops run to the length limit.
    loop_repeats: int = 4
    # English from Indonesian news runs at about 0.8-1.2x the characters of the source.
    # Outside 0.3-2.5x, text was dropped or invented. Sources under 30 characters vary
    # too much ('Ya.' -> 'Yes.') and are not checked.
    min_length_ratio: float = 0.3
    max_length_ratio: float = 2.5
    output_tokens: int | None = None  # a fixed output length: for benchmarks only

    def to_dict(self) -> dict:
        return asdict(self)


# --- guards -----------------------------------------------------------------------


@cache
def _repeated_unit(repeats: int) -> re.Pattern[str]:
    return re.compile(r"(.{2,40}?)\s*(?:\1\s*){" + str(repeats - 1) + ",}", re.DOTALL)


def find_loop(text: str, repeats: int = 4) -> str | None:
    """The unit of a runaway repetition in `text` (a phrase or word piece said `repeats`+
    times in a row), or None. Units without a letter ('.000', '00') are numbers, not loops."""
    for match in _repeated_unit(repeats).finditer(text):
        unit = match.group(1).strip()
        if any(ch.isalpha() for ch in unit):
            return unit
    return None


def length_problem(source: str, english: str, settings: TranslationSettings) -> str | None:
    if len(source) < 30:
        return None
    ratio = len(english) / len(source)
    if ratio < settings.min_length_ratio:
        return f"output much shorter than the source ({ratio:.2f}x)"
    if ratio > settings.max_length_ratio:
        return f"output much longer than the source ({ratio:.2f}x)"
    return None


def problem_with(source: str, english: str, settings: TranslationSettings) -> str | None:
    loop = find_loop(english, settings.loop_repeats)
    if loop:
        return f"repetition loop ({loop!r} repeated)"
    return length_problem(source, english, settings)


# --- cutting long sentences ---------------------------------------------------------

_CLAUSE = re.compile(r"(?<=[,;:])\s+|\s+(?=(?:-|–|—)\s)")


def cut_long(sentence: str, count_tokens: Callable[[str], int], limit: int) -> list[str]:
    """Pieces of a sentence, each under `limit` tokens: whole clauses where possible."""
    if count_tokens(sentence) <= limit:
        return [sentence]
    return pack(
        _CLAUSE.split(sentence),
        count_tokens,
        limit,
        cut=lambda clause: word_windows(clause, count_tokens, limit),
    )


# --- batching ------------------------------------------------------------------------


class BatchTranslator:
    """Sorts texts by length, batches them under a token budget, restores their order."""

    def __init__(self, engine: Engine, settings: TranslationSettings) -> None:
        self.engine = engine
        self.settings = settings
        self.max_batch_tokens = settings.max_batch_tokens or hardware.batch_tokens(engine.device)

    def count_tokens(self, text: str) -> int:
        return self.engine.count_tokens(text)

    def decoding(self, longest: int, safer: bool = False) -> Decoding:
        fixed = self.settings.output_tokens
        plain = Decoding(
            beams=self.settings.beams,
            max_new_tokens=fixed or min(512, 2 * longest + 16),
            min_new_tokens=fixed,
        )
        # Safer: no trigram twice, and a penalty on tokens already produced.
        return replace(plain, no_repeat_ngram_size=3, repetition_penalty=1.3) if safer else plain

    def translate(self, texts: list[str], safer: bool = False) -> list[str]:
        lengths = [self.count_tokens(t) for t in texts]
        order = sorted(range(len(texts)), key=lengths.__getitem__)
        english: list[str] = [""] * len(texts)
        batch: list[int] = []

        def flush() -> None:
            decoding = self.decoding(max(lengths[i] for i in batch), safer)
            outputs = self.engine.generate([texts[i] for i in batch], decoding)
            for i, text in zip(batch, outputs):
                english[i] = text

        for index in order:
            # Sorted ascending: the newest item is the longest, so it sets the padded size.
            if batch and (len(batch) + 1) * lengths[index] > self.max_batch_tokens:
                flush()
                batch = []
            batch.append(index)
        if batch:
            flush()
        return english


def _guarded(pieces: list[str], english: list[str], translator: BatchTranslator) -> list[dict]:
    """Retry flagged pieces (safer decoding, then split); return what stayed flagged."""
    settings = translator.settings
    flagged = [i for i, (s, e) in enumerate(zip(pieces, english)) if problem_with(s, e, settings)]
    if not flagged:
        return []
    first_problem = {i: problem_with(pieces[i], english[i], settings) for i in flagged}
    retried = translator.translate([pieces[i] for i in flagged], safer=True)
    actions = {}
    for i, text in zip(flagged, retried):
        english[i] = text
        actions[i] = "retried with safer decoding"

    still = [i for i in flagged if problem_with(pieces[i], english[i], settings)]
    for i in still:
        halves = cut_long(
            pieces[i], translator.count_tokens, translator.count_tokens(pieces[i]) // 2
        )
        if len(halves) > 1:
            english[i] = " ".join(translator.translate(halves, safer=True))
            actions[i] = "retried with safer decoding, then split"

    return [
        {
            "piece": i,
            "problem": first_problem[i],
            "action": actions[i],
            "resolved": problem_with(pieces[i], english[i], settings) is None,
        }
        for i in flagged
    ]


def _units(article: dict) -> list[tuple[int, str]]:
    """(paragraph index, sentence) of the title (index -1) and every body sentence."""
    units = [(-1, article["title"])] if article.get("title") else []
    for index, paragraph in enumerate(article.get("body", [])):
        units.extend((index, s) for s in split_sentences(paragraph))
    return units


def already_english(article: dict) -> bool:
    """Every body sentence reads as English: nothing to translate, no model to load."""
    body = [text for index, text in _units(article) if index >= 0]
    return bool(body) and all(is_english(text) for text in body)


def translate_article(article: dict, translator: BatchTranslator | None) -> dict:
    """The English of an article's title and body, with the sentence alignment kept.

    An article whose body is English (`already_english`) passes through whole, title
    included, and needs no translator; in any other article, each sentence already in
    English passes through untranslated (marked so).
    """
    units = _units(article)
    if already_english(article):
        # One decision for the whole article: an English headline without function words
        # ('Government Announces New Flood Relief Plan') goes with its English body.
        english_already = [True] * len(units)
    else:
        english_already = [is_english(text) for _, text in units]
    todo = [u for u, done in zip(range(len(units)), english_already) if not done]
    if todo and translator is None:
        raise ValueError("a translator is needed: not every sentence is English")

    pieces_per_unit: dict[int, list[str]] = {}
    if todo:
        limit = translator.settings.max_piece_tokens
        for u in todo:
            pieces_per_unit[u] = cut_long(units[u][1], translator.count_tokens, limit)
    flat = [piece for u in todo for piece in pieces_per_unit[u]]
    english_flat = translator.translate(flat) if flat else []
    guards = bool(flat) and translator.settings.guards
    piece_flags = _guarded(flat, english_flat, translator) if guards else []

    owner = [u for u in todo for _ in pieces_per_unit[u]]  # piece -> unit
    flags = []
    for flag in piece_flags:
        unit = owner[flag.pop("piece")]
        flags.append({"sentence": unit, "source": units[unit][1], **flag})

    english_iter = iter(english_flat)
    sentences = []
    for u, (paragraph, source) in enumerate(units):
        if english_already[u]:
            sentences.append(
                {"paragraph": paragraph, "source": source, "english": source, "pieces": 0,
                 "passed_through": True}
            )  # fmt: skip
            continue
        pieces = pieces_per_unit[u]
        english = " ".join(next(english_iter) for _ in pieces).strip()
        sentences.append(
            {"paragraph": paragraph, "source": source, "english": english, "pieces": len(pieces)}
        )
    paragraphs = [
        " ".join(s["english"] for s in sentences if s["paragraph"] == index)
        for index in range(len(article.get("body", [])))
    ]
    title = next((s["english"] for s in sentences if s["paragraph"] == -1), "")
    return {
        "title": title,
        "paragraphs": paragraphs,
        "sentences": sentences,
        "flags": flags,
        "engine": translator.engine.name if translator and flat else None,
        "already_english": not todo,
    }
