"""Announce a need: a LinkedIn post or an email that says what you want so people can act.

A good ask is specific (which companies, which role, where), small (a name, a 20-minute
chat, an introduction), and gives something back (what you can offer in return).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from goodwill import validate
from goodwill.asking import needs
from goodwill.schemas.needs import Announcement
from goodwill.store import policy
from goodwill.store.models import Need, Setting

CHANNELS: tuple[str, ...] = ("linkedin", "email")


def _setting(session: Session, key: str) -> str | None:
    value = session.scalar(select(Setting.value).where(Setting.key == policy.member_key(key)))
    return value.strip() if value and value.strip() else None


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def draft(session: Session, need: Need, channel: str) -> Announcement:
    """The text of the post or email; nothing is sent."""
    channel = validate.choice(channel, CHANNELS, "channel")
    spec = needs.spec_of(need)
    what = need.text.rstrip(".")
    looking = [f"I am looking for {what[0].lower() + what[1:]}."]
    if spec.roles:
        looking.append(f"The role: {_join(spec.roles)}.")
    if spec.places:
        looking.append(f"Where: {_join(spec.places)}.")
    asks = []
    if spec.org_names:
        asks.append(
            f"Do you know someone at {_join(spec.org_names)}? "
            "An introduction, or just a name, would help a lot."
        )
    if spec.roles:
        asks.append(
            f"I would value 20 minutes with someone who works as a {_join(spec.roles)} "
            "to learn how they got there."
        )
    if not asks:
        asks.append("If someone comes to mind, a name or an introduction would help a lot.")
    pitch = _setting(session, "pitch")
    offer = _setting(session, "offer")
    about = [pitch] if pitch else []
    give = (
        f"In return, I am happy to help with {offer}."
        if offer
        else "And if I can help you with anything, just ask."
    )
    if channel == "linkedin":
        tags = " ".join("#" + "".join(t.title().split()) for t in spec.tags)
        body = "\n\n".join(
            x
            for x in (
                " ".join(looking),
                *about,
                " ".join(asks),
                "Comments, messages and shares are all welcome. " + give,
                tags,
            )
            if x
        )
        return Announcement(need_id=need.id, channel=channel, body=body)
    subject = f"A small ask: {what}"
    body = "\n\n".join(
        x
        for x in (
            "Hi,",
            "I hope you are well. " + " ".join(looking),
            *about,
            " ".join(asks),
            "No pressure at all, and a reply with a name is plenty. " + give,
            "Thank you!",
        )
        if x
    )
    return Announcement(need_id=need.id, channel=channel, subject=subject, body=body)
