"""The cleaner against hand-annotated real pages (tests/data/cleaning; scored by
bench/cleaning.py, which records each page's F1 in scores.json)."""

import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import cleaning  # noqa: E402

GOLD = {gold["name"]: gold for gold in cleaning.load_gold()}
RECORDED = json.loads(cleaning.SCORES.read_text(encoding="utf-8"))


def test_every_gold_page_has_a_recorded_score_and_a_source():
    assert set(GOLD) == set(RECORDED)
    assert len([name for name in GOLD if not name.startswith("seed-")]) >= 10
    for gold in GOLD.values():
        assert (ROOT / gold["page"]).is_file() and gold["body"]
        assert gold["url"] or gold["page"].startswith("seeds/")


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
