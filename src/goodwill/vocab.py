"""The closed vocabularies of the domain, in one place."""

from __future__ import annotations

INTERACTION_KINDS: tuple[str, ...] = (
    "coffee",
    "call",
    "meeting",
    "email",
    "message",
    "event",
    "letter",
    "note",
)

# Exchange kinds for --gave / --got (asks are their own directions with kind "ask").
EXCHANGE_KINDS: tuple[str, ...] = (
    "info",
    "idea",
    "help",
    "intro",
    "referral",
    "advice",
    "thanks",
)
# Long names people type, mapped to the stored kind.
EXCHANGE_ALIASES: dict[str, str] = {
    "information": "info",
    "assistance": "help",
    "introduction": "intro",
    "thank-you": "thanks",
    "thankyou": "thanks",
    "thank": "thanks",
}
DIRECTIONS: tuple[str, ...] = ("gave", "got", "asked", "they_asked")
ASK_OUTCOMES: tuple[str, ...] = ("open", "granted", "refused", "ignored")

INITIATORS: tuple[str, ...] = ("me", "them")

# Circles follow the layered structure of human networks (Dunbar): a few close, more
# familiar, many acquaintances. Default cadences (ideal, maximum) in days live in cadence.py.
CIRCLES: tuple[str, ...] = ("close", "active", "network", "wider")

KNOWS_HOW: tuple[str, ...] = ("introduction", "referral", "employer", "meeting", "import", "manual")

ORG_KINDS: tuple[str, ...] = ("company", "school", "group")

LEAD_STAGES: tuple[str, ...] = ("heard_of", "applied", "interviewing", "offer", "closed")
