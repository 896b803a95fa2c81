"""How well the cleaner finds the article in a page, against hand-made gold annotations.

    python bench/cleaning.py [--write]

Every gold file in tests/data/cleaning/*.json names a page (the plain text of a news page
as copied from a browser), its source URL, and what a careful reader takes from it: title,
date, author and the body paragraphs. The body is scored the way the article-extraction
benchmarks do it: precision, recall and F1 over the multiset of word tokens. Kabar's cleaner
and jusText (Indonesian stoplist, each page line a paragraph: jusText reads HTML, so the
text is wrapped in <p> elements) are scored on the same pages. Title, date and author are
checked for exact equality.

Prints a Markdown table. `--write` also puts it into docs/cleaning.md and records each
page's F1 in tests/data/cleaning/scores.json, which the tests hold the cleaner to.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "cleaning"
SCORES = GOLD / "scores.json"
DOC = ROOT / "docs" / "cleaning.md"
TABLE_START = "<!-- scores: written by bench/cleaning.py --write -->"
TABLE_END = "<!-- end of scores -->"
sys.path.insert(0, str(ROOT))

_TOKEN = re.compile(r"\w+", re.UNICODE)


def tokens(paragraphs: list[str]) -> Counter:
    return Counter(t.lower() for p in paragraphs for t in _TOKEN.findall(p))


def prf(found: list[str], gold: list[str]) -> tuple[float, float, float]:
    got, want = tokens(found), tokens(gold)
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values()) if got else (1.0 if not want else 0.0)
    recall = overlap / sum(want.values()) if want else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def load_gold() -> list[dict]:
    return [
        json.loads(path.read_text(encoding="utf-8")) | {"name": path.stem}
        for path in sorted(GOLD.glob("*.json"))
        if path != SCORES
    ]


def page_text(gold: dict) -> str:
    return (ROOT / gold["page"]).read_text(encoding="utf-8")


def kabar_body(text: str) -> dict:
    from kabar.tasks.clean import clean_text

    return clean_text(text).to_dict()


def justext_body(text: str) -> list[str]:
    import justext

    lines = [line.strip() for line in text.splitlines() if line.strip()]
    page = "<html><body>" + "".join(f"<p>{html.escape(line)}</p>" for line in lines)
    page += "</body></html>"
    paragraphs = justext.justext(page.encode("utf-8"), justext.get_stoplist("Indonesian"))
    return [p.text for p in paragraphs if not p.is_boilerplate]


def lost_paragraphs(found: list[str], gold: list[str]) -> list[str]:
    """Gold paragraphs of which less than half the words came out."""
    got = tokens(found)
    lost = []
    for paragraph in gold:
        want = tokens([paragraph])
        if sum((got & want).values()) < sum(want.values()) / 2:
            lost.append(paragraph)
    return lost


def score_all() -> list[dict]:
    rows = []
    for gold in load_gold():
        text = page_text(gold)
        kabar = kabar_body(text)
        jus = justext_body(text)
        rows.append(
            {
                "name": gold["name"],
                "outlet": gold.get("outlet") or "(unknown outlet)",
                "kabar": prf(kabar["body"], gold["body"]),
                "justext": prf(jus, gold["body"]),
                "fields": {
                    field: kabar[field] == gold[field] for field in ("title", "published", "author")
                },
                "lost": lost_paragraphs(kabar["body"], gold["body"]),
            }
        )
    return rows


def table(rows: list[dict]) -> str:
    def mean(key: str, index: int) -> float:
        return sum(r[key][index] for r in rows) / len(rows)

    lines = [
        "| page | outlet | Kabar P | Kabar R | Kabar F1 | jusText P | jusText R | jusText F1 "
        "| title, date, author |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in rows:
        fields = " ".join("✓" if ok else "✗" for ok in r["fields"].values())
        k, j = r["kabar"], r["justext"]
        lines.append(
            f"| {r['name']} | {r['outlet']} | {k[0]:.3f} | {k[1]:.3f} | **{k[2]:.3f}** "
            f"| {j[0]:.3f} | {j[1]:.3f} | {j[2]:.3f} | {fields} |"
        )
    lines.append(
        f"| **macro mean** ({len(rows)} pages) | | {mean('kabar', 0):.3f} | {mean('kabar', 1):.3f} "
        f"| **{mean('kabar', 2):.3f}** | {mean('justext', 0):.3f} | {mean('justext', 1):.3f} "
        f"| {mean('justext', 2):.3f} | |"
    )
    right = sum(all(r["fields"].values()) for r in rows)
    lost = sum(len(r["lost"]) for r in rows)
    lines.append("")
    lines.append(
        f"Title, date and author all right on {right} of {len(rows)} pages; "
        f"gold paragraphs lost (under half their words kept): {lost}."
    )
    return "\n".join(lines)


def write(rows: list[dict], text: str) -> None:
    doc = DOC.read_text(encoding="utf-8")
    start, end = doc.index(TABLE_START), doc.index(TABLE_END)
    DOC.write_text(doc[: start + len(TABLE_START)] + "\n\n" + text + "\n\n" + doc[end:])
    scores = {r["name"]: round(r["kabar"][2], 4) for r in rows}
    SCORES.write_text(json.dumps(scores, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="update docs and recorded scores")
    parser.add_argument("--show", help="print Kabar's body and the gold body of one page")
    args = parser.parse_args()
    rows = score_all()
    text = table(rows)
    print(text)
    for r in rows:
        for paragraph in r["lost"]:
            print(f"lost in {r['name']}: {paragraph[:90]}", file=sys.stderr)
        wrong = [field for field, ok in r["fields"].items() if not ok]
        if wrong:
            print(f"wrong in {r['name']}: {', '.join(wrong)}", file=sys.stderr)
    if args.show:
        gold = next(g for g in load_gold() if g["name"] == args.show)
        found = kabar_body(page_text(gold))
        print(json.dumps({"kabar": found, "gold": gold}, ensure_ascii=False, indent=1))
    if args.write:
        write(rows, text)


if __name__ == "__main__":
    main()
