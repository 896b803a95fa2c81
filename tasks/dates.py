"""What Indonesian dates are made of, for the cleaner (page text) and the feeds (feed items)."""

from __future__ import annotations

from datetime import datetime

# Month names and abbreviations as Indonesian outlets print them (old spellings such as
# 'Pebruari' and 'Nopember' included), with the English ones some feeds carry. Not 'Agus':
# it is a common first name, and '12 Agus' is more often a person than a month.
MONTHS = {
    "jan": 1, "januari": 1, "january": 1,
    "feb": 2, "februari": 2, "february": 2, "peb": 2, "pebruari": 2,
    "mar": 3, "maret": 3, "march": 3,
    "apr": 4, "april": 4,
    "mei": 5, "may": 5,
    "jun": 6, "juni": 6, "june": 6,
    "jul": 7, "juli": 7, "july": 7,
    "agu": 8, "agt": 8, "ags": 8, "agustus": 8, "aug": 8, "august": 8,
    "sep": 9, "sept": 9, "september": 9,
    "okt": 10, "oct": 10, "oktober": 10, "october": 10,
    "nov": 11, "nop": 11, "november": 11, "nopember": 11,
    "des": 12, "dec": 12, "desember": 12, "december": 12,
}  # fmt: skip

# Indonesia's three time zones, hours ahead of UTC.
ZONES = {"WIB": 7, "WITA": 8, "WIT": 9}

_ZONE_NAMES = {hours * 3600: name for name, hours in ZONES.items()}


def local_time(published: str | None) -> str:
    """A stored ISO time as a reader reads it, to the minute with its zone: '2020-08-17 09:53
    WIB' in Indonesia's zones, '+05:30' style elsewhere, 'UTC'; '' when there is none. Kabar
    reads Indonesian news, so UTC+7, +8 and +9 are named WIB, WITA and WIT (a Bangkok or
    Tokyo time would be too)."""
    if not published:
        return ""
    try:
        moment = datetime.fromisoformat(published)
    except ValueError:
        return published[:16].replace("T", " ")
    offset = moment.utcoffset()
    if offset is None:
        return f"{moment:%Y-%m-%d %H:%M}"
    seconds = int(offset.total_seconds())
    if seconds in _ZONE_NAMES:
        zone = _ZONE_NAMES[seconds]
    elif seconds == 0:
        zone = "UTC"
    else:
        zone = moment.strftime("%z")
        zone = f"{zone[:3]}:{zone[3:]}"
    return f"{moment:%Y-%m-%d %H:%M} {zone}"
