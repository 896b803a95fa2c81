"""How well the cleaner finds the article in a page, and how its time grows with the page.

    python bench/cleaning.py [--gold DIR] [--write] [--show NAME]
    python bench/cleaning.py --timing

Every gold file (`DIR/*.json`, default tests/data/cleaning) names a page (the plain text of a
news page as copied from a browser) and what a careful reader takes from it: title, date,
author and the body paragraphs. The page is read from DIR when a file of that name is there,
else from the path the gold file gives (the seeds' pages stay in seeds/). The body is scored
the way the article-extraction benchmarks do it: precision, recall and F1 over the multiset
of word tokens. Kabar's cleaner and jusText (Indonesian stoplist, each page line a
paragraph: jusText reads HTML, so the text is wrapped in <p> elements) are scored on the same
pages. Title, date and author are checked for exact equality.

Prints a Markdown table. `--write` also puts it into docs/cleaning.md (the team's fixtures
and any other folder in sections of their own) and, for the team's fixtures, records each
page's F1 in tests/data/cleaning/scores.json, which the tests hold the cleaner to.

`--timing` cleans generated pages of growing size in three shapes (short lines that run on;
many headings and no prose; one huge paragraph) and prints the time against lines and bytes:
it should grow in proportion.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "tests" / "data" / "cleaning"
SCORES = GOLD / "scores.json"
DOC = ROOT / "docs" / "cleaning.md"
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


def load_gold(folder: Path = GOLD) -> list[dict]:
    """The folder's gold annotations, each with its name and the path of its page."""
    golds = []
    for path in sorted(folder.glob("*.json")):
        if path.name.startswith("scores"):
            continue
        gold = json.loads(path.read_text(encoding="utf-8")) | {"name": path.stem}
        beside = folder / Path(gold["page"]).name  # a copied folder keeps its pages with it
        gold["page_path"] = str(beside if beside.is_file() else ROOT / gold["page"])
        golds.append(gold)
    return golds


def page_text(gold: dict) -> str:
    return Path(gold["page_path"]).read_text(encoding="utf-8")


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


def score_all(folder: Path = GOLD) -> list[dict]:
    rows = []
    for gold in load_gold(folder):
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
                "title_wrong": bool(kabar["title"]) and kabar["title"] != gold["title"],
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
    wrong_titles = sum(r["title_wrong"] for r in rows)
    lost = sum(len(r["lost"]) for r in rows)
    lines.append("")
    lines.append(
        f"Title, date and author all right on {right} of {len(rows)} pages; wrong titles (not "
        f"left empty): {wrong_titles}; gold paragraphs lost (under half their words kept): {lost}."
    )
    return "\n".join(lines)


def _markers(folder: Path) -> tuple[str, str]:
    """The marks around a folder's table in docs/cleaning.md: one pair per folder name."""
    name = "" if folder == GOLD else f" {folder.name}"
    return (
        f"<!-- scores{name}: written by bench/cleaning.py --write -->",
        f"<!-- end of scores{name} -->",
    )


def write(rows: list[dict], text: str, folder: Path) -> None:
    start_mark, end_mark = _markers(folder)
    doc = DOC.read_text(encoding="utf-8")
    start, end = doc.index(start_mark), doc.index(end_mark)
    DOC.write_text(doc[: start + len(start_mark)] + "\n\n" + text + "\n\n" + doc[end:])
    if folder == GOLD:
        scores = {r["name"]: round(r["kabar"][2], 4) for r in rows}
        SCORES.write_text(json.dumps(scores, indent=2, sort_keys=True) + "\n", encoding="utf-8")


# --- time against page size -------------------------------------------------------------

_SHORT_LINE = "kata demi kata dari halaman yang panjang {}"
_SENTENCE = "Warga desa itu bekerja di ladang sejak pagi hari {}. "


def short_lines_page(lines: int) -> str:
    """A header and then many short unpunctuated lines: a comment thread, a live blog's
    timestamps, a list; every line continues the one before (the worst case for joining)."""
    head = "Judul Halaman Yang Sangat Panjang\n\n"
    return head + "\n".join(_SHORT_LINE.format(i) for i in range(lines)) + "\n"


def headings_page(lines: int) -> str:
    """Many short capitalised lines and no prose: a menu or an index page, all of it header."""
    return "\n".join(f"Berita Nomor {i} Dari Daerah" for i in range(lines)) + "\n"


def one_paragraph_page(size: int) -> str:
    """A header and then one paragraph of `size` bytes or a little more."""
    count = size // len(_SENTENCE.format(1000)) + 1
    return "Judul Halaman Yang Sangat Panjang\n\n" + "".join(
        _SENTENCE.format(i) for i in range(count)
    )


def timing_rows(line_counts: list[int], sizes: list[int]) -> list[tuple[str, int, int, float]]:
    from kabar.tasks.clean import clean_text

    pages = [("short lines", short_lines_page(n)) for n in line_counts]
    pages += [("headings only", headings_page(n)) for n in line_counts]
    pages += [("one paragraph", one_paragraph_page(s)) for s in sizes]
    rows = []
    for shape, text in pages:
        started = time.perf_counter()
        clean_text(text)
        seconds = time.perf_counter() - started
        rows.append((shape, text.count("\n") + 1, len(text.encode("utf-8")), seconds))
    return rows


def timing_table(rows: list[tuple[str, int, int, float]]) -> str:
    lines = [
        "| page shape | lines | bytes | seconds | µs per line |",
        "| --- | --- | --- | --- | --- |",
    ]
    for shape, count, size, seconds in rows:
        lines.append(
            f"| {shape} | {count:,} | {size:,} | {seconds:.2f} | {seconds / count * 1e6:.0f} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gold", type=Path, default=GOLD, help="a folder of page + gold pairs")
    parser.add_argument("--write", action="store_true", help="update docs and recorded scores")
    parser.add_argument("--show", help="print Kabar's body and the gold body of one page")
    parser.add_argument("--timing", action="store_true", help="time against page size")
    parser.add_argument(
        "--lines", default="1000,5000,20000,120000", help="line counts for --timing"
    )
    parser.add_argument("--bytes", default="1000000,5000000", help="paragraph sizes for --timing")
    args = parser.parse_args()
    if args.timing:
        counts = [int(n) for n in args.lines.split(",") if n]
        sizes = [int(n) for n in args.bytes.split(",") if n]
        print(timing_table(timing_rows(counts, sizes)))
        return
    folder = args.gold.resolve()
    rows = score_all(folder)
    text = table(rows)
    print(text)
    for r in rows:
        for paragraph in r["lost"]:
            print(f"lost in {r['name']}: {paragraph[:90]}", file=sys.stderr)
        wrong = [field for field, ok in r["fields"].items() if not ok]
        if wrong:
            print(f"wrong in {r['name']}: {', '.join(wrong)}", file=sys.stderr)
    if args.show:
        gold = next(g for g in load_gold(folder) if g["name"] == args.show)
        found = kabar_body(page_text(gold))
        print(json.dumps({"kabar": found, "gold": gold}, ensure_ascii=False, indent=1))
    if args.write:
        write(rows, text, folder)


if __name__ == "__main__":
    main()
