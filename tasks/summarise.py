"""English article -> a short English summary.

A summarisation model reads at most its input cap (BART: 1,024 tokens). A longer
article is cut on sentence boundaries into parts under the cap, each part is
summarised, and the partial summaries are summarised again, so the brief covers
the whole article instead of its first page. If the partial summaries stop getting
shorter (or five rounds were not enough), the final summary is written from the opening
sentences of every partial summary, and a flag says so; if even those do not fit, a flag
says exactly how much of the article the summary covers (docs/summaries.md). `lead`
needs no model: the first sentences of the translation, which cannot hallucinate.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from kabar.tasks.engines import Decoding, Engine
from kabar.tasks.faithfulness import unsupported_facts
from kabar.tasks.packing import TokenCount, pack
from kabar.tasks.sentences import split_sentences

SUMMARISE_VERSION = "4"  # bump when summarise_article's output changes for the same input
LEAD = "lead"  # the reserved summariser name that needs no model


@dataclass(frozen=True)
class SummarySettings:
    backend: str = "transformers"
    max_words: int = 80
    beams: int = 4
    max_new_tokens: int = 142  # distilbart-cnn's own generation length
    min_new_tokens: int | None = None  # None: the model's own generation_config decides
    # A summary naming numbers or names the translation lacks: "flag" it in the brief, or
    # "lead": replace it with the first sentences of the translation (and say so).
    unfaithful: str = "flag"
    prompt_template: str = ""  # prompts/brief.md, for instruction-following models only

    def to_dict(self) -> dict:
        return asdict(self)


class Seq2SeqSummariser:
    """A summarisation model (BART, Pegasus) on either backend, with its input cap."""

    def __init__(
        self, engine: Engine, settings: SummarySettings, input_cap: int = 1024, prompt: str = ""
    ) -> None:
        """`prompt`: for instruction-following models, the template with `{text}` still in it;
        each part of the article is put there. Its own tokens come off the input cap."""
        self.engine = engine
        self.settings = settings
        self.prompt = prompt
        overhead = engine.count_tokens(prompt.replace("{text}", "")) if prompt else 0
        self.input_cap = input_cap - overhead

    def count_tokens(self, text: str) -> int:
        return self.engine.count_tokens(text)

    def summarise(self, texts: list[str]) -> list[str]:
        if self.prompt:
            texts = [self.prompt.replace("{text}", text) for text in texts]
        decoding = Decoding(
            beams=self.settings.beams,
            max_new_tokens=self.settings.max_new_tokens,
            min_new_tokens=self.settings.min_new_tokens,
        )
        return self.engine.generate(texts, decoding)


def render_prompt(template: str, meta: dict) -> str:
    """The template with the article's title, date and outlet filled in, `{text}` left."""
    for key in ("title", "date", "outlet"):
        template = template.replace("{" + key + "}", str(meta.get(key) or "unknown"))
    return template


def pack_sentences(sentences: list[str], count_tokens: TokenCount, cap: int) -> list[str]:
    """Consecutive sentences joined into parts of at most `cap` tokens each.

    A single sentence over the cap is cut by words: the model must see all of it.
    """
    return pack(
        sentences, count_tokens, cap, cut=lambda sentence: _fit(sentence, count_tokens, cap)
    )


def _fit(sentence: str, count_tokens: TokenCount, cap: int) -> list[str]:
    if count_tokens(sentence) <= cap:
        return [sentence]
    words = sentence.split()
    half = len(words) // 2
    if half == 0:
        return [sentence]
    return _fit(" ".join(words[:half]), count_tokens, cap) + _fit(
        " ".join(words[half:]), count_tokens, cap
    )


def trim_to_words(text: str, max_words: int) -> tuple[str, bool]:
    """Whole sentences up to `max_words` words; (text, True) if it had to cut inside one."""
    kept: list[str] = []
    count = 0
    for sentence in split_sentences(text):
        words = len(sentence.split())
        if count + words > max_words:
            break
        kept.append(sentence)
        count += words
    if kept:
        return " ".join(kept), False
    words = text.split()
    return (" ".join(words[:max_words]) + (" …" if len(words) > max_words else "")), len(
        words
    ) > max_words


def lead_summary(english_paragraphs: list[str], max_words: int) -> str:
    return trim_to_words(" ".join(english_paragraphs), max_words)[0]


def summarise_article(
    translation: dict, summariser: Seq2SeqSummariser | None, settings: SummarySettings
) -> dict:
    """{'summary', 'flags', 'parts', 'covered_parts', 'rounds'} of a translated article; no
    summariser = lead. `covered_parts` of the `parts` reached the summary: all of them unless
    a flag says otherwise."""
    paragraphs = [p for p in translation.get("paragraphs", []) if p.strip()]
    if summariser is None:
        return {"summary": lead_summary(paragraphs, settings.max_words), "flags": [], "parts": 0}

    sentences = [s for p in paragraphs for s in split_sentences(p)]
    cap = summariser.input_cap - 2  # room for the special tokens
    parts = pack_sentences(sentences, summariser.count_tokens, cap)
    reduction = reduce_parts(parts, summariser, cap)
    summary = summariser.summarise([reduction.text])[0] if parts else ""
    text, cut = trim_to_words(summary, settings.max_words)
    flags = [] if reduction.whole else [coverage_flag(reduction, parts)]
    if cut:
        flags.append("summary cut inside a sentence to fit the word limit")
    if not text:
        flags.append("the summariser returned nothing")
    source = " ".join([translation.get("title", ""), *paragraphs])
    missing = unsupported_facts(text, source)
    if missing:
        shown = ", ".join(missing[:8]) + (", ..." if len(missing) > 8 else "")
        doubt = f"the summary mentions {shown}, which the translation does not"
        if settings.unfaithful == "lead":
            text = lead_summary(paragraphs, settings.max_words)
            doubt += ": replaced by the article's first sentences"
        flags.append(doubt)
    return {
        "summary": text,
        "flags": flags,
        "parts": len(parts),
        "covered_parts": reduction.covered,
        "rounds": reduction.rounds + 1,
    }


# ---- Map-reduce that cannot lose the end of an article silently ---------------------------

MAX_REDUCE_ROUNDS = 5  # a working summariser needs one or two; each round is a batch of calls
MIN_OPENING_TOKENS = 16  # a part's opening shorter than this says too little to stand for it


@dataclass(frozen=True)
class _Piece:
    """Text that stands for the article's parts `first` to `last` (counted from 0)."""

    text: str
    first: int
    last: int


@dataclass(frozen=True)
class Reduction:
    """The single input under the cap that the final summary is written from."""

    text: str
    covered: int  # how many of the article's parts, from the first, it stands for
    rounds: int  # reduce rounds run before it
    whole: bool  # summarised whole, as designed: no shortcut was needed


def reduce_parts(parts: list[str], summariser: Seq2SeqSummariser, cap: int) -> Reduction:
    """Summarise the parts, pack the partial summaries, repeat until one piece is left.

    A round that does not bring the pieces closer to one (a summariser that does not
    shorten, or lengthens) would only repeat itself, and rounds are capped; either way the
    final input is then made of the opening sentences of every piece (`_openings`), so the
    summary still covers the whole article, or says how much of it it covers."""
    pieces = [_Piece(text, i, i) for i, text in enumerate(parts)]
    rounds = 0
    while len(pieces) > 1 and rounds < MAX_REDUCE_ROUNDS:
        partials = summariser.summarise([piece.text for piece in pieces])
        rounds += 1
        summarised = [_Piece(t, p.first, p.last) for t, p in zip(partials, pieces, strict=True)]
        regrouped = _regroup(summarised, summariser.count_tokens, cap)
        if len(regrouped) >= len(pieces):
            pieces = summarised
            break
        pieces = regrouped
    if len(pieces) <= 1:
        return Reduction(pieces[0].text if pieces else "", len(parts), rounds, whole=True)
    text, covered = _openings(pieces, summariser.count_tokens, cap)
    return Reduction(text, covered, rounds, whole=False)


def coverage_flag(reduction: Reduction, parts: list[str]) -> str:
    """What a reader must know about a summary that took a shortcut."""
    if reduction.covered == len(parts):
        return (
            "the summariser did not shorten the text enough to summarise all "
            f"{len(parts)} parts of the article together, so the summary was written from the "
            f"opening sentences of their partial summaries (all {len(parts)} parts are covered)"
        )
    words = [len(part.split()) for part in parts]
    percent = 100 * sum(words[: reduction.covered]) // sum(words)
    share = f"about {percent}%" if percent else "less than 1%"
    return (
        f"the summary covers only the first {reduction.covered} of the article's {len(parts)} "
        f"parts ({share} of its text), from their opening sentences: the summariser did not "
        "shorten the article enough to fit the rest"
    )


def _regroup(pieces: list[_Piece], count_tokens: TokenCount, cap: int) -> list[_Piece]:
    """`pack` for pieces: joined in order under `cap`, each knowing which parts it stands for.
    A piece over the cap is cut by words first, as `pack_sentences` does."""
    cut = [_Piece(t, p.first, p.last) for p in pieces for t in _fit(p.text, count_tokens, cap)]
    groups: list[_Piece] = []
    for piece in cut:
        if groups and count_tokens(joined := f"{groups[-1].text} {piece.text}") <= cap:
            groups[-1] = _Piece(joined, groups[-1].first, piece.last)
        else:
            groups.append(piece)
    return groups


def _openings(pieces: list[_Piece], count_tokens: TokenCount, cap: int) -> tuple[str, int]:
    """(text under `cap`, parts covered): the opening sentences of every piece, each piece
    given an equal share of the cap; if the shares get too small to say anything, the
    openings of as many pieces as fit, from the first."""
    share = cap // len(pieces)
    while share >= MIN_OPENING_TOKENS:
        text = " ".join(_opening(piece.text, count_tokens, share) for piece in pieces)
        if count_tokens(text) <= cap:  # token counts of joined texts do not quite add up
            return text, pieces[-1].last + 1
        share -= max(1, share // 8)
    kept: list[str] = []
    covered = 0
    for piece in pieces:
        opening = _opening(piece.text, count_tokens, min(MIN_OPENING_TOKENS, cap))
        if kept and count_tokens(" ".join([*kept, opening])) > cap:
            break
        kept.append(opening)
        covered = piece.last + 1
    return " ".join(kept), covered


def _opening(text: str, count_tokens: TokenCount, budget: int) -> str:
    """The first sentences of `text` under `budget` tokens; the first words of the first
    sentence if even that is over."""
    kept: list[str] = []
    for sentence in split_sentences(text):
        if count_tokens(" ".join([*kept, sentence])) > budget:
            break
        kept.append(sentence)
    return " ".join(kept) if kept else _first_words(text, count_tokens, budget)


def _first_words(text: str, count_tokens: TokenCount, budget: int) -> str:
    """The longest run of `text`'s first words under `budget` tokens (at least one word)."""
    words = text.split()
    low, high = 1, len(words)  # binary search: count_tokens is the expensive part
    while low < high:
        middle = (low + high + 1) // 2
        if count_tokens(" ".join(words[:middle])) <= budget:
            low = middle
        else:
            high = middle - 1
    return " ".join(words[:low])
