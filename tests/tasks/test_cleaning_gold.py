"""The cleaner against the team's gold pages (tests/data/cleaning: invented articles laid out
in outlets' page shapes, and the five seeds; scored by bench/cleaning.py, which records each
page's F1 in scores.json). Third-party pages are measured outside the project, never here."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import cleaning  # noqa: E402

GOLD = {gold["name"]: gold for gold in cleaning.load_gold()}
RECORDED = json.loads(cleaning.SCORES.read_text(encoding="utf-8"))
PATTERNS = ("link-broken", "caption", "teaser", "no-title", "dateline")


def test_every_gold_page_has_a_recorded_score_and_is_ours():
    assert set(GOLD) == set(RECORDED)
    for name, gold in GOLD.items():
        page = Path(gold["page_path"])
        assert page.is_file() and gold["body"]
        assert ROOT in page.parents and "shared" not in page.parts
        # Only the seeds (the client's) and pages the team wrote.
        assert gold["page"].startswith("seeds/") or gold.get("written_by_team"), name
    pages = {p.name for p in cleaning.GOLD.glob("*.txt")}
    assert pages == {Path(g["page"]).name for g in GOLD.values() if g.get("written_by_team")}


def test_each_page_shape_has_three_fixtures_in_different_outlets_shapes():
    for pattern in PATTERNS:
        fixtures = [g for g in GOLD.values() if pattern in g.get("patterns", ())]
        assert len({g["name"].split("-")[1] for g in fixtures}) >= 3, pattern


@pytest.mark.parametrize("name", sorted(GOLD))
def test_body_f1_does_not_fall_below_its_record(name):
    gold = GOLD[name]
    found = cleaning.kabar_body(cleaning.page_text(gold))
    _, _, f1 = cleaning.prf(found["body"], gold["body"])
    assert f1 >= RECORDED[name] - 0.01, f"{name}: F1 {f1:.3f}, recorded {RECORDED[name]:.3f}"
    assert cleaning.lost_paragraphs(found["body"], gold["body"]) == []


@pytest.mark.parametrize("name", sorted(GOLD))
def test_title_date_and_author(name):
    gold = GOLD[name]
    found = cleaning.kabar_body(cleaning.page_text(gold))
    for field in ("title", "published", "author"):
        assert found[field] == gold[field], f"{name}: {field}"


def test_the_targets_hold_on_the_whole_set():
    rows = [cleaning.prf(cleaning.kabar_body(cleaning.page_text(g))["body"], g["body"])
            for g in GOLD.values()]  # fmt: skip
    precision = sum(r[0] for r in rows) / len(rows)
    f1 = sum(r[2] for r in rows) / len(rows)
    assert f1 >= 0.98 and precision >= 0.98, (precision, f1)
