"""A feed of N invented items, made on the fly (big feeds are generated, never stored)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

_PLACES = ("Demak", "Sanggau", "Bulukumba", "Kendal", "Sintang", "Makassar", "Pontianak")


def rss_feed(
    n: int, base: str = "{base}", newest: datetime | None = None, step_minutes: int = 7
) -> bytes:
    """RSS 2.0 bytes with `n` items, newest first, one every `step_minutes` back from `newest`."""
    newest = newest or datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    items = []
    for i in range(n):
        place = _PLACES[i % len(_PLACES)]
        when = format_datetime(newest - timedelta(minutes=step_minutes * i))
        items.append(
            f"<item><title>Kabar dari {place} nomor {i}</title>"
            f"<link>{base}/berita/{i}/kabar-{place.lower()}</link>"
            f'<guid isPermaLink="false">item-{i}</guid><pubDate>{when}</pubDate>'
            f"<description>Ringkasan singkat kabar nomor {i} dari {place}.</description></item>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>Feed uji</title><link>{base}/</link><description>dibuat</description>"
        + "".join(items)
        + "</channel></rss>"
    ).encode()
