"""How well articles are grouped into stories, and what adding articles to a big store costs.

    python bench/stories.py --score     # pair precision/recall: each set, tune, seeds
    python bench/stories.py --score --blind blind10  # and an unspent blind set (once, when final)
    python bench/stories.py --tune      # conflict variants, grid over the knobs, margins (tune set)
    python bench/stories.py --archive   # time and memory of adding 100 articles to 500 / 5,000

The labelled set (tests/data/stories) holds whole events. `split.json` names the `dev` and
`frozen` halves; the frozen half was scored once (precision 0.750), then looked at, so it is
spent; the blind sets named in `SPENT_BLIND`, each scored once with the method of its day
(docs/stories.md, Figures), were looked at too. All of them together are the `tune` set; a
blind set scored once and not looked at (blind24 to blind26) stays out of it. An unspent
blind set (written apart, never read) is scored once the method is final, and only by name:
`--score --blind NAME`. Pair precision and recall are over all unordered article pairs of a
set: predicted same story against gold same event. Each set goes through a real StoryStore on
its own, as one batch.

`--archive` builds stores of generated articles (templates filled with random names, places
and numbers; seeded) spread over six months, then times adding 100 new articles from the
last days (--new-days) to a copy of each, and measures the peak memory Python allocated doing it.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import json
import random
import shutil
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "stories"
sys.path.insert(0, str(ROOT / "bench"))

from common import machine, print_table  # noqa: E402

from kabar.tasks import stories  # noqa: E402
from kabar.tasks.stories import StoryArticle, StoryStore, timestamp  # noqa: E402

# --- the labelled set -----------------------------------------------------------------------

# scored once each, then looked at: part of the tune set
SPENT_BLIND = tuple(f"blind{n}" for n in ["", *range(2, 22), 23])  # blind to blind21, blind23


def load_half(half: str, folder: Path = LABELLED) -> tuple[list[StoryArticle], dict[str, str]]:
    """The articles of a set and each one's gold event: 'dev', 'frozen', a blind set by its
    name ('blind', 'blind2', ...), or 'tune' (dev, frozen and `SPENT_BLIND`: every spent
    article)."""
    if half.startswith("blind"):
        return load_blind(folder, half)
    split = json.loads((folder / "split.json").read_text())
    if half != "tune":
        return _load_events(split[half], folder)
    articles, gold = _load_events(split["dev"] + split["frozen"], folder)
    for spent in SPENT_BLIND:
        if has_blind(folder, spent):
            more, more_gold = load_blind(folder, spent)
            articles, gold = articles + more, gold | more_gold
    return articles, gold


def _load_events(
    events: list[str], folder: Path, prefix: str = "blind"
) -> tuple[list[StoryArticle], dict[str, str]]:
    articles, gold = [], {}
    for event in events:
        path = folder / "articles" / f"{event}.json"
        if not path.exists():
            path = folder / "articles" / f"{prefix}-{event}.json"
        data = json.loads(path.read_text())
        for a in data["articles"]:
            articles.append(_article(a))
            gold[a["id"]] = data.get("event", event)
    return articles, gold


def _article(a: dict) -> StoryArticle:
    return StoryArticle(a["id"], a["title"], a["body"], a.get("published"), a.get("outlet", ""))


def has_blind(folder: Path = LABELLED, name: str = "blind") -> bool:
    return (folder / f"{name}.json").exists()


def load_blind(
    folder: Path = LABELLED, name: str = "blind"
) -> tuple[list[StoryArticle], dict[str, str]]:
    """A blind set: `<name>.json` names its events (a list, or a dict holding one under
    `name`, 'blind' or 'events'; each `articles/<event>.json` or `articles/<name>-<event>.json`),
    or holds the articles themselves, each with its `event`."""
    data = json.loads((folder / f"{name}.json").read_text())
    if isinstance(data, dict) and "articles" in data:
        articles = [_article(a) for a in data["articles"]]
        return articles, {a["id"]: a["event"] for a in data["articles"]}
    if isinstance(data, dict):
        data = data.get(name, data.get("blind", data.get("events")))
    return _load_events(list(data), folder, name)


def load_seeds() -> tuple[list[StoryArticle], dict[str, str]]:
    """The five seed pages, cleaned; gold events as the issue gives them."""
    from kabar.tasks.clean import clean_text

    articles = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        a = clean_text(path.read_text(encoding="utf-8"))
        articles.append(StoryArticle(path.stem[:3], a.title, a.body, a.published, a.outlet or ""))
    gold = {"000": "visit", "001": "help", "003": "help", "002": "call", "004": "call"}
    return articles, gold


def pair_scores(predicted: dict[str, str], gold: dict[str, str]) -> dict[str, float]:
    """Pair precision, recall and F1 (and the counts) over all unordered pairs of `gold`."""
    tp = fp = fn = 0
    for a, b in itertools.combinations(sorted(gold), 2):
        same_pred, same_gold = predicted[a] == predicted[b], gold[a] == gold[b]
        tp += same_pred and same_gold
        fp += same_pred and not same_gold
        fn += same_gold and not same_pred
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "tp": tp, "fp": fp, "fn": fn}


def group_with_store(articles: list[StoryArticle]) -> dict[str, str]:
    """Article id -> story id, from a fresh StoryStore given all `articles` at once."""
    with tempfile.TemporaryDirectory() as folder:
        store = StoryStore(Path(folder) / "stories.sqlite")
        store.add(articles)
        return {i: s.story_id for s in store.stories() for i in s.article_ids}


def score_half(half: str) -> dict[str, float]:
    articles, gold = load_seeds() if half == "seeds" else load_half(half)
    return pair_scores(group_with_store(articles), gold)


def score(halves: list[str]) -> None:
    rows = []
    for half in halves:
        s = score_half(half)
        rows.append(
            [half, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}"]
            + [s["tp"], s["fp"], s["fn"]]
        )
    print_table(["set", "pair precision", "pair recall", "F1", "TP", "FP", "FN"], rows)


def margins(half: str = "tune") -> dict[str, float]:
    """How far the threshold is from tipping a set: `weakest`, the lowest score an event
    needs to stay whole (over its events, the weakest link of the strongest spanning tree),
    and `strongest_false`, the highest score of a pair of different events. Every threshold
    in (strongest_false, weakest] groups the set perfectly."""
    articles, gold = load_seeds() if half == "seeds" else load_half(half)
    p = pair_parts(articles)
    return margins_of(stories.combine(*(p[k] for k in PARTS)), p, articles, gold)


def margins_of(
    score: np.ndarray, p: dict[str, np.ndarray], articles: list[StoryArticle], gold: dict
) -> dict[str, float]:
    """`margins` of the pair scores `score` (indexed like `p`)."""
    ids = [a.article_id for a in articles]
    same = np.array([gold[ids[i]] == gold[ids[j]] for i, j in zip(p["i"], p["j"])])
    weakest = 1.0
    for event in set(gold.values()):
        members = [k for k, i in enumerate(ids) if gold[i] == event]
        if len(members) > 1:
            weakest = min(weakest, _bottleneck(members, p, score))
    strongest_false = float(score[~same].max()) if (~same).any() else 0.0
    return {"weakest": weakest, "strongest_false": strongest_false}


def _bottleneck(members: list[int], p: dict[str, np.ndarray], score: np.ndarray) -> float:
    """The lowest score that still connects all `members` (maximum spanning tree)."""
    inside = set(members)
    parent = {m: m for m in members}

    def root(x: int) -> int:
        while parent[x] != x:
            x = parent[x]
        return x

    left, lowest = len(members) - 1, 1.0
    for k in np.argsort(-score, kind="stable"):
        i, j = int(p["i"][k]), int(p["j"][k])
        if i in inside and j in inside and root(i) != root(j):
            parent[root(i)] = root(j)
            left, lowest = left - 1, float(score[k])
            if not left:
                break
    return lowest


# --- tuning on dev --------------------------------------------------------------------------


# combine()'s, in order
PARTS = ("text", "names", "coverage", "copies", "conflicts", "days", "agree")
_FEATURES: dict[tuple, stories.Features] = {}  # features once per article and process


def cached_features(article: StoryArticle) -> stories.Features:
    key = (article.article_id, article.title, tuple(article.body), article.published)
    if key not in _FEATURES:
        _FEATURES[key] = stories.features(article)
    return _FEATURES[key]


def pair_parts(articles: list[StoryArticle]) -> dict[str, np.ndarray]:
    """For every pair i < j: the score's parts, so a grid can recombine them cheaply
    ('conflicts' is the penalty; 'differ', 'place_gone' and 'names_gone' its three signals;
    'agree' whether both headlines name one
    place; 'figure' the headline-number signal of 2db5220, for comparison). The cosines come
    from one sparse product, as in the store."""
    feats = [cached_features(a) for a in articles]
    n = len(articles)
    i, j = np.triu_indices(n, 1)
    text_matrix = stories._matrix([f.text for f in feats])
    names_matrix = stories._matrix([f.names for f in feats])
    text = np.asarray(text_matrix[i].multiply(text_matrix[j]).sum(axis=1)).ravel()
    names = np.asarray(names_matrix[i].multiply(names_matrix[j]).sum(axis=1)).ravel()
    headlines = stories._matrix([f.headline for f in feats])
    words = stories._matrix([f.words for f in feats])
    none = stories._no_headline(feats)
    coverage = stories._coverage(
        np.asarray(headlines[i].multiply(words[j]).sum(axis=1)).ravel(),
        np.asarray(words[i].multiply(headlines[j]).sum(axis=1)).ravel(),
        none[i],
        none[j],
    )
    signatures = np.stack([f.signature for f in feats])
    copies = (signatures[i] == signatures[j]).mean(axis=1)
    times = np.array([timestamp(a.published) or np.nan for a in articles])
    days = np.nan_to_num(np.abs(times[i] - times[j]) / 86400, nan=0.0)
    figures = [_headline_figures(a) for a in articles]
    keys = ("conflicts", "differ", "place_gone", "names_gone", "agree", "figure", "matching")
    rows = {k: np.zeros(len(i)) for k in keys}
    # A pair whose cosines and copy share are all under 0.15 is taken to be under every
    # threshold looked at, whatever its signals (a matching fact adds 0.1 at most), so they
    # are read only for the others (a Python test per pair is slow).
    for k in np.flatnonzero(np.maximum(np.maximum(text, names), copies) >= 0.15):
        fa, fb = feats[i[k]], feats[j[k]]
        differ, place_gone, names_gone = stories.conflicts(fa, fb)
        (title_a, all_a), (title_b, all_b) = figures[i[k]], figures[j[k]]
        values = {
            "conflicts": stories.penalty(fa, fb), "differ": differ, "place_gone": place_gone,
            "names_gone": names_gone, "agree": stories.agree(fa, fb),
            "figure": bool((title_a and not title_a & all_b) or (title_b and not title_b & all_a)),
            "matching": stories.matching(fa, fb),
        }  # fmt: skip
        for key, value in values.items():
            rows[key][k] = value
    rows["agree"] = rows["agree"].astype(bool)
    rows["matching"] = rows["matching"].astype(bool)
    return {
        "i": i, "j": j, "text": text, "names": names, "coverage": coverage, "copies": copies,
        "days": days, **rows,
    }  # fmt: skip


def _numbers(text: str) -> set[str]:
    return {t for t, _, _ in stories._tokens(text) if any(c.isdigit() for c in t)}


def _headline_figures(article: StoryArticle) -> tuple[set[str], set[str]]:
    """The headline's specific numbers (three significant digits or more) and every number
    of the article: the headline-number signal of the method before (2db5220), which cost 0.1
    when one headline's specific numbers were all missing from the other article."""

    def specific(number: str) -> bool:
        return len("".join(c for c in number if c.isdigit()).strip("0")) >= 3

    title = {n for n in _numbers(article.title) if specific(n)}
    return title, _numbers(" ".join([article.title, *article.body]))


def components(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """Connected components (union-find): what the store computes, order aside."""
    parent = list(range(n))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        parent[root(a)] = root(b)
    return [root(x) for x in range(n)]


def variant_score(
    p: dict[str, np.ndarray],
    conflict: float = stories.CONFLICT_PENALTY,
    place: float = stories.PLACE_PENALTY,
    names: float = stories.NAMES_PENALTY,
    figure: float = 0.0,
    day_penalty: float = stories.DAY_PENALTY,
    agreeing_day_penalty: float = 0.0,
    long_window: float = stories.LONG_WINDOW_DAYS,
    copies_penalised: bool = True,
    headline_veto: bool = False,
    w_coverage: float = stories.W_COVERAGE,
    window_days: float = stories.WINDOW_DAYS,
    fact_bonus: float = stories.FACT_BONUS,
) -> np.ndarray:
    """The pair scores of `p` with the signals weighted otherwise (the defaults give
    `stories.combine`'s, up to rounding): `place` and `names` are what the two subject signals
    cost; pairs whose headlines name one place lose `agreeing_day_penalty` a day and are
    compared up to `long_window` days (`window_days`: no long window); `w_coverage` 0 leaves
    the headlines' coverage out; `fact_bonus` is what a matching fact adds."""
    w = stories.W_TEXT
    shared = np.clip(p["text"], 0, 1) ** w * np.clip(p["names"], 0, 1) ** (1 - w)
    content = shared ** (1 - w_coverage) * np.clip(p["coverage"], 0, 1) ** w_coverage
    subject = np.where(p["place_gone"] > 0, place, np.where(p["names_gone"] > 0, names, 0.0))
    penalty = conflict * (p["differ"] > 0) + subject + figure * p["figure"]
    penalty = penalty - fact_bonus * p["matching"]
    agreeing = p["agree"] & (long_window > window_days)
    per_day = np.where(agreeing, agreeing_day_penalty, day_penalty)
    if copies_penalised:
        score = np.maximum(content, p["copies"]) - penalty
    else:
        score = np.maximum(content - penalty, p["copies"])
    score = np.clip(score - per_day * p["days"], 0, 1)
    window = np.where(agreeing, long_window, window_days)
    vetoed = (p["days"] > window) | (headline_veto & (p["figure"] > 0))
    return np.round(np.where(vetoed, 0.0, score), 6)


VARIANTS = [
    ("no conflict or subject signal", {"conflict": 0, "place": 0, "names": 0}),
    ("no headline coverage, 3 days at 0.05, subject 0.15 (the method of 20a8c9d)",
     {"w_coverage": 0.0, "window_days": 3.0, "day_penalty": 0.05, "names": 0.15}),
    ("no headline coverage", {"w_coverage": 0.0}),
    ("**now**", {}),
    ("coverage weighed evenly (0.5)", {"w_coverage": 0.5}),
    ("3 days at 0.05 a day", {"window_days": 3.0, "day_penalty": 0.05}),
    ("7 days", {"window_days": 7.0}),
    ("14 days", {"window_days": 14.0}),
    ("no day penalty", {"day_penalty": 0.0}),
    ("0.02 a day", {"day_penalty": 0.02}),
    ("no long window for one place", {"long_window": stories.WINDOW_DAYS}),
    ("0.02 a day for one place too", {"agreeing_day_penalty": 0.02}),
    ("headline names cost 0.15, as a place", {"names": 0.15}),
    ("headline names cost nothing", {"names": 0.0}),
    ("another place costs 0.15 (7dfe90f)", {"place": 0.15}),
    ("copy branch not penalised", {"copies_penalised": False}),
    ("conflict 0.3", {"conflict": 0.3}),
    ("no matching-fact bonus", {"fact_bonus": 0.0}),
    ("matching fact adds 0.05", {"fact_bonus": 0.05}),
]  # fmt: skip


def f1_at(score: np.ndarray, p: dict, same: np.ndarray, n: int, threshold: float) -> tuple:
    """Pair (F1, precision, recall) of single linkage at `threshold` (`p` holds every pair)."""
    keep = score >= threshold
    groups = np.array(components(n, list(zip(p["i"][keep], p["j"][keep]))))
    linked = groups[p["i"]] == groups[p["j"]]
    tp, fp, fn = (linked & same).sum(), (linked & ~same).sum(), (~linked & same).sum()
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    return 2 * precision * recall / (precision + recall), precision, recall


def best_range(score: np.ndarray, p: dict, same: np.ndarray, n: int) -> tuple:
    """The best pair F1 over all thresholds in [0.15, 0.6], and the range (low, high] of the
    thresholds that reach it (the widest, when it is reached in several)."""
    cuts = np.unique(np.concatenate([[0.15, 0.6], score[(score > 0.15) & (score <= 0.6)]]))
    f1s = [f1_at(score, p, same, n, t)[0] for t in cuts]  # a threshold at a score keeps it
    best = max(f1s)
    ranges, start = [], None
    for k, f in enumerate(f1s):
        if f == best and start is None:
            start = k
        if start is not None and (f != best or k == len(f1s) - 1):
            end = k if f == best else k - 1
            ranges.append((cuts[start - 1] if start else cuts[0], cuts[end]))
            start = None
    low, high = max(ranges, key=lambda r: r[1] - r[0])
    return best, low, high


def variants(articles: list[StoryArticle], gold: dict[str, str], p: dict) -> None:
    """For each way of weighing conflicts: the perfect thresholds (or none), the best pair F1
    and the widest range of thresholds reaching it, and precision/recall at THRESHOLD."""
    ids = [a.article_id for a in articles]
    same = np.array([gold[ids[i]] == gold[ids[j]] for i, j in zip(p["i"], p["j"])])
    rows = []
    for name, knobs in VARIANTS:
        score = variant_score(p, **knobs)
        m = margins_of(score, p, articles, gold)
        _, precision, recall = f1_at(score, p, same, len(ids), stories.THRESHOLD)
        best, b_low, b_high = best_range(score, p, same, len(ids))
        low, high = m["strongest_false"], m["weakest"]
        rows.append(
            [name, f"({low:.3f}, {high:.3f}]" if high > low else f"none ({high - low:+.3f})",
             f"{best:.3f} in ({b_low:.3f}, {b_high:.3f}]", f"{precision:.3f}",
             f"{recall:.3f}"]
        )  # fmt: skip
    print_table(
        ["variant", "perfect thresholds", "best F1, thresholds", "precision at T",
         "recall at T"], rows,
    )  # fmt: skip


def tune() -> None:
    """Pair F1 on the tune set over a grid of (threshold, text weight, day penalty), and the
    ways of weighing conflicting facts."""
    articles, gold = load_half("tune")
    ids = [a.article_id for a in articles]
    p = pair_parts(articles)
    print(f"Tune set: {len(articles)} articles, {len(set(gold.values()))} events\n")
    variants(articles, gold, p)
    print()
    results = []
    for w_text, penalty in itertools.product([0.3, 0.4, 0.5, 0.6, 0.7], [0.0, 0.03, 0.05, 0.1]):
        score = stories.combine(*(p[k] for k in PARTS), w_text=w_text, day_penalty=penalty)
        for threshold in np.arange(0.16, 0.62, 0.02):
            keep = score >= threshold
            groups = components(len(ids), list(zip(p["i"][keep], p["j"][keep])))
            s = pair_scores({ids[k]: str(g) for k, g in enumerate(groups)}, gold)
            results.append((s["f1"], s["precision"], s["recall"], threshold, w_text, penalty))
    results.sort(key=lambda r: r[0], reverse=True)
    rows = [[f"{f:.3f}", f"{p:.3f}", f"{r:.3f}", f"{t:.2f}", w, d] for f, p, r, t, w, d in results]
    print_table(["tune F1", "precision", "recall", "threshold", "w_text", "day penalty"], rows[:25])
    m = margins("tune")
    print(
        f"\nCurrent settings: every threshold in ({m['strongest_false']:.3f}, {m['weakest']:.3f}]"
        f" groups the tune set perfectly; THRESHOLD = {stories.THRESHOLD}"
    )
    # The closest calls of the current settings: what a small change would flip.
    score = stories.combine(*(p[k] for k in PARTS))
    print("\nTune pairs nearest the threshold (current settings):")
    for k in np.argsort(np.abs(score - stories.THRESHOLD))[:14]:
        a, b = ids[p["i"][k]], ids[p["j"][k]]
        print(
            f"  {score[k]:.3f} {'same' if gold[a] == gold[b] else 'diff'} {a} {b}"
            f" text={p['text'][k]:.2f} names={p['names'][k]:.2f} copies={p['copies'][k]:.2f}"
            f" penalty={p['conflicts'][k]:.2f} days={p['days'][k]:.1f}"
        )


# --- generated archives ---------------------------------------------------------------------

_FIRST = "Agus Budi Citra Dewi Eko Fitri Gilang Hana Indra Joko Kartika Lukman Maya Nanda Oki"
_LAST = "Saputra Wibowo Lestari Siregar Nasution Hidayat Kurniawan Rahayu Simanjuntak Halim"
_PLACES = (
    "Garut Bekasi Demak Kudus Subang Magelang Bogor Cianjur Sleman Klaten Jember Malang Kediri "
    "Pati Tegal Cirebon Karawang Sumedang Banyumas Bantul Gresik Lamongan Tuban Blitar Lumajang"
)
_TEMPLATES = [
    (
        "Banjir rendam {n1} rumah di {place}",
        [
            "Banjir merendam {n1} rumah di {place} setelah sungai {river} meluap.",
            "Kepala BPBD {place} {person} mengatakan {n2} warga mengungsi.",
            '"Kami dirikan {n3} dapur umum," kata {person}.',
        ],
    ),
    (
        "Kebakaran pasar {place} hanguskan {n1} kios",
        [
            "Kebakaran melanda Pasar {river} di {place} dan menghanguskan {n1} kios.",
            "Kepala Damkar {place} {person} mengatakan {n3} mobil pemadam dikerahkan.",
            "Kerugian ditaksir Rp{n2} juta.",
        ],
    ),
    (
        "{person} terpilih pimpin Kadin {place}",
        [
            "{person} terpilih sebagai Ketua Kadin {place} dengan {n1} suara.",
            "Ia berjanji membuka {n2} lapangan kerja baru di {place}.",
            "Musyawarah diikuti {n3} pengusaha dari {river}.",
        ],
    ),
]


def generated_articles(count: int, start: datetime, days: int, seed: int) -> list[StoryArticle]:
    """`count` articles from templates, events spread over `days` days from `start`; each
    event is told by one to three outlets within a day."""
    rng = random.Random(seed)
    first, last, places = _FIRST.split(), _LAST.split(), _PLACES.split()
    articles: list[StoryArticle] = []
    while len(articles) < count:
        title, body = rng.choice(_TEMPLATES)
        facts = {
            "person": f"{rng.choice(first)} {rng.choice(last)}",
            "place": rng.choice(places),
            "river": rng.choice(places),
            "n1": rng.randint(20, 3000),
            "n2": rng.randint(20, 9000),
            "n3": rng.randint(2, 40),
        }
        when = start + timedelta(seconds=rng.uniform(0, days * 86400))
        for copy in range(rng.randint(1, 3)):
            paragraphs = [p.format(**facts) for p in body]
            rng.shuffle(paragraphs)  # another outlet, another order
            at = when + timedelta(hours=rng.uniform(0, 20) * copy)
            number = f"{seed}-{len(articles)}"
            articles.append(
                StoryArticle(
                    number, title.format(**facts), paragraphs, at.isoformat(), f"Outlet {copy}"
                )
            )
    return articles[:count]


def timed_add(path: Path, new: list[StoryArticle], trace: bool) -> tuple[float, float, float]:
    """Wall and CPU seconds to add `new` to the store at `path`, and (when `trace`) Python's
    peak MiB. CPU time is the steadier figure on a machine shared with other work."""
    store = StoryStore(path)
    stories._tokens.cache_clear()  # each round's articles are new to the store: tokenise them
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    store.add(new)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = tracemalloc.get_traced_memory()[1] / 2**20 if trace else 0.0
    if trace:
        tracemalloc.stop()
    return seconds, cpu, peak


class _PairCounter:
    """Counts the pairs the store scores (`stories.combine`'s rows): the work a new article
    costs, which the window is meant to keep from growing with the archive."""

    def __init__(self) -> None:
        self.pairs = 0
        self._combine = stories.combine

    def __enter__(self) -> _PairCounter:
        def counted(text, *args, **kwargs):
            self.pairs += len(text)
            return self._combine(text, *args, **kwargs)

        stories.combine = counted
        return self

    def __exit__(self, *exc) -> None:
        stories.combine = self._combine


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    q1, median, q3 = np.percentile(values, [25, 50, 75])
    return float(q1), float(median), float(q3)


def archive(sizes: list[int], new_count: int, new_days: int, repeats: int) -> None:
    """Time adding `new_count` articles to archives of `sizes`. Each round adds them to a
    fresh copy of every archive, the sizes in turn (alternating order, so that a slow spell
    of the machine falls on both); round 0 warms caches and is not counted. Each figure is the
    median over rounds, with its quartiles; the ratio is the median of the rounds' ratios."""
    start = datetime.fromisoformat("2025-01-01T08:00:00+07:00")
    new = generated_articles(new_count, start + timedelta(days=180 - new_days), new_days, seed=99)
    cpus: dict[int, list[float]] = {size: [] for size in sizes}
    walls: dict[int, list[float]] = {size: [] for size in sizes}
    facts: dict[int, dict] = {}
    with tempfile.TemporaryDirectory() as folder:
        bases = {}
        for size in sizes:
            bases[size] = Path(folder) / f"archive-{size}.sqlite"
            built = time.perf_counter()
            store = StoryStore(bases[size])
            old = generated_articles(size, start, 180, seed=size)
            for k in range(0, size, 500):  # runs of 500, as daily runs would add them
                store.add(old[k : k + 500])
            facts[size] = {"stories": len(store.stories()), "build": time.perf_counter() - built}
        for r in range(repeats + 1):
            for size in sizes if r % 2 else sizes[::-1]:
                copy = Path(folder) / f"copy-{size}.sqlite"
                shutil.copy(bases[size], copy)
                gc.collect()
                with _PairCounter() as counter:
                    wall, cpu, _ = timed_add(copy, new, trace=False)
                copy.unlink()
                if r:
                    cpus[size].append(cpu)
                    walls[size].append(wall)
                facts[size]["pairs"] = counter.pairs
        for size in sizes:
            copy = Path(folder) / f"copy-{size}-mem.sqlite"
            shutil.copy(bases[size], copy)
            facts[size]["peak"] = timed_add(copy, new, trace=True)[2]
            facts[size]["MiB"] = bases[size].stat().st_size / 2**20
    rows = []
    for size in sizes:
        q1, cpu, q3 = _quartiles(cpus[size])
        f = facts[size]
        rows.append(
            [size, f["stories"], f"{f['build']:.1f}", f"{_quartiles(walls[size])[1]:.3f}",
             f"{cpu:.3f} ({q1:.3f}-{q3:.3f})", f"{1000 * cpu / new_count:.2f}",
             f"{f['pairs'] / new_count:.1f}", f"{f['peak']:.1f}", f"{f['MiB']:.1f}"]
        )  # fmt: skip
    print(f"{machine()}; {new_count} new articles over {new_days} days; median of {repeats} "
          f"rounds (quartiles)\n")  # fmt: skip
    print_table(
        ["archive", "stories", "build s", f"add {new_count}: wall s", "CPU s", "CPU ms / article",
         "pairs scored / article", "peak traced MiB", "store MiB"],
        rows,
    )  # fmt: skip
    if len(sizes) >= 2:
        first, last = sizes[0], sizes[-1]
        ratios = [b / a for a, b in zip(cpus[first], cpus[last])]
        q1, median, q3 = _quartiles(ratios)
        pairs = facts[last]["pairs"] / max(facts[first]["pairs"], 1)
        print(f"\n{last} against {first}: CPU {median:.2f}x (rounds' quartiles "
              f"{q1:.2f}-{q3:.2f}), pairs scored {pairs:.2f}x")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--score",
        action="store_true",
        help="the tune set's parts (dev, frozen, blind to blind9), tune, seeds",
    )
    parser.add_argument(
        "--blind",
        action="append",
        default=[],
        metavar="NAME",
        help="with --score: score an unspent blind set too (once, when final)",
    )
    parser.add_argument("--tune", action="store_true", help="grid and margins, tune set")
    parser.add_argument("--archive", action="store_true", help="time adding to big stores")
    parser.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    parser.add_argument("--new", type=int, default=100)
    parser.add_argument("--new-days", type=int, default=2, help="the new articles' spread")
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    if args.tune:
        tune()
    if args.score:
        # a blind set is scored only when asked for by name, once the method is final and
        # committed
        missing = [name for name in args.blind if not has_blind(name=name)]
        if missing:
            parser.error(f"no blind set {missing[0]!r} in {LABELLED}")
        blind = list(args.blind)
        score(["dev", "frozen", *SPENT_BLIND, "tune", *blind, "seeds"])
    if args.archive:
        archive(args.sizes, args.new, args.new_days, args.repeats)
    if not (args.tune or args.score or args.archive):
        parser.print_help()


if __name__ == "__main__":
    main()
