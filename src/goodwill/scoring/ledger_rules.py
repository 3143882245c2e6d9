"""The reciprocity ledger's weights and the red flags' rules and words, without SQLAlchemy:
`ledger.py` and `flags.py` compute with them over the store, and the command line's lean
`person show` (views/person_reads.py) reads one person's figures with the same numbers
and sentences, without importing the store."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

# What one exchange of each kind is worth in the ledger, in "pieces of information".
KIND_WEIGHTS: dict[str, float] = {
    "info": 1.0,
    "idea": 1.0,
    "advice": 1.5,
    "help": 2.0,
    "intro": 3.0,
    "referral": 4.0,
    "thanks": 0.25,  # acknowledges, does not repay
}
DEFAULT_KIND_WEIGHT = 1.0
BALANCE_HALF_LIFE_DAYS = 365.0

# The weights the triggers keep `ledger_summary` with (migration 0016 holds the same).
FINGERPRINT = f"h={BALANCE_HALF_LIFE_DAYS:g};d={DEFAULT_KIND_WEIGHT:g};" + ",".join(
    f"{k}={v:g}" for k, v in sorted(KIND_WEIGHTS.items())
)

# The red flags (flags.py says what each means).
ONE_WAY_WINDOW_DAYS = 365
ONE_WAY_MIN_GIVES = 3
# Kinds that count as "something given" for one-way and taker (a thank-you does not).
GIVE_KINDS: tuple[str, ...] = ("info", "idea", "help", "intro", "referral", "advice")
THANKS_FOR: tuple[str, ...] = ("help", "intro", "referral")
THANKS_GRACE_DAYS = 2
THANKS_LOOKBACK_DAYS = 90
FLAG_ORDER: tuple[str, ...] = ("thanks_owed", "unanswered_request", "one_way", "taker")


def when(value: dt.date | dt.datetime) -> str:
    """A date in words: '12 March 2024'."""
    return f"{value.day} {value:%B %Y}"


def times(n: int) -> str:
    return "once" if n == 1 else "twice" if n == 2 else f"{n} times"


def listed(words: Sequence[str]) -> str:
    return ", ".join(sorted(set(words)))


def gives_reason(gives: int, first: dt.datetime, kinds: Sequence[str]) -> str:
    """One-way, first rule: you gave `gives` times since `first`, nothing came back."""
    return (
        f"you gave to {{name}} {times(gives)} since {when(first)} "
        f"({listed(kinds)}); nothing came back"
    )


def snub_reason(outcome: str, text: str | None, occurred: dt.datetime) -> str:
    """One-way, second rule: an ask of yours refused or ignored."""
    what = f"your ask ({text})" if text else "your ask"
    verb = "refused" if outcome == "refused" else "ignored"
    return f"{{name}} {verb} {what} of {when(occurred)}"


_GIVEN_WORDS = {"help": "help", "intro": "an introduction", "referral": "a referral"}


def thanks_reason(items: Sequence[tuple[str, dt.datetime]]) -> str:
    """A thank-you owed for these (kind, when) received, oldest first."""
    first = items[0][1]
    what = " and ".join(dict.fromkeys(_GIVEN_WORDS.get(k, k) for k, _ in items))
    reason = f"{{name}} gave you {what} on {when(first)}"
    if len(items) > 1:
        reason = f"{{name}} gave you {what} {times(len(items))} since {when(first)}"
    return reason + "; no thank-you logged"


def request_reason(text: str, created: dt.datetime, due: dt.date | None, today: dt.date) -> str:
    """A request someone made of you, still open."""
    reason = f"{{name}} asked you for {text} on {when(created)}; still unanswered"
    if due is not None:
        late = due < today
        reason += f" ({'was ' if late else ''}due {when(due)})"
    return reason
