"""Words for numbers, said the way people say them: "1 lead", "2 leads"."""

from __future__ import annotations

MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)  # in English whatever the locale: drafts and reasons are written in English

_IRREGULAR = {"person": "people", "day": "days", "referral": "referrals"}


def plural(count: int, word: str, many: str | None = None) -> str:
    """`count` and the word in the right number ("1 lead", "3 leads", "1 person")."""
    if count == 1:
        return f"{count} {word}"
    return f"{count:,} {many or _IRREGULAR.get(word) or word + 's'}"
