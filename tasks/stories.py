"""Cleaned Indonesian articles -> stories: one story per real-world event, across outlets.

Two articles report the same event when they share its specifics (people, places, numbers,
quotes, wording) and appear within a few days of each other; an agency story copied onto
other sites is caught by its shingles even when retitled or trimmed. Topic alone is not
enough: two floods on one day share most of their vocabulary but not their regency, their
officials or their numbers, so names and numbers get a vector of their own, and the two
kinds of evidence are combined by a geometric mean: a pair must share both what happened
(words) and who and where (names), so neither a shared topic (two floods) nor a shared
institution and spokesman (two KPK cases) is enough alone. Agreement is not enough either when
the facts disagree: two events told on one template (an agency's quake report, the day's rate
of the rupiah) state the same kinds of fact with different values (magnitude 5,3 against 4,9,
Rp16.295 against Rp16.254 per dolar), so typed facts are read from the text and a pair that
states one kind differently loses most of its score (`conflicts`, `penalty`), while one that
states a specific fact alike (the rate decision's 5,25 persen, the crash at KM 102) gains a
little (`matching`): two readings of one decision can share few other words.

What a headline says is the event: another report of it uses the headline's words (the
suspect, the ship, the opponent) somewhere in its text, while a report of another event of
that topic, institution or team misses some of them. The smaller of the two headlines' shares
covered by the other article (`coverage`) is a third factor of the mean: it lets two reports
sharing little wording join when each covers what the other's headline says, and keeps apart
two cases of one institution whose wording is alike.

Where an event happened is a fact too: the places the text types (a regency by 'Kabupaten',
a locality by 'kawasan') that the headline names. One headline's regency missing from the
other article is a different place (dengue in Sikka, dengue in Kota Kupang); two headlines
naming one place tie a follow-up to its event across days, so such a pair loses nothing by the
day and is compared for three weeks, while the rest lose a little a day and are compared for
ten days (a suspect caught, a search called off); the next match, the next day's rate and the
next quake state their score, price or magnitude differently (typed facts).

`same_event` scores a pair with fixed weights and no corpus statistics, so a pair's score
never depends on what else is in the store: a story is a connected component of the pairs
scoring at least `THRESHOLD` (compared only within `WINDOW_DAYS`, or `LONG_WINDOW_DAYS` when
both headlines name one place), whatever order or batches the articles come in.
`StoryStore` keeps each article's features (hashed sparse vectors and a MinHash signature) in
SQLite, so an old article is never processed again, and a new article is compared only with
the articles of its date window and, through an index of the places headlines name, with
those of its long window that name one of its places (docs/stories.md).
"""

from __future__ import annotations

import hashlib
import math
import re
import sqlite3
import struct
import time
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np
from datasketch import MinHash
from scipy import sparse
from sklearn.feature_extraction import FeatureHasher

from kabar.tasks import sqlite

FEATURES_VERSION = "13"  # bump when features() changes: stored features are then stale

# The labelled tune set (tests/data/stories: dev, the spent frozen half and the spent blind
# sets, each in a store of its own). Set at 0.26 on the first ten sets, where no pair of two
# events of one set scored over 0.253; five sets written later as a natural stretch of news
# (blind15 to blind19) showed that margin cost recall (0.82 at precision 0.99): over all twenty
# sets, 0.23 to 0.235 gives the best pair F1 (precision 0.955, recall 0.944), the rest of
# 0.22 to 0.26 at most 0.01 less (docs/stories.md, Figures; bench/stories.py --tune).
THRESHOLD = 0.23  # a pair scoring at least this is the same event
# The exponent of the content words' cosine in the geometric mean (names and numbers: the rest):
# an even mean, no fitted preference for either kind of evidence.
W_TEXT = 0.5
# The exponent of the headlines' coverage (`coverage`) against the cosines' mean: a little
# under even (0.5 loses angles of one event that share few headline words).
W_COVERAGE = 0.4
DAY_PENALTY = 0.01  # score lost per day between the two articles
WINDOW_DAYS = 10.0  # articles further apart than this are compared only when ...
LONG_WINDOW_DAYS = 21.0  # ... both headlines name one place (`agree`), up to this
# Conflicting facts (`conflicts`): two articles stating one kind of fact (a magnitude, a rate)
# with different values report two events, whatever their wording shares; only a near-copy
# (MinHash Jaccard over 0.81) survives it. A headline whose regency or city the other article
# never names is another place, and costs more than the threshold (on twelve labelled sets it
# fired on 2 of 560 pairs of one event; at 0.15 two school-meal poisonings a day apart in
# Cianjur and Sukabumi, whose headlines share a template, stayed joined); one whose other names
# it mostly never names costs a fifth (a report's own angle names a hospital or a survivor).
CONFLICT_PENALTY = 0.5
PLACE_PENALTY = 0.3
NAMES_PENALTY = 0.05
# A specific fact stated alike (`matching`): what it adds. On the labelled sets the pairs it
# joins scored 0.14 to 0.23 (a rate decision's readings share few words and names); 0.1 is the
# least that joins most of them, and under THRESHOLD, so that it alone joins nothing.
FACT_BONUS = 0.1

CHUNK = 256  # new articles scored against the store at once: bounds the product's size
NUM_PERM = 64
N_FEATURES = 2**20
WIB = timezone(timedelta(hours=7))  # Indonesian sites print local time; the cleaner assumes WIB


@dataclass(frozen=True)
class StoryArticle:
    article_id: str
    title: str
    body: list[str]  # Indonesian paragraphs (the cleaner's output)
    published: str | None  # ISO 8601
    outlet: str = ""
    url: str | None = None


@dataclass(frozen=True)
class Story:
    story_id: str
    article_ids: list[str]  # oldest first
    date: str | None  # earliest member's published
    updated: str | None  # newest member's published


# --- words ----------------------------------------------------------------------------------

# Function words, reporting verbs and calendar words: shared by any two Indonesian articles.
STOPWORDS = frozenset(
    """
    ada adalah adanya agar akan akhirnya aku anda antara apa apabila apakah atas atau bagai
    bagaimana bagi bahkan bahwa baik banyak baru bawah beberapa begitu belum benar berada
    berbagai bersama besar bila bisa boleh bukan cukup dalam dan dapat dari daripada demi
    dengan di dia diri dirinya dua hal hampir hanya hari harus hingga ia ialah ini itu jadi jika
    juga jumlah kali kalau kami kamu karena ke kedua kemudian kepada kerap ketika kini kita
    lagi lain lalu lama lebih maka mampu mana masih masing mereka meski meskipun mulai namun
    nya oleh pada padahal para pernah pula pun saat saja salah sama sampai sangat satu saya
    sebagai sebab sebelum sebelumnya sedang sedangkan sehingga sejak sekitar selain selama
    seluruh semua sementara sendiri seperti serta setelah sudah supaya tak tanpa tapi telah
    tentang terhadap terjadi termasuk tersebut tetapi tiga tidak tiap turut untuk usai walau
    yaitu yakni yang se per pukul sekira sekitarnya hanya apalagi akibat akibatnya
    kata katanya mengatakan menyatakan menjelaskan menuturkan mengungkapkan menambahkan ujar
    ujarnya tutur tuturnya jelas jelasnya ungkap ungkapnya tambah tambahnya sebut menyebut
    menyebutkan dikutip mengutip dilansir melansir kepada wartawan diketahui disebutkan
    senin selasa rabu kamis jumat sabtu minggu pagi siang sore malam kemarin besok lusa
    januari februari maret april mei juni juli agustus september oktober november desember
    jan feb mar apr jun jul agu sep okt nov des wib wita wit tahun bulan pekan tanggal
    antara kompas com detik detikcom republika tempo co id liputan6 cnn okezone tribunnews
    """.split()
)
# Capitalised words that name a rank or a kind of place, not a particular one.
GENERIC_NAMES = frozenset(
    """
    presiden wakil menteri gubernur bupati wali walikota kota kabupaten provinsi desa kecamatan
    kelurahan kepala ketua direktur jenderal sekretaris juru bicara kapolres kapolda kapolri
    kapolsek polisi polres polda polri kementerian badan dinas komisi dewan rakyat daerah
    jalan kampung dusun rt rw pt tbk persero indonesia ri pemerintah pemkab pemkot pemprov
    bapak ibu pak bu haji dr ir prof mayor kolonel letnan brigjen irjen kombes akbp
    """.split()
)

_TOKEN = re.compile(r"[^\W_]+(?:[.,:/-][^\W_]+)*")
_TIME = re.compile(r"^\d{1,2}[.:]\d{2}$")  # 18.43, 09:00
_YEAR = re.compile(r"^(19|20)\d{2}$")
_THOUSANDS = re.compile(r"(?<=\d)\.(?=\d{3}(?:\D|$))")
_CURRENCY = re.compile(r"^(rp|us\$|\$)(?=\d)")


@lru_cache(maxsize=4096)
def _tokens(text: str) -> tuple[tuple[str, bool, bool], ...]:
    """(normalised token, written capitalised, first of its sentence) for each word of `text`.
    Dates (14/9/2020), times (18.43) and years are left out: two events of one day share them.
    Kept for the last texts seen: an article's features read its title and paragraphs several
    times (words, names, capitals, the headline's words and places, shingles)."""
    return tuple(_scan(text))


def _scan(text: str) -> Iterator[tuple[str, bool, bool]]:
    for match in _TOKEN.finditer(text):
        raw, start = match.group(), match.start()
        before = text[max(0, start - 4) : start].rstrip(" \"'(")
        first = (not before and start < 4) or before.endswith((".", "!", "?"))
        if "/" in raw or _TIME.match(raw) or _YEAR.match(raw):
            continue
        token = _THOUSANDS.sub("", raw.lower())  # 7.000 -> 7000, as another outlet may write it
        token = _CURRENCY.sub("", token)  # Rp2,5 -> 2,5 (Rp 2,5 is split the same way)
        if token:
            yield token, raw[0].isupper(), first


def _is_content(token: str) -> bool:
    return token not in STOPWORDS and (len(token) > 2 or any(c.isdigit() for c in token))


def _log_counts(counts: Counter[str]) -> dict[str, float]:
    return {token: 1.0 + math.log(n) for token, n in counts.items()}


def _text_terms(article: StoryArticle) -> dict[str, float]:
    """Content words and bigrams of adjacent content words; the title's count twice."""
    counts: Counter[str] = Counter()
    for text, times in [(article.title, 2)] + [(p, 1) for p in article.body]:
        words = [t for t, _, _ in _tokens(text) if _is_content(t)]
        for _ in range(times):
            counts.update(words)
            counts.update(f"{a} {b}" for a, b in zip(words, words[1:]))
    return _log_counts(counts)


def _name_terms(article: StoryArticle) -> dict[str, float]:
    """Names (capitalised words of the body, not a rank or a kind of place) and numbers.
    A sentence's first word counts only if the body also capitalises it mid-sentence: titles
    and sentence starts are capitalised whatever the word is."""
    seen: list[tuple[str, bool, bool]] = [t for p in article.body for t in _tokens(p)]
    mid_capitals = {t for t, cap, first in seen if cap and not first}
    counts: Counter[str] = Counter()
    for token, capital, first in seen:
        if not _is_content(token) or token in GENERIC_NAMES:
            continue
        if any(c.isdigit() for c in token) or (capital and (not first or token in mid_capitals)):
            counts[token] += 1
    return _log_counts(counts)


def _capitals(article: StoryArticle) -> set[str]:
    """Every word written capitalised in the title or the body, numbers aside, and the short
    forms Indonesian news makes of two capitalised words in a row (`_short_forms`)."""
    found: set[str] = set()
    for text in [article.title, *article.body]:
        run: list[str] = []
        for token, capital, _ in _tokens(text):
            if capital and not any(c.isdigit() for c in token):
                found.add(token)
                if run:
                    found |= _short_forms(run[-1], token)
                    found.add(f"{run[-1]} {token}")  # a regency of two words, as a phrase
                run.append(token)
            else:
                run = []
    return found


def _short_forms(first: str, second: str) -> set[str]:
    """A region or body named by the starts of its two words: Musi Banyuasin is Muba, Kutai
    Kartanegara Kukar, Jakarta Barat Jakbar, Sumatera Utara Sumut, Jawa Timur Jatim. Ranks
    and kinds of place make none (Bupati Sikka is no 'Busik')."""
    if first in GENERIC_NAMES or second in GENERIC_NAMES:
        return set()
    if not (first.isalpha() and second.isalpha()):
        return set()
    return {first[:i] + second[:j] for i in (2, 3, 4) for j in (2, 3, 4) if i + j >= 4}


def _title_names(article: StoryArticle) -> set[str]:
    """The headline's names: its words that the body writes capitalised mid-sentence (a
    title-case headline capitalises every word), less ranks, kinds of place and function
    words. What a headline names is the event's who and where (Batang Seruyan, Cengkareng,
    PT Sarana Niaga Pangan): another report of the event names them too."""
    seen = [t for p in article.body for t in _tokens(p)]
    mid_capitals = {t for t, cap, first in seen if cap and not first}
    return {
        t
        for t, _, _ in _tokens(article.title)
        if t in mid_capitals
        and t not in GENERIC_NAMES
        and _is_content(t)
        and len(t) > 3
        and not any(c.isdigit() for c in t)
    }


def _headline_words(article: StoryArticle) -> set[str]:
    """The headline's content words, less ranks and kinds of place ('Menteri', 'Kabupaten'):
    what the headline says happened, to whom and where."""
    return {t for t, _, _ in _tokens(article.title) if _is_content(t) and t not in GENERIC_NAMES}


def _all_words(article: StoryArticle) -> set[str]:
    return {t for text in [article.title, *article.body] for t, _, _ in _tokens(text)}


# Places, as the text types them: a regency or city is named after its kind or its offices
# ('Kabupaten Pati', 'Kota Kupang', 'Bupati Sikka', 'BPBD Jepara', 'Kejari Blora'), a locality
# within one after its kind ('kawasan Sitinjau Lauik', 'Kecamatan Juwana', 'perairan
# Tanjungbalai', 'Jembatan Brang Rea': a bridge that fell and reopens is one event for weeks).
# A name typed so is a place, not a topic word, and the headline says which of
# the places the text names is where the event happened. An outlet's dateline ('Semarang
# (ANTARA) -' over a Blora verdict) is where it wrote, so it types nothing.
_REGION_KINDS = (
    r"Kabupaten|Kab\.|Kota|Pemkab|Pemkot|Pemerintah Kabupaten|Pemerintah Kota|Bupati|"
    r"Wakil Bupati|Wali Kota|Walikota|Wakil Wali Kota|BPBD|Polres Metro|Kapolres Metro|Polres|"
    r"Polresta|Kapolres|Kapolresta|"
    r"Kejari|Kejaksaan Negeri|Pengadilan Negeri|DPRD|Dinkes|Dinas Kesehatan"
)
_LOCALITY_KINDS = r"[Kk]awasan|[Pp]erairan|Kecamatan|Desa|Kelurahan|Jembatan"
_PLACE_NAME = r"[A-Z][\w'-]*(?:\s+[A-Z][\w'-]*){0,2}"  # up to three capitalised words


def _typed(kinds: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{kinds})\s+(?:(?:{_REGION_KINDS})\s+)*({_PLACE_NAME})")


_REGION = _typed(_REGION_KINDS)
_LOCALITY = _typed(_LOCALITY_KINDS)
# 'Utara' alone names no place: a headline's place must hold one of its names besides
_DIRECTIONS = frozenset("utara barat timur selatan tengah raya".split())


def _typed_places(article: StoryArticle, pattern: re.Pattern[str]) -> list[list[str]]:
    """The names `pattern` types in the body, each as its words (normalised as `_tokens`)."""
    return [[t for t, _, _ in _tokens(m[1])] for p in article.body for m in pattern.finditer(p)]


def _headline_places(
    article: StoryArticle, names: set[str] | None = None
) -> tuple[set[str], set[str]]:
    """The places the headline names, as the body types them: (its regencies and cities,
    each as a phrase, so that Luwu Utara is not Luwu Timur; its places of any kind, each as a
    phrase).
    'Banjir rendam 4.312 rumah di Pati' over a body naming 'Kabupaten Pati' names Pati;
    'Jalur Sitinjau Lauik kembali dibuka' over 'kawasan Sitinjau Lauik', a locality. A typed
    name runs on into whatever capitalised words follow it ('Bupati Sikka Fransiskus Da
    Costa'): the headline says how much of it is the place. Phrases, so that Danau Toba and
    Danau Limboto, Sungai Rambai and a Sungai Bone, are different places."""
    names = _title_names(article) if names is None else names  # the headline's names
    headline = " " + " ".join(_where_it_happened(article.title)) + " "
    regions: set[str] = set()
    places: set[str] = set()
    for pattern in (_REGION, _LOCALITY):
        for words in _typed_places(article, pattern):
            while words and f" {' '.join(words)} " not in headline:
                words = words[:-1]  # the longest start of the name that the headline gives
            if not words or not names & set(words) - _DIRECTIONS:
                continue
            places.add(" ".join(w for w in words if w not in GENERIC_NAMES))  # Malang Kota
            if pattern is _REGION:  # as a phrase: Luwu Utara is not Luwu Timur
                regions.add(" ".join(w for w in words if w not in GENERIC_NAMES))
    return regions, places


# 'Perampok Toko Emas di Bekasi Ditangkap di Lampung', 'Polisi Tangkap 3 Perampok ... di
# Lampung': after an arrest, 'di' names where the suspects were caught, not where it happened
_ARREST = frozenset(
    "tangkap ditangkap menangkap tertangkap ringkus diringkus meringkus bekuk dibekuk membekuk"
    " ciduk diciduk menciduk".split()
)


def _where_it_happened(title: str) -> list[str]:
    """The headline's tokens less the places named after an arrest ('di Lampung')."""
    kept, arrested = [], False  # an arrest holds for the rest of the headline ...
    for clause in re.split(r"[,:;]", title):  # ... a place's words end with their clause
        caught_at = False
        for token, capital, _ in _tokens(clause):
            if caught_at and capital:
                continue  # the place's words
            caught_at = arrested and token == "di"
            arrested = arrested or token in _ARREST
            if not caught_at:
                kept.append(token)
    return kept


def _shingles(article: StoryArticle, n: int = 4) -> set[bytes]:
    """Word n-grams of the body, function words kept: what a copy keeps and a rewrite loses."""
    words = [t for p in article.body for t, _, _ in _tokens(p)]
    return {" ".join(words[i : i + n]).encode() for i in range(max(1, len(words) - n + 1))}


# --- features and the pairwise score -------------------------------------------------------


@dataclass(frozen=True)
class Sparse:
    """A hashed, l2-normalised term vector: sorted feature indices and their float32 values."""

    indices: np.ndarray
    values: np.ndarray


@dataclass(frozen=True)
class Features:
    """What the score needs of an article, kept in the store so it is computed once."""

    text: Sparse  # content words and bigrams
    names: Sparse  # names and numbers
    # The headline's words (each 1 / their number) and every word of the article (each 1): a
    # product of one's headline with the other's words is the share of the headline it covers.
    headline: Sparse
    words: Sparse
    signature: np.ndarray  # NUM_PERM uint32 MinHash values of the body's shingles
    title_names: frozenset[int]  # hashes of the headline's names (`_title_names`)
    capitals: frozenset[int]  # hashes of every capitalised word of title and body
    # Typed facts (`_facts`): (kind hash, value hash) of every value stated, and of each kind's
    # first-stated value (its lead).
    facts: frozenset[tuple[int, int]] = frozenset()
    leads: frozenset[tuple[int, int]] = frozenset()
    # Hashes of the places the headline names (`_headline_places`): regencies and cities, and
    # places of any kind (those and localities).
    regions: frozenset[int] = frozenset()
    places: frozenset[int] = frozenset()
    # The facts of `MATCHING_KINDS` (their values and leads, as `facts` and `leads`): stated
    # alike, they are evidence of one event (`matching`).
    matched: frozenset[tuple[int, int]] = frozenset()
    match_leads: frozenset[tuple[int, int]] = frozenset()

    def to_bytes(self) -> bytes:
        title, numbers = sorted(self.title_names), sorted(self.capitals)
        facts, leads = sorted(self.facts), sorted(self.leads)
        matched, match_leads = sorted(self.matched), sorted(self.match_leads)
        regions, places = sorted(self.regions), sorted(self.places)
        vectors = (self.text, self.names, self.headline, self.words)
        sizes = (*(len(v.indices) for v in vectors), len(title), len(numbers))
        counts = (len(facts), len(leads), len(matched), len(match_leads))
        parts = [struct.pack("<12I", *sizes, *counts, len(regions), len(places))]
        for vector in vectors:
            parts += [vector.indices.astype("<u4").tobytes(), vector.values.astype("<f4").tobytes()]
        parts.append(self.signature.astype("<u4").tobytes())
        pairs = [x for pair in facts + leads + matched + match_leads for x in pair]
        hashes = title + numbers + pairs + regions + places
        parts.append(np.array(hashes, dtype="<u4").tobytes())
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Features:
        *sizes, n_title, n_numbers = struct.unpack_from("<6I", blob)
        n_facts, n_leads, n_matched, n_match_leads, n_regions, n_places = struct.unpack_from(
            "<6I", blob, 24
        )
        offset = 48
        vectors = []
        for nnz in sizes:
            indices = np.frombuffer(blob, "<u4", nnz, offset)
            values = np.frombuffer(blob, "<f4", nnz, offset + 4 * nnz)
            offset += 8 * nnz
            vectors.append(Sparse(indices, values))
        signature = np.frombuffer(blob, "<u4", NUM_PERM, offset)
        n_pairs = 2 * (n_facts + n_leads + n_matched + n_match_leads)
        count = n_title + n_numbers + n_pairs + n_regions + n_places
        hashes = np.frombuffer(blob, "<u4", count, offset + 4 * NUM_PERM).tolist()
        title, rest = hashes[:n_title], hashes[n_title:]
        numbers, rest = rest[:n_numbers], rest[n_numbers:]
        pairs, rest = list(zip(rest[:n_pairs:2], rest[1:n_pairs:2])), rest[n_pairs:]
        leads, matched = n_facts + n_leads, n_facts + n_leads + n_matched  # where each starts
        return cls(
            *vectors,
            signature,
            frozenset(title),
            frozenset(numbers),
            frozenset(pairs[:n_facts]),
            frozenset(pairs[n_facts:leads]),
            frozenset(rest[:n_regions]),
            frozenset(rest[n_regions:]),
            frozenset(pairs[leads:matched]),
            frozenset(pairs[matched:]),
        )


_HASHER = FeatureHasher(n_features=N_FEATURES, input_type="dict", alternate_sign=False)


def _hashed(terms: dict[str, float]) -> Sparse:
    """`terms` hashed and l2-normalised."""
    indices, values = _hashed_raw(terms)
    norm = float(np.sqrt(values @ values))
    # float32, as stored: a pair scores the same fresh or read back from the store
    return Sparse(indices, (values / norm if norm else values).astype(np.float32))


def _hashed_share(words: set[str]) -> Sparse:
    """`words` hashed, each worth 1 / their number: the headline side of a coverage."""
    indices, values = _hashed_raw({w: 1.0 / len(words) for w in words})
    return Sparse(indices, values.astype(np.float32))


def _hashed_set(words: set[str]) -> Sparse:
    """`words` hashed, each bucket 1 (two words in one bucket still count once)."""
    indices, _ = _hashed_raw({w: 1.0 for w in words})
    return Sparse(indices, np.ones(len(indices), np.float32))


def _hashed_raw(terms: dict[str, float]) -> tuple[np.ndarray, np.ndarray]:
    row = _HASHER.transform([terms]).tocsr()
    row.sum_duplicates()  # sorted indices, each once
    return row.indices.astype(np.uint32), row.data.astype(np.float64)


def _dots(new: Sparse, others: list[Sparse]) -> np.ndarray:
    """Cosine of `new` with each of `others` (all l2-normalised): every index of the others,
    looked up among the new vector's sorted indices at once."""
    result = np.zeros(len(others))
    if not len(new.indices) or not others:
        return result
    lengths = np.fromiter((len(o.indices) for o in others), np.int64, len(others))
    indices = np.concatenate([o.indices for o in others])
    values = np.concatenate([o.values for o in others]).astype(np.float64)
    rows = np.repeat(np.arange(len(others)), lengths)
    at = np.minimum(np.searchsorted(new.indices, indices), len(new.indices) - 1)
    hit = new.indices[at] == indices
    weights = values[hit] * new.values[at[hit]].astype(np.float64)
    return np.bincount(rows[hit], weights=weights, minlength=len(others))


def _word_hash(word: str) -> int:
    return zlib.crc32(word.encode())


# MinHash draws its permutations from the seed on every construction: draw them once. The
# scheme is named so that a later datasketch default cannot change stored signatures' meaning.
MINHASH_SCHEME = "affine32"
_PERMUTATIONS = MinHash(NUM_PERM, seed=1, scheme=MINHASH_SCHEME).permutations


# --- facts ----------------------------------------------------------------------------------

# Two reports of one event agree on its key facts when both state them; two events told on one
# template (an agency's quake report, a daily rate or price) state the same kinds of fact with
# different values. A kind here is one that an event has once: its magnitude, its depth, its
# epicentre, a price or rate per unit, a stock index's level. Counts of people (victims, the
# injured, evacuees) are not facts of this sense: they rise across the follow-ups of one event.
_AMOUNT = r"\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:,\d+)?"  # 16.310, 1.658.000, 5,3, 86
# No price per kg: a market piece quotes rice or chilli by grade, market and trade level
# (retail, wholesale, the ceiling price), so its first price per kg names no event, and two
# reports of one price rise lead with different ones.
_UNITS = {
    "dolar": "dolar", "dollar": "dolar", "usd": "dolar", "gram": "gram", "gr": "gram",
    "liter": "liter", "barel": "barel", "ons": "ons", "ounce": "ons",
    "ton": "ton", "saham": "saham", "kwh": "kwh", "ekor": "ekor", "butir": "butir",
}  # fmt: skip
_UNIT = "|".join(sorted(_UNITS, key=len, reverse=True))
_SCALES = {"ribu": 10**3, "juta": 10**6, "miliar": 10**9}
_SCALE = "|".join(_SCALES)
_FACT_PATTERNS = [
    ("magnitude", re.compile(r"\b(?:ber)?magnitudo\s+(\d+(?:[.,]\d)?)\b", re.I)),
    ("magnitude", re.compile(r"\bM\s?(\d[.,]\d)\b")),  # 'Gempa M 5,3' (capital M only)
    ("magnitude", re.compile(r"\b(\d[.,]\d)\s*(?:SR\b|skala richter)", re.I)),
    ("depth", re.compile(r"\bkedalaman\s+(\d+(?:,\d+)?)\s*(?:km|kilometer)\b", re.I)),
    ("coordinate", re.compile(r"\b(\d+(?:[.,]\d+)?)\s*(?:derajat\s*|°\s*)?(LS|LU|BT|BB)\b")),
    # Rp16.295 per dolar AS, Rp1.658.000/gram, Rp2,278 juta per gram, US$75 per barel
    (
        "price",
        re.compile(
            rf"(?:\bRp|US\$|\$)\s?({_AMOUNT})(?:\s*({_SCALE}))?\s*(?:per|/)\s*({_UNIT})\b",
            re.I,
        ),
    ),
    # 3.310 dolar AS per ons troi, 3.980 dolar AS per troi ons
    (
        "price",
        re.compile(
            rf"\b({_AMOUNT})(?:\s*({_SCALE}))?\s*dolar(?:\s+AS)?\s+per\s+(?:tro[iy]\s+)?"
            r"(ons|ounce|barel|ton|gram)\b",
            re.I,
        ),
    ),
    # 'Dolar AS kini berada di level Rp16.627', 'dolar AS menjadi Rp16.610': the rate without 'per'
    (
        "price",
        re.compile(
            rf"\bdolar (?:AS|Amerika Serikat)\b[^.;]{{0,40}}?\b(?:level|posisi|jadi|menjadi|ke)"
            rf"\s+Rp\s?({_AMOUNT})",
            re.I,
        ),
    ),
    # a match's score: 'menang 2-1 atas PSM', 'ditahan imbang Persik 1-1', 'kalah 1-2 dari'
    (
        "score",
        re.compile(
            r"\b(?:skor|menang|kalah|imbang|unggul|tundukkan|menundukkan|kalahkan|mengalahkan|"
            r"bungkam|membungkam|tekuk|menekuk|libas|melibas|taklukkan|menaklukkan|vs)\b"
            r"[^.;]{0,40}?\b(\d{1,2})-(\d{1,2})\b(?!\s*(?:persen|%|tahun|hari|jam|menit))",
            re.I,
        ),
    ),
    ("score", re.compile(r"\b(?:imbang|berakhir|hasil|laga)\s+(tanpa)\s+gol\b", re.I)),  # 0-0
    # a seizure's drugs: '42 kg sabu', '40.000 butir ekstasi' (one police force's two busts)
    (
        "seized",
        re.compile(
            rf"\b({_AMOUNT})\s*(kg|kilogram|gram|ton|butir|batang)\s+"
            r"(sabu|sabu-sabu|ganja|ekstasi|kokain|heroin|tembakau sintetis)\b",
            re.I,
        ),
    ),
    # a toll road's kilometre post: the bus crash at KM 102 is not the minibus at KM 150
    ("km", re.compile(r"\bKM\s?(\d{1,3})(?:\s?\+\s?\d+)?\b")),
    # the central bank's rate: 'BI-Rate ... menjadi 5,25 persen', 'suku bunga acuan di level 5%'
    (
        "policy rate",
        re.compile(
            r"\b(?:BI-?Rate|BI Rate|suku bunga acuan|bunga acuan)\b[^.;]{0,80}?"
            r"\b(?:menjadi|jadi|ke|level|sebesar|di)\s+(\d{1,2}(?:,\d{1,2})?)\s*(?:persen|%)",
            re.I,
        ),
    ),
    (
        "index",  # IHSG ditutup menguat ... ke level 7.123,45
        re.compile(
            r"\b(?:IHSG|LQ45|indeks harga saham gabungan)\b[^.;]{0,80}?"
            r"\b(?:level|posisi|ke|di)\s+(\d{1,3}(?:\.\d{3})*,\d{1,3})",
            re.I,
        ),
    ),
]
# A value said to be the day before's ('dari sebelumnya Rp16.257', 'Rp1.650.000 per gram pada
# perdagangan sebelumnya') is the previous event's fact, not this one's.
_PREVIOUS_BEFORE = re.compile(
    r"(?:sebelumnya|kemarin)\W*(?:di|ke|pada|sebesar|level|posisi)?\W*$", re.I
)
_PREVIOUS_AFTER = re.compile(
    r"(?:\s*(?:AS|Amerika Serikat|\(AS\)))*\s*(?:pada\s+)?"
    r"(?:perdagangan|penutupan|hari|akhir pekan)?\s*(?:sebelumnya|kemarin)",
    re.I,
)
# A sentence that opens on the day before ('Sehari sebelumnya, emas Antam dijual Rp2.275.000
# per gram.', 'Pada perdagangan kemarin, ...') states that day's prices and levels: a daily
# series' previous value, not this piece's. Only those kinds: a quake report's 'Sebelumnya,
# BMKG menyebut magnitudo 5,6' is the same event's first figure, which a follow-up repeats.
_PREVIOUS_SENTENCE = re.compile(
    r"^\W*(?:\w+\s+){0,3}?(?:sehari sebelumnya|hari sebelumnya|sebelumnya|kemarin)\b", re.I
)
# A sentence on the aftershocks ('gempa susulan ... terbesar bermagnitudo 5,8') gives their
# magnitudes: the same event's, not its own figure.
_AFTERSHOCK = re.compile(r"\bsusulan\b", re.I)
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[\"'(]?[A-Z])")
SERIES_KINDS = ("price", "index")
LEAD_ONLY_KINDS = ("score", "km", "seized")
# Kinds whose value, stated alike in two articles of ten days, is one event's: on 23 labelled
# sets no two events within ten days shared one (26 pairs of one event did, scoring under the
# threshold: a rate decision and the economists' or the banks' reading of it, a quake and the
# damage days later, a crash and its survivor's story). Not a match's score (1-0 is common),
# a quake's depth (10 km is), nor a daily series' price or index (gold can close unchanged).
MATCHING_KINDS = ("magnitude", "coordinate", "km", "seized", "policy rate")
# The central bank's rate is never a conflict: a piece may cite the Fed's first.
MATCH_ONLY_KINDS = ("policy rate",)
_SEIZED_UNITS = {"kilogram": "kg"}


def _amount(text: str) -> str:
    """'16.310' and '16310', '5,3' and '5.3' alike: thousands dots dropped, decimal comma a
    dot (a magnitude's '5.3' keeps its dot: one digit after it is never thousands)."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+(?:,\d+)?", text):
        text = text.replace(".", "")
    return text.replace(",", ".")


def _scaled(value: str, scale: int) -> str:
    """'2.278' juta -> '2278000', as `_amount` writes the same price given in full."""
    whole, _, fraction = value.partition(".")
    digits = len(str(scale)) - 1
    if len(fraction) > digits:
        return value  # finer than the scale: leave it as written
    return str(int(whole + fraction.ljust(digits, "0")))


def _facts(article: StoryArticle) -> list[tuple[str, str]]:
    """(kind, value) of each typed fact the title and body state, in the order stated (the
    title first). Kinds: 'magnitude', 'depth', 'coordinate LS' (and LU, BT, BB), 'price per
    <unit>', 'index', the central bank's 'policy rate' (`MATCH_ONLY_KINDS`), and, the first
    stated only (`LEAD_ONLY_KINDS`), a match's 'score', a toll road's 'km' post and a
    seizure's drugs ('seized sabu in kg')."""
    found: list[tuple[str, str, str]] = []  # (kind, kind as named, value)
    sentences = [s for text in [article.title, *article.body] for s in _SENTENCE.split(text)]
    for text in sentences:
        here = []
        previous = bool(_PREVIOUS_SENTENCE.match(text))
        aftershocks = bool(_AFTERSHOCK.search(text))
        for kind, pattern in _FACT_PATTERNS:
            if (previous and kind in SERIES_KINDS) or (aftershocks and kind == "magnitude"):
                continue
            for match in pattern.finditer(text):
                before = text[max(0, match.start() - 30) : match.start()]
                if _PREVIOUS_BEFORE.search(before) or _PREVIOUS_AFTER.match(text, match.end()):
                    continue
                value, *qualifier = match.groups()
                if kind == "score" and qualifier and max(int(value), int(qualifier[0])) > 15:
                    continue  # a badminton or volleyball game's points (21-19), not goals
                here.append((match.start(), kind, *_named_fact(kind, _amount(value), qualifier)))
        found += [fact for _, *fact in sorted(here)]
    # A match's score, a crash's kilometre post and a seizure are the first stated: a later
    # one is an earlier event's, recalled ('three days after winning 2-1 against Borneo FC',
    # 'two days after the bus crash at KM 102').
    seen: set[str] = set()
    facts = []
    for kind, named, value in found:
        if kind not in LEAD_ONLY_KINDS or named not in seen:
            facts.append((named, value))
        seen.add(named)
    return facts


def _named_fact(kind: str, value: str, qualifier: list[str]) -> tuple[str, str]:
    """A fact's kind as compared (a price per its unit, a coordinate per its axis) and its
    value as compared (a score's goals high first, a price in full)."""
    if kind == "price" and not qualifier:
        return "price per dolar", value  # the rate named by its currency
    if kind == "price":
        scale, unit = qualifier
        return f"price per {_UNITS[unit.lower()]}", (
            _scaled(value, _SCALES[scale.lower()]) if scale else value
        )
    if kind == "score":  # 2-1 and 1-2 are one result told from either side
        goals = (value, qualifier[0]) if qualifier else ("0", "0")  # 'tanpa gol'
        return kind, "-".join(sorted(goals, key=int, reverse=True))
    if kind == "seized":
        unit, drug = (q.lower() for q in qualifier)
        return f"seized {drug.split('-')[0]} in {_SEIZED_UNITS.get(unit, unit)}", value
    if kind == "coordinate":
        return f"coordinate {qualifier[0]}", value
    if kind == "policy rate":  # 5,00% and 5 persen alike
        return kind, f"{float(value):g}"
    return kind, value


def _fact_hash(text: str) -> int:
    return zlib.crc32(text.encode())


def features(article: StoryArticle) -> Features:
    minhash = MinHash(NUM_PERM, seed=1, permutations=_PERMUTATIONS, scheme=MINHASH_SCHEME)
    minhash.update_batch(list(_shingles(article)))
    title_names = _title_names(article)
    regions, places = _headline_places(article, title_names)
    facts, leads, matched, match_leads = set(), {}, set(), {}
    for kind, value in _facts(article):
        pair = (_fact_hash(kind), _fact_hash(value))
        if not kind.startswith(MATCH_ONLY_KINDS):
            facts.add(pair)
            leads.setdefault(pair[0], pair)
        if kind.startswith(MATCHING_KINDS):
            matched.add(pair)
            match_leads.setdefault(pair[0], pair)
    return Features(
        text=_hashed(_text_terms(article)),
        names=_hashed(_name_terms(article)),
        headline=_hashed_share(_headline_words(article)),
        words=_hashed_set(_all_words(article)),
        signature=minhash.hashvalues.astype(np.uint32),
        title_names=frozenset(map(_word_hash, title_names)),
        capitals=frozenset(map(_word_hash, _capitals(article))),
        facts=frozenset(facts),
        leads=frozenset(leads.values()),
        regions=frozenset(map(_word_hash, regions)),
        places=frozenset(map(_word_hash, places)),
        matched=frozenset(matched),
        match_leads=frozenset(match_leads.values()),
    )


def conflicts(a: Features, b: Features) -> tuple[int, int, int]:
    """How `a` and `b` disagree: (kinds of fact they state differently, 1 if a headline's
    regency or city is missing from the other, 1 if a headline's names mostly are).

    A kind is stated differently when both articles state it and neither's first value of it
    (its lead) is among the other's values: 'magnitudo 5,3' against 'magnitudo 4,9', the
    rupiah at Rp16.295 against Rp16.254 per dolar. A value one states and the other does not
    is no conflict (absence is not disagreement), and a follow-up that repeats the first
    report's figure beside a new one agrees with it.

    A headline names the event's who and where (`_title_names`: Batang Seruyan, Cengkareng,
    PT Sarana Niaga Pangan); another report of the event names them too, while two cases of
    one institution (two MK disputes, two KPK cases, two busts of one police force) share its
    name, its spokesman and its building but not the subject. Names count when at least two
    of a headline's names, and more than half of them, appear nowhere in the other article (a
    single word, a coach quoted in one report's headline, is too little); weak evidence, since
    a report's own angle names what the other's does not (a hospital, a survivor). A place
    counts when both headlines name a regency or city (`_headline_places`) and more than half
    of one's appear nowhere in the other: a place is the one name that suffices (dengue in
    Sikka against dengue in Kota Kupang; floods in Pati and in Jepara on one day). Only
    regencies and cities: a report may name a locality within the other's regency
    (Pelabuhanratu in Sukabumi), which is no other place."""
    kinds_b = {k for k, _ in b.facts}
    lead_b = dict(b.leads)
    differ = 0
    for kind, lead in a.leads:
        if kind in kinds_b and (kind, lead) not in b.facts and (kind, lead_b[kind]) not in a.facts:
            differ += 1
    names = _unnamed(a.title_names, b.capitals) or _unnamed(b.title_names, a.capitals)
    place = bool(a.regions and b.regions) and (  # both headlines name where: one is enough
        _unnamed(a.regions, b.capitals, 1) or _unnamed(b.regions, a.capitals, 1)
    )
    return differ, int(place), int(names)


def _unnamed(names: frozenset[int], capitals: frozenset[int], least: int = 2) -> bool:
    """At least `least` of a headline's names, and more than half, are missing from the other."""
    missing = len(names - capitals)
    return missing >= least and 2 * missing > len(names)


def agree(a: Features, b: Features) -> bool:
    """Both headlines name one place (`_headline_places`): the Sikka outbreak's report and its
    follow-up four days on, a verdict in Blora and the appeal six days later."""
    return not a.places.isdisjoint(b.places)


def penalty(a: Features, b: Features) -> float:
    """What a pair's disagreements cost its score: CONFLICT_PENALTY when they state a fact
    differently (any number of kinds), PLACE_PENALTY for a headline whose regency or city the
    other never names, else NAMES_PENALTY for one whose names it mostly never names (see
    `conflicts`); less FACT_BONUS when they state a specific fact alike (`matching`), so a
    pair that only agrees has a negative penalty."""
    differ, place, names = conflicts(a, b)
    subject = PLACE_PENALTY if place else NAMES_PENALTY if names else 0.0
    bonus = FACT_BONUS if matching(a, b) else 0.0
    return (CONFLICT_PENALTY if differ else 0.0) + subject - bonus


def matching(a: Features, b: Features) -> bool:
    """`a` and `b` state a fact of `MATCHING_KINDS` alike: one's first value of a kind is
    among the other's values of it (the rate decision's 5,25 persen, the crash at KM 102)."""
    lead_b = dict(b.match_leads)
    return any(
        kind in lead_b and ((kind, lead) in b.matched or (kind, lead_b[kind]) in a.matched)
        for kind, lead in a.match_leads
    )


def conflicting(a: Features, b: Features) -> bool:
    """`a` and `b` state a fact of one kind differently (a magnitude, a price, a rate)."""
    return conflicts(a, b)[0] > 0


def coverage(new: Features, others: list[Features]) -> np.ndarray:
    """For each of `others`: the smaller of the shares of one headline's words that the
    other article uses (`_headline_words`). A report of the event uses what another's headline
    says happened; a report of another event of that topic, institution or team misses its
    specifics (the other opponent, the other case, the other regency). A headline with no
    content word covers (1)."""
    if not others:
        return np.zeros(0)
    ours = _dots(new.headline, [o.words for o in others])
    theirs = _dots(new.words, [o.headline for o in others])
    return _coverage(ours, theirs, not len(new.headline.indices), _no_headline(others))


def _no_headline(features: list[Features]) -> np.ndarray:
    return np.array([not len(f.headline.indices) for f in features], dtype=bool)


def _coverage(
    ours: np.ndarray, theirs: np.ndarray, our_none: np.ndarray | bool, their_none: np.ndarray
) -> np.ndarray:
    """The smaller share, a headline with no content word counting as covered."""
    return np.minimum(np.where(our_none, 1.0, ours), np.where(their_none, 1.0, theirs))


def combine(
    text: np.ndarray,
    names: np.ndarray,
    covered: np.ndarray,
    copies: np.ndarray,
    penalties: np.ndarray,
    days_apart: np.ndarray,
    agreeing: np.ndarray | None = None,
    w_text: float | None = None,
    day_penalty: float | None = None,
    w_coverage: float | None = None,
) -> np.ndarray:
    """The pair score from its parts (cosines, MinHash Jaccard, the penalty of conflicting
    facts, days apart, whether both headlines name one place); the weights default to the
    module's and are parameters only for bench/stories.py --tune.

    Time counts against a pair only when nothing specific ties it: two headlines naming one
    place (`agree`) are compared up to LONG_WINDOW_DAYS apart and lose nothing by the day (a
    follow-up a week on, a verdict's appeal); the rest lose DAY_PENALTY a day and are not
    compared beyond WINDOW_DAYS (the next match, the next day's rate, the next bust).

    The two cosines are combined by a weighted geometric mean, not a sum: the same event
    shares both its words and its names. A sum let one make up for the other, and two cases
    of one institution on one day (its name, its spokesman's, its building: names cosine 0.56,
    words 0.15) scored like two reports of one case. The penalty is taken from the copy
    branch too: an agency's template is a near-copy of its report of the day before."""
    w_text = W_TEXT if w_text is None else w_text
    day_penalty = DAY_PENALTY if day_penalty is None else day_penalty
    w_coverage = W_COVERAGE if w_coverage is None else w_coverage
    text, names = np.clip(text, 0.0, 1.0), np.clip(names, 0.0, 1.0)
    covered = np.clip(covered, 0.0, 1.0)
    agreeing = np.zeros(len(text), bool) if agreeing is None else np.asarray(agreeing, bool)
    shared = np.power(text, w_text) * np.power(names, 1.0 - w_text)
    content = np.power(shared, 1.0 - w_coverage) * np.power(covered, w_coverage)
    score = np.maximum(content, copies) - np.where(agreeing, 0.0, day_penalty * days_apart)
    compared = days_apart <= np.where(agreeing, LONG_WINDOW_DAYS, WINDOW_DAYS)
    # Rounded so that which of the two came first (the order of a sum) cannot tip a pair.
    return _penalised(np.round(np.where(compared, np.clip(score, 0.0, 1.0), 0.0), 6), penalties)


def _penalised(scores: np.ndarray, penalties: np.ndarray) -> np.ndarray:
    """Scores less their penalties (`penalty`; a matching fact's is negative); the store
    applies it alone to the pairs within FACT_BONUS of the threshold or over it, so a pair
    scores the same in `same_event` and in the store. A pair not compared (0) stays 0."""
    return np.round(np.where(scores > 0, np.clip(scores - penalties, 0.0, 1.0), 0.0), 6)


def parts(
    new: Features, others: list[Features]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Cosine of content words, cosine of names and numbers, the headlines' coverage, MinHash
    Jaccard, and the penalty of conflicting facts, of `new` against each of `others`."""
    if not others:
        empty = np.zeros(0)
        return empty, empty, empty, empty, empty
    penalties = np.array([penalty(new, o) for o in others], dtype=np.float64)
    return (*_vector_parts(new, others), penalties)


def _vector_parts(
    new: Features, others: list[Features]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The parts computed for all `others` at once: the two cosines, the coverage and the
    MinHash Jaccard (`parts` less the penalty, a Python test per pair)."""
    text = _dots(new.text, [o.text for o in others])
    names = _dots(new.names, [o.names for o in others])
    copies = (np.stack([o.signature for o in others]) == new.signature).mean(axis=1)
    return text, names, coverage(new, others), copies


def _scores(new: Features, others: list[Features], days_apart: np.ndarray) -> np.ndarray:
    """`combine` of `parts`, facts not yet compared (`_linked_stories` does that)."""
    if not others:
        return np.zeros(0)
    agreeing = np.array([agree(new, o) for o in others], dtype=bool)
    unchecked = np.zeros(len(others))
    return combine(*_vector_parts(new, others), unchecked, days_apart, agreeing)


def same_event(a: StoryArticle, b: StoryArticle) -> float:
    """How surely `a` and `b` report the same event, 0..1; `THRESHOLD` and above: the same.

    max((cosine of content words ** W_TEXT * cosine of names and numbers ** (1 - W_TEXT))
        ** (1 - W_COVERAGE) * `coverage` ** W_COVERAGE,
        MinHash Jaccard of 4-word shingles) - DAY_PENALTY * days apart - `penalty`
    (CONFLICT_PENALTY when they state one kind of fact with different values,
    PLACE_PENALTY or NAMES_PENALTY for a headline whose place or names the other never
    names, less FACT_BONUS when they state a specific fact alike); no day penalty, and
    LONG_WINDOW_DAYS instead of WINDOW_DAYS, when both headlines name one place (`agree`);
    0 when further apart than the window. Undated articles are taken as 0 days apart."""
    fa, fb = features(a), features(b)
    days = np.array([_days_apart(a, b)])
    return float(combine(*parts(fa, [fb]), days, np.array([agree(fa, fb)]))[0])


def _days_apart(a: StoryArticle, b: StoryArticle) -> float:
    ta, tb = timestamp(a.published), timestamp(b.published)
    return 0.0 if ta is None or tb is None else abs(ta - tb) / 86400


def timestamp(published: str | None) -> float | None:
    """Seconds since the epoch of an ISO 8601 time; a time without an offset is WIB."""
    if not published:
        return None
    try:
        when = datetime.fromisoformat(published)
    except ValueError:
        return None
    return (when if when.tzinfo else when.replace(tzinfo=WIB)).timestamp()


def story_id_for(article_id: str) -> str:
    """A story's id: made from the article that started it, so the same on every machine."""
    return "story-" + hashlib.sha1(article_id.encode()).hexdigest()[:12]


# --- the store --------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS articles (
    article_id TEXT PRIMARY KEY,
    story_id TEXT NOT NULL,
    published TEXT,
    at REAL NOT NULL,   -- published, or for an undated article the time it was compared at
    dated INTEGER NOT NULL
);
-- the window's query reads this index alone (features are fetched only when not yet parsed)
CREATE INDEX IF NOT EXISTS articles_at ON articles (at, article_id, story_id, dated);
CREATE TABLE IF NOT EXISTS features (article_id TEXT PRIMARY KEY, blob BLOB NOT NULL);
-- a story's members, and its first and last dated one, without a scan
CREATE INDEX IF NOT EXISTS articles_story ON articles (story_id, dated, at);
CREATE TABLE IF NOT EXISTS stories (
    story_id TEXT PRIMARY KEY,
    created INTEGER NOT NULL,  -- order of creation: the older of two equally dated survives
    date TEXT, date_at REAL, updated TEXT, updated_at REAL
);
CREATE INDEX IF NOT EXISTS stories_created ON stories (created);
CREATE INDEX IF NOT EXISTS articles_dated_at ON articles (dated, at);
CREATE TABLE IF NOT EXISTS merged (story_id TEXT PRIMARY KEY, into_id TEXT NOT NULL);
-- the places each headline names (`Features.places`), by time: the long window's candidates
CREATE TABLE IF NOT EXISTS places (
    place INTEGER NOT NULL, at REAL NOT NULL, article_id TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS places_at ON places (place, at, article_id);
"""


class StaleStore(RuntimeError):
    """The store was made by a Kabar whose features differ: its groups cannot be extended."""


class StoryStore:
    """Articles grouped into stories, in SQLite at `path` (a file; its folder is made).

    Every `add` is one transaction (BEGIN IMMEDIATE, so two runs at once take turns rather
    than interleave) and waits up to `timeout` seconds for the other run's."""

    def __init__(self, path: Path, timeout: float = 60.0) -> None:
        self.path = Path(path)
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        sqlite.use_wal(self.path, self.timeout)
        with self._transaction() as db:
            for statement in _SCHEMA.split(";"):  # executescript would commit first
                db.execute(statement)
            db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('features_version', ?)", (FEATURES_VERSION,)
            )
            stored = db.execute("SELECT value FROM meta WHERE key='features_version'").fetchone()
            if stored[0] != FEATURES_VERSION:
                raise StaleStore(
                    f"{self.path} holds story features of version {stored[0]}, this Kabar "
                    f"makes version {FEATURES_VERSION}: move the file away to regroup from "
                    "scratch"
                )

    def _connect(self):
        return sqlite.connection(self.path, self.timeout)

    def _transaction(self):
        return sqlite.transaction(self.path, self.timeout)

    # -- adding --

    def add(self, articles: Iterable[StoryArticle]) -> list[Story]:
        """File `articles` into stories: the stories created or changed, merged ones included
        (newest-updated first). An article id already in the store is left as it is."""
        batch = {a.article_id: a for a in articles}
        computed = {i: features(a) for i, a in batch.items()}  # before locking: the slow part
        with self._transaction() as db:
            known = _known(db, list(batch))
            fresh = [batch[i] for i in batch if i not in known]
            if not fresh:
                return []
            recent = _recent_time(db, fresh)
            placed = sorted(
                ((timestamp(a.published) or recent, a) for a in fresh),
                key=lambda item: (item[0], item[1].article_id),
            )
            touched: set[str] = set()
            for start in range(0, len(placed), CHUNK):
                chunk = [(at, a, computed[a.article_id]) for at, a in placed[start : start + CHUNK]]
                touched = _file_chunk(db, chunk, touched)
            return sorted((_story(db, s) for s in touched), key=_newest_first_key, reverse=True)

    # -- reading --

    def stories(self) -> list[Story]:
        """Every story, newest-updated first (undated stories last)."""
        with self._connect() as db:
            members: dict[str, list[str]] = {}
            for story_id, article_id in db.execute(
                "SELECT story_id, article_id FROM articles ORDER BY at, article_id"
            ):
                members.setdefault(story_id, []).append(article_id)
            rows = db.execute("SELECT story_id, date, updated FROM stories").fetchall()
        found = [Story(s, members.get(s, []), date, updated) for s, date, updated in rows]
        return sorted(found, key=_newest_first_key, reverse=True)

    def story_of(self, article_id: str) -> str | None:
        with self._connect() as db:
            row = db.execute(
                "SELECT story_id FROM articles WHERE article_id = ?", (article_id,)
            ).fetchone()
        return row[0] if row else None

    def resolve(self, story_id: str) -> str | None:
        """The id a story goes by now: itself, the story it was merged into, or None."""
        with self._connect() as db:
            if db.execute("SELECT 1 FROM stories WHERE story_id = ?", (story_id,)).fetchone():
                return story_id
            row = db.execute("SELECT into_id FROM merged WHERE story_id = ?", (story_id,))
            found = row.fetchone()
        return found[0] if found else None


def _newest_first_key(story: Story) -> tuple[bool, float, str]:
    updated = timestamp(story.updated)
    return (updated is not None, updated or 0.0, story.story_id)


def _known(db: sqlite3.Connection, ids: list[str]) -> set[str]:
    known: set[str] = set()
    for start in range(0, len(ids), 500):  # SQLite caps a statement's parameters
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT article_id FROM articles WHERE article_id IN ({marks})"
        known.update(row[0] for row in db.execute(query, chunk))
    return known


def _recent_time(db: sqlite3.Connection, fresh: list[StoryArticle]) -> float:
    """Where an undated article is placed: by the newest dated article known (the store's or
    the batch's), so that it is compared with the recent window; by the clock if none is."""
    times = [t for a in fresh if (t := timestamp(a.published)) is not None]
    (stored,) = db.execute("SELECT MAX(at) FROM articles WHERE dated = 1").fetchone()
    if stored is not None:
        times.append(stored)
    return max(times) if times else time.time()


class _Stored:
    """The stored articles around a chunk of new ones, their vectors stacked once, so that
    the whole chunk is scored against them in two sparse products: those within WINDOW_DAYS
    of it, and those within LONG_WINDOW_DAYS whose headline names one of the chunk's
    headlines' places (found by the places index; `places` maps them to those places)."""

    def __init__(
        self, db: sqlite3.Connection, chunk: list[tuple[float, StoryArticle, Features]]
    ) -> None:
        window, long = WINDOW_DAYS * 86400, LONG_WINDOW_DAYS * 86400
        low, high = chunk[0][0], chunk[-1][0]
        rows = db.execute(
            "SELECT article_id, at, dated, story_id FROM articles WHERE at BETWEEN ? AND ?",
            (low - window, high + window),
        ).fetchall()
        self.places: dict[str, set[int]] = {}
        wanted = sorted({p for _, _, f in chunk for p in f.places})
        for start in range(0, len(wanted), 500):  # SQLite caps a statement's parameters
            marks = ",".join("?" * len(wanted[start : start + 500]))
            for place, article_id in db.execute(
                f"SELECT place, article_id FROM places WHERE place IN ({marks})"
                " AND at BETWEEN ? AND ?",
                [*wanted[start : start + 500], low - long, high + long],
            ):
                self.places.setdefault(article_id, set()).add(place)
        near = {r[0] for r in rows}
        far = [i for i in self.places if i not in near]
        for start in range(0, len(far), 500):
            marks = ",".join("?" * len(far[start : start + 500]))
            rows += db.execute(
                "SELECT article_id, at, dated, story_id FROM articles"
                f" WHERE article_id IN ({marks})",
                far[start : start + 500],
            ).fetchall()
        self.ids = [r[0] for r in rows]
        self.story_ids = _StoryIds({r[0]: r[3] for r in rows})
        self.position = {article_id: k for k, article_id in enumerate(self.ids)}
        self.at = np.array([r[1] for r in rows], dtype=np.float64)
        self.dated = np.array([bool(r[2]) for r in rows], dtype=bool)
        cache: dict[str, Features] = {}
        _load_features(db, self.ids, cache)
        self.features = [cache[i] for i in self.ids]
        self.signatures = np.stack([f.signature for f in self.features]) if rows else None

    def agreeing(self, own: Features) -> np.ndarray:
        """Which stored articles' headlines name a place `own`'s headline names (`agree`)."""
        found = np.zeros(len(self.ids), bool)
        for article_id, places in self.places.items():  # the few naming a chunk's place
            if not own.places.isdisjoint(places):
                found[self.position[article_id]] = True
        return found

    def products(self, new: list[Features], kind: str, their_kind: str | None = None) -> np.ndarray:
        """len(new) x len(stored) products of the new articles' `kind` vectors with the stored
        ones' `their_kind` (the same kind by default: the cosines of 'text' or of 'names')."""
        if not self.ids:
            return np.zeros((len(new), 0))
        ours = _matrix([getattr(f, kind) for f in new])
        theirs = _matrix([getattr(f, their_kind or kind) for f in self.features])
        return (ours @ theirs.T).toarray()

    def coverage(self, new: list[Features]) -> np.ndarray:
        """len(new) x len(stored) `coverage`, both ways in two products."""
        ours, theirs = (
            self.products(new, "headline", "words"),
            self.products(new, "words", "headline"),
        )
        return _coverage(ours, theirs, _no_headline(new)[:, None], _no_headline(self.features))


def _matrix(vectors: list[Sparse]) -> sparse.csr_matrix:
    lengths = [len(v.indices) for v in vectors]
    indptr = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    indices = np.concatenate([v.indices for v in vectors]).astype(np.int64)
    values = np.concatenate([v.values for v in vectors]).astype(np.float64)
    return sparse.csr_matrix((values, indices, indptr), shape=(len(vectors), N_FEATURES))


def _file_chunk(
    db: sqlite3.Connection, chunk: list[tuple[float, StoryArticle, Features]], touched: set[str]
) -> set[str]:
    """File a chunk of new articles (in time order), each into the story it links to (merging
    the stories it bridges) or a new one. Each is compared with the stored articles of its
    window (scored for the whole chunk at once) and with the chunk's earlier articles.
    Returns `touched` updated: the ids of stories changed so far that still exist."""
    window, long = WINDOW_DAYS * 86400, LONG_WINDOW_DAYS * 86400
    stored = _Stored(db, chunk)
    new = [f for _, _, f in chunk]
    text, names = stored.products(new, "text"), stored.products(new, "names")
    covered = stored.coverage(new)
    for k, (at, article, own) in enumerate(chunk):
        dated = timestamp(article.published) is not None
        apart = np.abs(stored.at - at)
        agreeing = stored.agreeing(own)
        near = np.flatnonzero((apart <= window) | (agreeing & (apart <= long)))
        days = np.where(stored.dated[near] & dated, apart[near] / 86400, 0.0)
        copies = (
            (stored.signatures[near] == own.signature).mean(axis=1) if len(near) else np.zeros(0)
        )
        unchecked = np.zeros(len(near))
        scores = combine(
            text[k, near], names[k, near], covered[k, near], copies, unchecked, days, agreeing[near]
        )
        ids = [stored.ids[j] for j in near]
        others = [stored.features[j] for j in near]
        # the chunk's own earlier articles, not in `stored` (filed already, one by one)
        earlier = [
            (a, t, f)
            for t, a, f in chunk[:k]
            if abs(t - at) <= window or (abs(t - at) <= long and agree(own, f))
        ]
        both_dated = [dated and timestamp(a.published) is not None for a, _, _ in earlier]
        days = np.array([abs(t - at) / 86400 for _, t, _ in earlier]) * np.array(both_dated)
        mine = [f for _, _, f in earlier]
        scores = np.concatenate([scores, _scores(own, mine, days)])
        ids += [a.article_id for a, _, _ in earlier]
        linked = _linked_stories(stored.story_ids, own, ids, others + mine, scores)
        story_id = _place(db, article, at, dated, own, linked)
        stored.story_ids.filed(article.article_id, story_id, linked)
        touched = (touched - linked) | {story_id}
    return touched


def _linked_stories(
    story_ids: _StoryIds,
    new: Features,
    ids: list[str],
    others: list[Features],
    scores: np.ndarray,
) -> set[str]:
    """The stories of the articles (`ids`, `others`) that link to `new`: a score at the
    threshold or above once the penalty is taken (`penalty`: conflicting facts, the subject
    signals, a matching fact). `scores` are without it: it is a Python test per pair, the
    costly part, so it is taken only for the pairs it could bring to the threshold (those
    within FACT_BONUS of it or over), best first, and not for an article whose story is linked
    already (a big story in the window is linked once, not once per member)."""
    over = np.flatnonzero(scores >= THRESHOLD - FACT_BONUS)  # a matching fact may lift them
    linked: set[str] = set()
    for k in over[np.argsort(-scores[over], kind="stable")]:
        story = story_ids[ids[k]]
        if story in linked:
            continue
        if _penalised(scores[k : k + 1], np.array([penalty(new, others[k])]))[0] >= THRESHOLD:
            linked.add(story)
    return linked


class _StoryIds:
    """Which story each article of a chunk's window is in: read with the window, then kept as
    the chunk files its articles (a merged story's id leads to the survivor's), so that
    linking an article to stories asks the database nothing."""

    def __init__(self, known: dict[str, str]) -> None:
        self._of = known
        self._merged: dict[str, str] = {}

    def __getitem__(self, article_id: str) -> str:
        story_id = self._of[article_id]
        while story_id in self._merged:
            story_id = self._merged[story_id]
        return story_id

    def filed(self, article_id: str, story_id: str, linked: set[str]) -> None:
        self._of[article_id] = story_id
        for merged in linked - {story_id}:
            self._merged[merged] = story_id


def _place(
    db: sqlite3.Connection,
    article: StoryArticle,
    at: float,
    dated: bool,
    own: Features,
    linked: set[str],
) -> str:
    """File `article` into the story of `linked` (merged into the oldest) or a new one: its
    story's id."""
    story_id = _merge(db, linked) if linked else _create(db, article.article_id)
    db.execute(
        "INSERT INTO articles VALUES (?, ?, ?, ?, ?)",
        (article.article_id, story_id, article.published, at, int(dated)),
    )
    db.execute("INSERT INTO features VALUES (?, ?)", (article.article_id, own.to_bytes()))
    db.executemany(
        "INSERT INTO places VALUES (?, ?, ?)", [(p, at, article.article_id) for p in own.places]
    )
    _refresh_dates(db, story_id)
    return story_id


def _load_features(db: sqlite3.Connection, ids: list[str], cache: dict[str, Features]) -> None:
    for start in range(0, len(ids), 500):  # SQLite caps a statement's parameters
        chunk = ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        query = f"SELECT article_id, blob FROM features WHERE article_id IN ({marks})"
        for article_id, blob in db.execute(query, chunk):
            cache[article_id] = Features.from_bytes(blob)


def _create(db: sqlite3.Connection, article_id: str) -> str:
    story_id = story_id_for(article_id)
    (count,) = db.execute("SELECT COALESCE(MAX(created), 0) + 1 FROM stories").fetchone()
    db.execute("INSERT INTO stories (story_id, created) VALUES (?, ?)", (story_id, count))
    return story_id


def _merge(db: sqlite3.Connection, linked: set[str]) -> str:
    """One story of `linked`: the oldest (earliest date, then created first) absorbs the
    others; their ids are remembered so old links can be resolved."""
    marks = ",".join("?" * len(linked))
    rows = db.execute(
        f"SELECT story_id, date_at, created FROM stories WHERE story_id IN ({marks})",
        sorted(linked),
    ).fetchall()
    oldest = min(rows, key=lambda r: (r[1] is None, r[1] or 0.0, r[2]))[0]
    for story_id in linked - {oldest}:
        db.execute("UPDATE articles SET story_id = ? WHERE story_id = ?", (oldest, story_id))
        db.execute("UPDATE merged SET into_id = ? WHERE into_id = ?", (oldest, story_id))
        db.execute("INSERT OR REPLACE INTO merged VALUES (?, ?)", (story_id, oldest))
        db.execute("DELETE FROM stories WHERE story_id = ?", (story_id,))
    return oldest


def _refresh_dates(db: sqlite3.Connection, story_id: str) -> None:
    """A story's date is its earliest member's publication time, 'updated' its newest's."""
    ends = []
    for order in ("ASC", "DESC"):
        row = db.execute(
            "SELECT published, at FROM articles WHERE story_id = ? AND dated = 1"
            f" ORDER BY at {order} LIMIT 1",
            (story_id,),
        ).fetchone()
        ends += list(row) if row else [None, None]
    db.execute(
        "UPDATE stories SET date = ?, date_at = ?, updated = ?, updated_at = ? WHERE story_id = ?",
        (*ends, story_id),
    )


def _story(db: sqlite3.Connection, story_id: str) -> Story:
    ids = [
        r[0]
        for r in db.execute(
            "SELECT article_id FROM articles WHERE story_id = ? ORDER BY at, article_id",
            (story_id,),
        )
    ]
    date, updated = db.execute(
        "SELECT date, updated FROM stories WHERE story_id = ?", (story_id,)
    ).fetchone()
    return Story(story_id, ids, date, updated)
