import importlib.util
import json
import threading
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from kabar.tasks import stories as stories_module
from kabar.tasks.clean import clean_text
from kabar.tasks.stories import (
    FACT_BONUS,
    LONG_WINDOW_DAYS,
    THRESHOLD,
    WINDOW_DAYS,
    Features,
    StoryArticle,
    StoryStore,
    _capitals,
    _days_apart,
    _facts,
    _headline_places,
    agree,
    conflicting,
    conflicts,
    coverage,
    features,
    matching,
    same_event,
    story_id_for,
)

ROOT = Path(__file__).resolve().parents[2]
LABELLED = ROOT / "tests" / "data" / "stories"


def _bench():
    spec = importlib.util.spec_from_file_location("bench_stories", ROOT / "bench" / "stories.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def grouping(store: StoryStore) -> set[frozenset[str]]:
    return {frozenset(s.article_ids) for s in store.stories()}


def event(name: str) -> list[StoryArticle]:
    data = json.loads((LABELLED / "articles" / f"{name}.json").read_text())
    return [
        StoryArticle(a["id"], a["title"], a["body"], a["published"], a["outlet"])
        for a in data["articles"]
    ]


_computed = stories_module.features


@pytest.fixture(scope="module", autouse=True)
def features_once():
    """Each article's features computed once for the module: the store computes them on every
    add and `same_event` on every call, and they depend on the article alone."""
    cache: dict[tuple, Features] = {}

    def cached(article: StoryArticle) -> Features:
        key = (article.article_id, article.title, tuple(article.body), article.published)
        if key not in cache:
            cache[key] = _computed(article)
        return cache[key]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stories_module, "features", cached)
        yield


@pytest.fixture(scope="module")
def dev() -> list[StoryArticle]:
    return bench.load_half("dev")[0]


@pytest.fixture(scope="module")
def tune() -> tuple[list[StoryArticle], dict[str, str]]:
    """The sets the knobs were set on: dev, frozen and the blind sets to blind23 (each scored
    once, then spent), as bench's tune set. An unspent blind set is never read here."""
    return bench.load_half("tune")


@pytest.fixture(scope="module")
def tune_grouped(tune, tmp_path_factory) -> set[frozenset[str]]:
    """The tune set through one store in one batch: grouped once for the module."""
    store = StoryStore(tmp_path_factory.mktemp("tune") / "one.sqlite")
    store.add(tune[0])
    return grouping(store)


# --- grouping -------------------------------------------------------------------------------


def test_seeds_group_into_their_three_events(tmp_path):
    articles = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        a = clean_text(path.read_text(encoding="utf-8"))
        articles.append(StoryArticle(path.stem[:3], a.title, a.body, a.published, a.outlet or ""))
    store = StoryStore(tmp_path / "stories.sqlite")
    store.add(articles)
    assert grouping(store) == {
        frozenset({"002", "004"}),
        frozenset({"001", "003"}),
        frozenset({"000"}),
    }


# The tune set's false links, each joining two events into one story (docs/stories.md).
KNOWN_FALSE_LINKS = {
    # two sets written apart each invented a fire at Pasar Lemabang, Palembang, 14 days apart;
    # both headlines name the market, so they are compared for three weeks
    frozenset(
        {
            "blind5-kebakaran-pasar-lemabang-2026-11",
            "blind6-kebakaran-pasar-lemabang-palembang-2026-12",
        }
    ),
    # two cases of one institution a day or two apart, no fact telling them apart: KPK (three
    # times), the attorney general's office (twice), Polda Metro Jaya, the agriculture minister
    frozenset({"blind-kpk-bumn-pangan-2025-06", "blind-kpk-ott-sendangarum-2025-06"}),
    frozenset(
        {"blind13-kpk-tahan-pejabat-hubla-2028-11", "blind13-ott-kpk-bupati-muratara-2028-11"}
    ),
    frozenset({"blind17-kejagung-dana-pensiun-sln", "blind17-kejagung-korupsi-impor-garam"}),
    frozenset({"blind21-kejagung-dapen-sln", "blind21-kejagung-nikel-konawe-utara"}),
    frozenset({"blind4-polda-kripto-2026-07", "blind4-polda-sabu-cipondoh-2026-07"}),
    frozenset({"blind5-pupuk-subsidi-mentan-2026-09", "blind5-stok-beras-mentan-2026-09"}),
    # a coach or a club after two matches days apart, pieces stating no score
    frozenset({"blind11-timnas-vs-kuwait-2028-03", "blind11-timnas-vs-oman-2028-03"}),
    frozenset({"blind15-persebaya-vs-arema", "blind15-persebaya-vs-psis"}),
    frozenset({"blind23-persib-vs-bali-united", "blind23-psm-vs-persib-parepare"}),
    # one agency's quake template for two neighbouring regencies a day apart: the magnitudes
    # differ, but the texts are near-copies and each names the other regency
    frozenset({"gempa-cianjur-2025-10", "gempa-sukabumi-2025-10"}),
    # dengue in Sikka and in Kota Kupang two days apart, each piece naming the other's place
    frozenset({"blind3-dbd-kotakupang-2026-01", "blind3-dbd-sikka-2026-01"}),
}


def test_the_tune_set_groups_with_its_known_false_links(tune, tune_grouped):
    # The sets the knobs are set on (dev, the spent frozen half, the twenty-two spent blind
    # sets); an unspent blind set is scored once by `python bench/stories.py --score --blind
    # NAME` and reported in docs/stories.md, never asserted here.
    articles, gold = tune
    predicted = {i: str(sorted(group)) for group in tune_grouped for i in group}
    scores = bench.pair_scores(predicted, gold)
    # 58 pairs lost: follow-ups 42 days on, reports sharing little wording (a survivor's
    # story, a summit's business forum); 54 false pairs, the twelve known false links
    assert (scores["tp"], scores["fp"], scores["fn"]) == (1080, 54, 58)
    p = bench.pair_parts(articles)
    score = bench.stories.combine(*(p[k] for k in bench.PARTS))
    set_of = {
        a.article_id: name
        for name in ("dev", "frozen", *bench.SPENT_BLIND)
        for a in bench.load_half(name)[0]
    }
    first, second = (
        [articles[a].article_id for a in p["i"]],
        [articles[b].article_id for b in p["j"]],
    )
    same_set = np.array([set_of[a] == set_of[b] for a, b in zip(first, second)])
    known = np.array(
        [frozenset({gold[a], gold[b]}) in KNOWN_FALSE_LINKS for a, b in zip(first, second)]
    )
    different = np.array([gold[a] != gold[b] for a, b in zip(first, second)])
    # within one set, the other pairs of different events all score under the threshold
    # (the highest: 0.229, two pieces of one day in blind7)
    assert score[same_set & different & ~known].max() < THRESHOLD


def test_a_headline_names_its_subject_and_two_cases_of_one_institution_differ():
    # blind2: two MK disputes of one day (judge, hall and template shared: 0.388 before), two
    # busts by one police force 2.9 days apart (spokesman shared: 0.325 before). Each headline
    # names its regency or its port, which the other never names.
    mk = [event(f"blind2-mk-psu-{r}-2025-11")[0] for r in ("batangseruyan", "teluksarana")]
    busts = [event(f"blind2-narkoba-{p}-2025-10")[0] for p in ("cengkareng", "priok")]
    for a, b in (mk, busts):
        assert any(conflicts(features(a), features(b))[1:])  # another place, or other names
        assert same_event(a, b) < THRESHOLD - 0.04
    # reports of one event name what the other's headline names
    for name in ("blind2-mk-psu-batangseruyan-2025-11", "blind2-narkoba-cengkareng-2025-10"):
        first, *others = event(name)
        for other in others:
            assert conflicts(features(first), features(other))[1:] == (0, 0)


def test_same_day_floods_in_two_regencies_are_two_events():
    garut, bekasi = event("banjir-garut-2025-01"), event("banjir-bekasi-2025-01")
    assert same_event(garut[0], garut[1]) >= THRESHOLD
    assert same_event(garut[0], bekasi[0]) < THRESHOLD


def test_a_headline_place_is_the_one_name_that_suffices():
    # blind3's false links: floods in Pati and in Jepara on one day (0.307 then), dengue in
    # Sikka and in Kota Kupang 1.9 days apart (0.308; the Kupang piece names Sikka, not the
    # reverse). Their headlines share a template ('Banjir rendam 4.312 rumah di Pati'), so the
    # headlines' coverage lifts them: the place signal is what keeps them apart.
    (pati, _), (jepara,) = (
        event("blind3-banjir-pati-2026-01"),
        event("blind3-banjir-jepara-2026-01"),
    )
    sikka, (kupang,) = event("blind3-dbd-sikka-2026-01"), event("blind3-dbd-kotakupang-2026-01")
    assert _headline_places(pati) == ({"pati"}, {"pati"})
    assert _headline_places(kupang)[0] == {"kupang"}
    # blind10's one false link: school-meal poisonings in Cianjur and in Kabupaten Sukabumi a
    # day apart, on one template (coverage 0.62): 0.285 when another place cost 0.15
    cianjur = event("blind10-keracunan-mbg-cianjur-2028-01")[0]
    sukabumi = next(
        a for a in event("blind10-keracunan-mbg-sukabumi-2028-01") if "Kabupaten" in a.title
    )
    # blind11's: floods in Luwu Utara and in Luwu Timur 1.3 days apart (0.288 when a regency
    # was its words less 'Utara' and the like: both were 'Luwu')
    utara = event("blind11-banjir-bandang-luwu-utara-2028-03")[0]
    timur = event("blind11-banjir-luwu-timur-2028-03")[0]
    assert _headline_places(utara)[0] == {"luwu utara"}
    for a, b in [(pati, jepara), (sikka[0], kupang), (cianjur, sukabumi), (utara, timur)]:
        assert conflicts(features(a), features(b))[1] == 1  # another place
        assert same_event(a, b) < THRESHOLD - 0.09
    # a locality inside the other's regency is no other place: Pelabuhanratu in Sukabumi
    _, pelabuhanratu, ciracap = event("blind2-gempa-sukabumi-2025-10")
    assert _headline_places(pelabuhanratu) == (set(), {"pelabuhanratu"})
    assert conflicts(features(pelabuhanratu), features(ciracap)) == (0, 0, 0)


def test_follow_ups_naming_the_same_place_are_compared_for_three_weeks():
    # blind3's largest miss: follow-ups 3.1 to 9.1 days on, beyond the 3-day window. Both
    # headlines name the regency (Sikka, Blora) or the locality (kawasan Sitinjau Lauik).
    cases = [
        ("blind3-dbd-sikka-2026-01", 0, 2, 3.8),
        ("blind3-vonis-pupr-blora-2026-01", 0, 2, 5.9),
        ("blind3-longsor-sitinjau-2026-01", 0, 2, 9.1),
        # a bridge is a place too: blind9's, reopened 12.2 days after it fell
        ("blind9-jembatan-brang-rea-sumbawa-2027-11", 0, 1, 12.2),
    ]
    for name, i, j, days in cases:
        articles = event(name)
        a, b = articles[i], articles[j]
        assert agree(features(a), features(b))
        assert round(_days_apart(a, b), 1) == days
        assert same_event(a, b) >= THRESHOLD + 0.06
        # the same pair, further apart than LONG_WINDOW_DAYS, is not compared
        when = datetime.fromisoformat(a.published) + timedelta(days=LONG_WINDOW_DAYS + 1)
        late = replace(b, published=when.isoformat())
        assert same_event(a, late) == 0.0
    # a pair naming no common place keeps the short window and the day penalty: the BI rate's
    # two monthly decisions (0.51 before the window) and two Persebaya matches 3.6 days apart
    (bi, *_), (next_bi,) = event("blind3-bi-rate-2026-02"), event("blind3-bi-rate-2026-03")
    assert not agree(features(bi), features(next_bi)) and same_event(bi, next_bi) == 0.0
    (_, derby), (psm, _) = (
        event("blind3-persebaya-arema-2026-02"),
        event("blind3-psm-persebaya-2026-02"),
    )
    assert same_event(derby, psm) < THRESHOLD - 0.1


def test_two_cases_of_one_institution_on_one_day_are_two_stories(tmp_path):
    # The first frozen score's one error: KPK, its spokesman and its building in both (names
    # cosine 0.56), little else (words 0.15). A sum of the two scored them 0.384, over the old
    # threshold; the geometric mean asks for both kinds of evidence.
    arrest, laptop = event("kpk-bupati-lembahsari-2025-03"), event("kpk-saksi-laptop-2025-03")
    assert same_event(arrest[0], laptop[0]) <= THRESHOLD - 0.02
    store = StoryStore(tmp_path / "stories.sqlite")
    store.add(arrest + laptop)
    assert grouping(store) == {
        frozenset(a.article_id for a in arrest),
        frozenset(a.article_id for a in laptop),
    }


def test_daily_price_pieces_on_one_template_are_not_one_event():
    (monday,), (tuesday,) = event("emas-antam-2025-02-11"), event("emas-antam-2025-02-12")
    assert conflicting(features(monday), features(tuesday))  # Rp1.658.000 against Rp1.653.000
    assert same_event(monday, tuesday) < THRESHOLD - 0.05


def test_template_stories_of_consecutive_days_state_their_facts_differently(tmp_path):
    # The first blind set's two errors: an agency's quake template a day apart in neighbouring
    # regencies (magnitude 5,3 against 4,9, depth 12 against 10 km), and two days of the
    # rupiah's close with no number in the headline (Rp16.295 against Rp16.254 per dolar; the
    # second day names the first's close as 'sebelumnya', which is not its own fact).
    quake, next_quake = (
        event("blind-gempa-lombokutara-2025-07"),
        event("blind-gempa-sumbawabarat-2025-07"),
    )
    close, next_close = event("blind-rupiah-2025-06-10"), event("blind-rupiah-2025-06-11")
    assert conflicts(features(quake[0]), features(next_quake[0]))[0] == 2
    antara, next_antara = close[1], next_close[1]
    assert antara.outlet == next_antara.outlet == "Antara"
    assert conflicting(features(antara), features(next_antara))
    assert same_event(antara, next_antara) < THRESHOLD - 0.15
    store = StoryStore(tmp_path / "stories.sqlite")
    store.add(quake + next_quake + close + next_close)
    assert grouping(store) == {
        frozenset(a.article_id for a in e) for e in (quake, next_quake, close, next_close)
    }


def test_reports_of_one_event_agree_and_a_headline_figure_is_not_a_veto():
    # Kupang Terkini's headline leads with the city's 52.300 children, which the agency copy
    # never states: no evidence against (the headline-number signal is gone).
    agency, regional, _ = event("blind-imunisasi-polio-ntt-2025-07")
    assert conflicts(features(agency), features(regional)) == (0, 0, 0)
    assert same_event(agency, regional) >= THRESHOLD + 0.2
    for name in ["blind-gempa-lombokutara-2025-07", "blind-rupiah-2025-06-10"]:
        first, *others = event(name)
        for other in others:
            assert not conflicting(features(first), features(other))


def test_facts_are_read_in_indonesian_formats_and_counts_are_not_facts():
    def facts(*body: str, published: str = "2025-07-15T10:00:00+07:00") -> list:
        return _facts(StoryArticle("x", "", list(body), published))

    assert (
        facts("Gempa M 5,2 guncang Cianjur")
        == facts("gempa bermagnitudo 5.2")
        == [("magnitude", "5.2")]
    )
    assert facts("kedalaman 10 km, 6,82 LS dan 107,11 BT") == [
        ("depth", "10"), ("coordinate LS", "6.82"), ("coordinate BT", "107.11")
    ]  # fmt: skip
    rupiah = [("price per dolar", "16310")]
    assert facts("ditutup di Rp 16.310 per dolar AS") == facts("Rp16310/dolar") == rupiah
    # the day before's figure is not this piece's fact
    assert facts("menguat ke Rp16.310 per dolar AS dari sebelumnya Rp16.285 per dolar AS") == rupiah
    assert facts("naik jadi Rp1.658.000 per gram dari Rp1.650.000 per gram pada perdagangan "
                 "sebelumnya") == [("price per gram", "1658000")]  # fmt: skip
    assert facts("IHSG ditutup menguat 0,5 persen ke level 7.123,45") == [("index", "7123.45")]
    # a sentence opening on the day before states that day's prices (blind2's gold piece)
    gold = [("price per gram", "2287000")]
    assert facts("Naik menjadi Rp2.287.000 per gram. Sehari sebelumnya, emas Antam dijual "
                 "Rp2.275.000 per gram.") == gold  # fmt: skip
    assert facts("Harga emas Rp2,287 juta per gram.") == gold
    assert facts("emas dunia 3.980 dolar AS per troi ons") == [("price per ons", "3980")]
    # ... but not a quake's: a follow-up's 'Sebelumnya, BMKG menyebut' repeats its own event
    assert facts("Sebelumnya BMKG menyebut magnitudo 5,6.") == [("magnitude", "5.6")]
    # counts of people and things rise across follow-ups: no fact
    assert facts("Korban tewas bertambah jadi 52 orang, 1.240 rumah rusak") == []
    # a day named in the text is no fact: a follow-up names its own day, not the event's
    assert facts("Rabu (15/7/2025) pagi") == []
    # the aftershocks' magnitudes are the same quake's, not its own figure (blind17: a piece
    # on the evacuees named only the biggest aftershock, and was cut from its quake)
    assert facts("Gempa M 7,2 guncang Iwate. Tercatat 80 gempa susulan, terbesar bermagnitudo "
                 "5,8.") == [("magnitude", "7.2")]  # fmt: skip
    # a badminton game's points are no match score: one final day has five finals
    assert facts("Raka/Yosef menang 21-19, 21-17 atas pasangan Malaysia") == []
    # a market piece's prices per kg are of grades and trade levels, not one event's figure
    assert facts("Beras medium Rp 15.800 per kg, di tingkat grosir Rp 14.300 per kg") == []


def test_a_follow_up_with_a_rising_toll_and_a_repeated_figure_agrees():
    first = StoryArticle(
        "a", "Gempa M 5,6 guncang Cianjur, 4 tewas",
        ["Gempa bermagnitudo 5,6 mengguncang Cianjur, Senin (21/11/2022). Empat orang tewas."],
        "2022-11-21T14:00:00+07:00",
    )  # fmt: skip
    later = StoryArticle(
        "b", "Korban gempa Cianjur jadi 162 orang",
        ["Korban tewas gempa magnitudo 5,6 di Cianjur bertambah menjadi 162 orang, Selasa "
         "(22/11/2022). BMKG memutakhirkan kedalaman gempa menjadi 11 km."],
        "2022-11-22T09:00:00+07:00",
    )  # fmt: skip
    # No fact differs: the toll is a count, the depth is stated by one only, and each piece
    # naming its own day is no disagreement; both headlines name Cianjur.
    assert conflicts(features(first), features(later)) == (0, 0, 0)
    assert same_event(first, later) >= THRESHOLD
    other = replace(later, body=[later.body[0].replace("5,6", "4,8")])
    assert conflicts(features(first), features(other))[0] == 1


def test_an_agency_copy_joins_even_retitled_and_trimmed():
    original, retitled, trimmed, _ = event("bulog-sulsel-2025-01")
    assert same_event(original, retitled) > 0.9
    assert same_event(original, trimmed) > 0.8


def test_a_follow_up_covers_the_first_report_s_headline_within_ten_days():
    # blind5's ship: the search called off 6.1 days after the sinking names the ship, the
    # regency's waters and the missing, which the first report's headline says (0.0 before:
    # beyond the three-day window of the method before).
    sinking, _, _, called_off = event("blind5-kapal-selayar-2026-10")
    assert round(_days_apart(sinking, called_off), 1) == 6.1
    assert not agree(features(sinking), features(called_off))  # no place named in both
    assert coverage(features(sinking), [features(called_off)])[0] >= 0.6
    assert same_event(sinking, called_off) >= THRESHOLD + 0.1
    # the same pair beyond WINDOW_DAYS is not compared
    when = datetime.fromisoformat(sinking.published) + timedelta(days=WINDOW_DAYS + 0.5)
    assert same_event(sinking, replace(called_off, published=when.isoformat())) == 0.0


def test_two_cases_of_one_police_force_cover_little_of_each_other_s_headline():
    # blind4's false links: Polda Metro's crypto fraud and its drug lab in Cipondoh on one day
    # (0.31 to 0.34 before): the same force, spokesman and wording, another crime. The
    # coverage keeps three of the four pairs under the threshold; since it is 0.23, one
    # (0.235) is over it and the two cases are a known false link.
    fraud, lab = event("blind4-polda-kripto-2026-07"), event("blind4-polda-sabu-cipondoh-2026-07")
    scores = []
    for a in fraud:
        for b in lab:
            assert coverage(features(a), [features(b)])[0] < 0.35
            scores.append(same_event(a, b))
    assert sum(score >= THRESHOLD for score in scores) == 1 and max(scores) < 0.24
    assert frozenset({"blind4-polda-kripto-2026-07", "blind4-polda-sabu-cipondoh-2026-07"}) in (
        KNOWN_FALSE_LINKS
    )
    # a headline with no content word says nothing against a pair: it counts as covered
    untitled = [replace(a, title="") for a in fraud[:2]]
    assert coverage(features(untitled[0]), [features(untitled[1])])[0] == 1.0


def test_a_match_s_score_and_a_crash_s_km_post_tell_one_event_from_the_next():
    def facts(text: str) -> list:
        return _facts(StoryArticle("x", "", [text], None))

    # one result told from either side; 'tanpa gol' is 0-0
    assert facts("Persebaya menang 2-1 atas PSM") == facts("PSM kalah 1-2 dari Persebaya")
    assert facts("PSM ditahan imbang tanpa gol oleh Persebaya") == [("score", "0-0")]
    assert facts("menang 10-9 lewat adu penalti") == [("score", "10-9")]
    # ranges and ages are no scores
    assert facts("biaya naik 20-30 persen, anak usia 0-7 tahun, Rapat 17-18 Februari") == []
    # the first score is the match's: a later one recalls another
    assert facts("Persija ditahan imbang Persik 1-1, tiga hari setelah menang 2-1 atas Borneo") == [
        ("score", "1-1")
    ]
    assert facts("Minibus terguling di KM 150, dua hari setelah bus di KM 102") == [("km", "150")]
    assert facts("sita 18 kg sabu; sebelumnya 42 kilogram sabu-sabu dan 900 butir ekstasi") == [
        ("seized sabu in kg", "18"),
        ("seized ekstasi in butir", "900"),
    ]
    assert facts("Dolar AS kini berada di level Rp16.627.") == [("price per dolar", "16627")]
    # the first blind set's two Persija matches 2.5 days apart: 2-1 against 1-1
    (win, praise), (draw, *_) = (
        event("blind-persija-borneo-2025-08")[:2],
        event("blind-persija-persik-2025-08"),
    )
    for a in (win, praise):
        assert conflicting(features(a), features(draw))
        assert same_event(a, draw) < THRESHOLD


def test_a_region_s_short_form_names_it_and_a_seizure_tells_two_busts_apart():
    # blind8's KPK sting: 'Musi Banyuasin' in one headline, 'Muba' in the others
    sting, confirmed, suspects = event("blind8-ott-kpk-muba-2027-07")
    assert "muba" in _capitals(sting)  # 'Musi Banyuasin', two capitalised words in a row
    assert "muba" not in _capitals(
        StoryArticle("x", "", ["Sungai Musi meluap di Banyuasin."], None)
    )
    for a, b in [(sting, confirmed), (sting, suspects)]:
        assert conflicts(features(a), features(b)) == (0, 0, 0)
        assert same_event(a, b) >= THRESHOLD + 0.1
    # the suspects' headline names a road (Sungai Lilin) the confirmation never names: weak
    # evidence against, a fifth of the threshold
    assert conflicts(features(confirmed), features(suspects)) == (0, 0, 1)
    assert same_event(confirmed, suspects) >= THRESHOLD
    assert "busi" not in _capitals(StoryArticle("x", "", ["Bupati Sikka menetapkan KLB."], None))
    # blind3: one police force's two seizures three days apart, 42 kg against 18 kg of sabu
    # (a seizure recalled after a piece's own is not read: see the facts test)
    (tanjungbalai, *_), (batubara, _) = (
        event("blind3-sabu-tanjungbalai-2026-02"),
        event("blind3-sabu-batubara-2026-02"),
    )
    assert _facts(batubara)[0] == ("seized sabu in kg", "18")
    assert conflicting(features(tanjungbalai), features(batubara))
    assert same_event(tanjungbalai, batubara) < THRESHOLD


def test_a_specific_fact_stated_alike_joins_a_rate_decision_and_its_reading():
    # blind21: the rate cut and the piece on what it means for mortgages share few words and
    # almost no names (0.143), but both give the new rate, 5,00% and 5 persen
    cut = next(a for a in event("blind21-bi-rate-februari") if a.article_id == "kon-1902-6624")
    mortgages = next(a for a in event("blind21-bi-rate-februari") if a.article_id != cut.article_id)
    assert ("policy rate", "5") in _facts(cut) and ("policy rate", "5") in _facts(mortgages)
    assert matching(features(cut), features(mortgages))
    assert same_event(cut, mortgages) >= THRESHOLD
    # the central bank's rate is never a conflict (a piece may give the Fed's first) ...
    fed = replace(mortgages, body=["Suku bunga acuan The Fed bertahan di level 4,25 persen.",
                                   *mortgages.body])  # fmt: skip
    assert not conflicting(features(cut), features(fed))
    # ... and a matching fact alone joins nothing: the bonus is under the threshold
    assert FACT_BONUS < THRESHOLD
    quake = StoryArticle("q1", "Gempa M 5,2 guncang Pacitan", ["Gempa bermagnitudo 5,2."], None)
    other = StoryArticle("q2", "Harga cabai naik", ["Di pasar, gempa magnitudo 5,2 terasa."], None)
    assert matching(features(quake), features(other)) and same_event(quake, other) < THRESHOLD
    # a match's score and a quake's depth are too common to match (1-0, 10 km)
    goals = [StoryArticle(f"g{k}", "", [f"Persib menang 1-0 atas {team}."], None)
             for k, team in enumerate(["PSM", "Persija"])]  # fmt: skip
    assert not matching(features(goals[0]), features(goals[1]))


def test_where_suspects_were_caught_is_not_where_it_happened():
    # blind23: a gold-shop robbery in Bekasi and the arrest of three robbers in Lampung four
    # days on; the follow-up's headline named Lampung, another place than the first report's
    robbery = event("blind23-perampokan-toko-emas-bekasi")
    report = next(a for a in robbery if a.article_id == "kmp-2804-0871")
    arrest = next(a for a in robbery if a.article_id == "wk-0205-3820")
    assert "Ditangkap di Lampung" in arrest.title
    assert _headline_places(arrest)[0] == {"bekasi"}  # typed by 'Polres Metro Bekasi Kota'
    assert conflicts(features(report), features(arrest))[1] == 0
    assert same_event(report, arrest) >= THRESHOLD


def test_the_same_text_weeks_apart_is_not_compared():
    (a,) = event("gempa-maluku-2025-02")  # its headline names Maluku Tengah
    assert agree(features(a), features(a))
    later = replace(a, article_id="later", published="2025-03-12T06:45:00+09:00")  # 22 days
    assert same_event(a, later) == 0.0
    sooner = replace(later, published="2025-03-08T06:45:00+09:00")  # 18 days: no day penalty
    assert same_event(a, sooner) == 1.0
    placeless = replace(a, title="Gempa guncang warga, sempat panik")
    assert not agree(features(a), features(placeless))
    assert same_event(placeless, replace(placeless, published=sooner.published)) == 0.0
    assert WINDOW_DAYS < LONG_WINDOW_DAYS


def test_features_survive_the_store_bytes():
    (a, *_) = event("blind-gempa-lombokutara-2025-07")
    f = features(a)
    g = Features.from_bytes(f.to_bytes())
    for mine, theirs in [(f.text, g.text), (f.names, g.names)]:
        assert np.array_equal(mine.indices, theirs.indices)
        assert np.array_equal(mine.values, theirs.values)
    assert np.array_equal(f.signature, g.signature)
    assert f.title_names and (f.title_names, f.capitals) == (g.title_names, g.capitals)
    assert f.facts and (f.facts, f.leads) == (g.facts, g.leads)
    assert f.places and (f.regions, f.places) == (g.regions, g.places)


# --- the store ------------------------------------------------------------------------------


def test_two_batches_group_like_one(tmp_path, tune, tune_grouped):
    articles, gold = tune
    by_date = sorted(articles, key=lambda a: a.published)
    split = StoryStore(tmp_path / "two.sqlite")
    split.add(by_date[::2])  # every other article: each event is cut across the batches
    split.add(by_date[1::2])
    assert grouping(split) == tune_grouped
    backwards = StoryStore(tmp_path / "back.sqlite")
    for k in range(len(by_date), 0, -5):  # newest first, five at a time
        backwards.add(by_date[max(0, k - 5) : k])
    assert grouping(backwards) == tune_grouped
    # the stories holding two events are the known false links; every other holds one (some
    # events stay split)
    mixed = {
        frozenset(gold[i] for i in group)
        for group in tune_grouped
        if len({gold[i] for i in group}) > 1
    }
    assert mixed == KNOWN_FALSE_LINKS


def test_a_follow_up_weeks_later_joins_in_any_order(tmp_path):
    # The appeal 5.9 days after the verdict, the road reopened 9.1 days after it closed: found
    # through the places index whichever comes first, in one batch or in two.
    articles = event("blind3-vonis-pupr-blora-2026-01") + event("blind3-longsor-sitinjau-2026-01")
    expected = {
        frozenset(a.article_id for a in event(name))
        for name in ("blind3-vonis-pupr-blora-2026-01", "blind3-longsor-sitinjau-2026-01")
    }
    for k, order in enumerate([articles, articles[::-1]]):
        store = StoryStore(tmp_path / f"order-{k}.sqlite")
        for a in order:
            store.add([a])
        assert grouping(store) == expected
    store = StoryStore(tmp_path / "one.sqlite")
    store.add(articles)
    assert grouping(store) == expected


def test_a_bridging_article_merges_and_the_older_id_survives(tmp_path):
    garut = event("banjir-garut-2025-01")[0]  # 08:10
    bekasi = event("banjir-bekasi-2025-01")[0]  # 09:00, a different flood
    roundup = StoryArticle(
        "roundup",
        "Banjir Melanda Garut dan Bekasi",
        garut.body + bekasi.body,
        "2025-01-14T18:00:00+07:00",
        "Kabar Daerah",
    )
    store = StoryStore(tmp_path / "stories.sqlite")
    # Bekasi first: the older story is the one with the earlier date, not the first filed.
    store.add([bekasi])
    store.add([garut])
    older, newer = story_id_for(garut.article_id), story_id_for(bekasi.article_id)
    assert store.story_of("unknown") is None
    assert store.story_of(garut.article_id) == older

    changed = store.add([roundup])

    assert [s.story_id for s in changed] == [older]
    (story,) = store.stories()
    assert story.story_id == older
    assert story.article_ids == [garut.article_id, bekasi.article_id, "roundup"]
    assert story.date == garut.published and story.updated == roundup.published
    assert store.story_of(bekasi.article_id) == older
    assert store.resolve(newer) == older and store.resolve(older) == older


def test_readding_is_a_no_op_and_ids_are_stable(tmp_path):
    articles = event("persib-persija-2025-03") + event("persib-bali-2025-03")
    store = StoryStore(tmp_path / "stories.sqlite")
    changed = store.add(articles)
    before = store.stories()
    assert store.add(articles) == []
    assert store.stories() == before
    assert {s.story_id for s in changed} == {s.story_id for s in before}
    first = {s.article_ids[0] for s in before}
    assert {s.story_id for s in before} == {story_id_for(i) for i in first}
    # newest-updated first: the Bali match came three days after the Persija one
    assert [s.article_ids[0] for s in before] == ["rep-2503-0051", "ant-2503-0021"]
    assert before[1].date == "2025-03-02T21:40:00+07:00"
    assert before[1].updated == "2025-03-03T08:30:00+07:00"


def test_an_undated_copy_joins_the_recent_story(tmp_path):
    original, *_ = event("bmkg-cuaca-ekstrem-2025-01")
    copy = replace(original, article_id="undated-copy", published=None, title="Cuaca ekstrem")
    store = StoryStore(tmp_path / "stories.sqlite")
    store.add([original])
    (story,) = store.add([copy])
    assert story.article_ids == [original.article_id, "undated-copy"]
    assert story.date == story.updated == original.published


def _add_in_runs(path: str, articles: list[StoryArticle]) -> None:
    store = StoryStore(Path(path))
    for k in range(0, len(articles), 3):
        store.add(articles[k : k + 3])


def test_two_processes_at_once_neither_corrupt_nor_duplicate(tmp_path, dev):
    expected = StoryStore(tmp_path / "one.sqlite")
    expected.add(dev)
    path = str(tmp_path / "shared.sqlite")
    # Both runs hold every other article, and overlap in a third: each event is cut across them.
    first, second = dev[::2] + dev[1::6], dev[1::2] + dev[::6]
    with ProcessPoolExecutor(2) as pool:
        for done in [
            pool.submit(_add_in_runs, path, first),
            pool.submit(_add_in_runs, path, second),
        ]:
            done.result()
    shared = StoryStore(Path(path))
    assert grouping(shared) == grouping(expected)
    ids = [i for s in shared.stories() for i in s.article_ids]
    assert sorted(ids) == sorted(a.article_id for a in dev)


def test_two_threads_adding_the_same_batch_file_it_once(tmp_path, dev):
    path = tmp_path / "stories.sqlite"
    StoryStore(path)
    threads = [threading.Thread(target=StoryStore(path).add, args=(dev,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = [i for s in StoryStore(path).stories() for i in s.article_ids]
    assert sorted(ids) == sorted(a.article_id for a in dev)
