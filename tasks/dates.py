"""What Indonesian dates are made of, for the cleaner (page text) and the feeds (feed items)."""

from __future__ import annotations

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
