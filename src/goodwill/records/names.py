"""Names as people type them: `goodwill log Priya Lee` without quotes.

The shell hands over words, not names. Words typed one after another are one name first
("Sam Okafor" is one person even when "Sam" alone is several); an argument that holds a
space (it was quoted), an id or an email stands alone. When the joined words name no one
but the words alone name different people, guessing would log with the wrong people, so
the answer is a refusal that says how to quote.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from goodwill.errors import Ambiguous, GoodwillError, NotFound
from goodwill.records import people
from goodwill.store.models import Person


def _alone(word: str) -> bool:
    """An argument that is a whole reference by itself: quoted name, id or email."""
    text = word.strip()
    return " " in text or "@" in text or text.lstrip("#").isdigit()


def runs(words: Sequence[str]) -> list[list[str]]:
    """The arguments grouped: each run of plain words together, the rest one by one."""
    out: list[list[str]] = []
    plain: list[str] = []
    for word in words:
        if _alone(word):
            if plain:
                out.append(plain)
                plain = []
            out.append([word])
        else:
            plain.append(word)
    if plain:
        out.append(plain)
    return out


def resolve_words(session: Session, words: Sequence[str]) -> list[Person]:
    """The people these arguments name, each once, in the order typed."""
    found: list[Person] = []
    for run in runs(words):
        person = _resolve_run(session, run)
        if all(p.id != person.id for p in found):
            found.append(person)
    return found


def _resolve_run(session: Session, run: list[str]) -> Person:
    joined = " ".join(w.strip() for w in run)
    try:
        return people.resolve(session, joined)
    except NotFound as whole:
        if len(run) == 1:
            raise
        alone: dict[int, tuple[str, Person]] = {}
        for word in run:
            try:
                p = people.resolve(session, word)
            except GoodwillError:
                continue
            alone.setdefault(p.id, (word, p))
        if len(alone) > 1:
            said = "; ".join(f"'{w}' is {p.display_name} (#{p.id})" for w, p in alone.values())
            quoted = " ".join(f'"{p.display_name}"' for _, p in alone.values())
            raise Ambiguous(
                f"no one is named '{joined}', and its words name different people ({said}); "
                f"to mean them, quote each full name ({quoted}) or use ids"
            ) from None
        raise whole from None


def resolve_name(session: Session, words: Sequence[str]) -> Person:
    """One person named by these words (a command that takes one PERSON)."""
    return people.resolve(session, " ".join(w.strip() for w in words))
