"""The question bank for informational interviews: load it, extend it, pick from it.

The bank ships in goodwill/career/questions.toml; a file of the same shape in the user's
config folder ($XDG_CONFIG_HOME/goodwill/questions.toml) adds questions and categories.
Questions that ask for a job are dropped: an informational interview is not a job interview.
"""

from __future__ import annotations

import random
import re
import string
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from goodwill.errors import InvalidInput

BANK_FILE = Path(__file__).parent / "questions.toml"
PLACEHOLDERS = ("org", "title", "name")
MIN_QUESTIONS, MAX_QUESTIONS = 8, 12

# Asking for a job turns a conversation into a transaction; these never reach a sheet.
_JOB_ASK = re.compile(
    r"\b(do you have|have you got|are there|is there|any)\b[^?]*"
    r"\b(jobs?|openings?|vacanc(y|ies)|open (roles?|positions?)|positions? open)\b"
    r"|\b(are|is) (you|your team|{org}|the company) hiring\b"
    r"|\bhire me\b|\b(give|get|find) me a (job|position|role)\b"
    r"|\brefer me (for|to) (a|an|the|your) (job|role|position|opening)\b",
    re.IGNORECASE,
)


@dataclass
class Category:
    key: str
    title: str
    pick: int
    questions: list[str] = field(default_factory=list)


def user_file() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("goodwill", appauthor=False)) / "questions.toml"


def asks_for_job(text: str) -> bool:
    return bool(_JOB_ASK.search(text))


def fields_of(text: str) -> set[str]:
    """The {placeholders} a question uses."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def _read(path: Path) -> dict[str, object]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput("questions file", str(path), f"not valid TOML ({exc})") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidInput("questions file", str(path), f"cannot be read ({exc})") from exc


def _parse(data: Mapping[str, object], path: Path) -> list[Category]:
    out = []
    for key, table in data.items():
        if not isinstance(table, dict):
            raise InvalidInput("questions file", str(path), f"[{key}] must be a table")
        questions = table.get("questions", [])
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            raise InvalidInput(
                "questions file", str(path), f"[{key}] questions must be a list of strings"
            )
        pick = table.get("pick", 2)
        if not isinstance(pick, int) or isinstance(pick, bool) or pick < 0:
            raise InvalidInput("questions file", str(path), f"[{key}] pick must be a number")
        for q in questions:
            try:
                unknown = fields_of(q) - set(PLACEHOLDERS)
            except ValueError as exc:
                raise InvalidInput("questions file", str(path), f"bad braces in {q!r}") from exc
            if unknown:
                raise InvalidInput(
                    "questions file",
                    str(path),
                    f"{q!r} uses {{{sorted(unknown)[0]}}}; use {{org}}, {{title}} or {{name}}",
                )
        title = table.get("title", key.replace("_", " ").capitalize())
        out.append(Category(key=key, title=str(title), pick=pick, questions=list(questions)))
    return out


def load(extra: Path | None = None) -> list[Category]:
    """The shipped bank extended by the user's file (or `extra`), job asks removed."""
    bank = {c.key: c for c in _parse(_read(BANK_FILE), BANK_FILE)}
    path = extra if extra is not None else user_file()
    if path.is_file():
        for cat in _parse(_read(path), path):
            if cat.key in bank:
                known = bank[cat.key]
                known.questions += [q for q in cat.questions if q not in known.questions]
            else:
                bank[cat.key] = cat
    for cat in bank.values():
        cat.questions = [" ".join(q.split()) for q in cat.questions if not asks_for_job(q)]
    return list(bank.values())


def pick(
    bank: Sequence[Category],
    values: Mapping[str, str | None],
    *,
    seed: int,
    avoid: Iterable[str] = (),
) -> list[tuple[str, str]]:
    """Between 8 and 12 (category title, question) pairs, filled in with `values`.

    Each category gives its `pick` questions; ones already asked of this person (`avoid`)
    come last; questions naming an unknown {placeholder} are skipped. Same seed, same sheet.
    """
    rng = random.Random(seed)
    known = {k: v for k, v in values.items() if v}
    asked = set(avoid)
    chosen: list[tuple[str, str]] = []
    spare: list[tuple[str, str]] = []
    for cat in bank:
        usable = [q.format_map(known) for q in cat.questions if fields_of(q) <= set(known)]
        rng.shuffle(usable)
        usable.sort(key=lambda q: q in asked)  # stable: fresh questions first
        chosen += [(cat.title, q) for q in usable[: cat.pick]]
        spare += [(cat.title, q) for q in usable[cat.pick :]]
    spare.sort(key=lambda item: item[1] in asked)
    if len(chosen) < MIN_QUESTIONS:
        chosen += spare[: MIN_QUESTIONS - len(chosen)]
    chosen = chosen[:MAX_QUESTIONS]
    order = {c.title: i for i, c in enumerate(bank)}
    return sorted(chosen, key=lambda item: order.get(item[0], len(order)))
