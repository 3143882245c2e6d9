"""The lean `person show`: one person's page on a SQLite file, through the DB-API with
prepared SQL, without SQLAlchemy, pydantic or numpy.

It gives exactly what `person_page.detail` gives (PersonDetail's JSON shape, as plain
dicts), tests/cli/test_person_show_lean.py compares the two for every person of a demo
network in both formats. The figures come from what the write path keeps: tie strength
from the person's `contact_summary` row (the fitted model applied to one row in plain
Python, `strength_model.strength_one`), the balance from their `ledger_summary` row, the
red flags from a few statements over their exchanges and requests (the rules and words of
`scoring/ledger_rules.py`). Where the answer is not sure it returns None and the command
takes its usual path, which answers or says what is wrong: a database `people_reads`
cannot read as it is, a name that is not exactly one active person, you or someone
removed, kept rows of other weights, history on or after the moment asked about.
"""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from goodwill.safe_text import cell, console
from goodwill.scoring import ledger_rules as rules
from goodwill.scoring import strength_model as sm
from goodwill.views.people_reads import _EPOCH, _UNIX_JD, _connect, _day

Row = dict[str, Any]

_MAX_ID = 2**31 - 1  # validate.MAX_ID: a larger number is not an id

_PERSON = (
    "SELECT id, display_name, circle, location, given_name, family_name, nickname, industry, "
    "how_met, met_on, working_on, looking_for, interests, notes, cadence_ideal_days, "
    "cadence_max_days, removed_at, is_me FROM person WHERE id = ?"
)
_BY_EMAIL = (
    "SELECT person.id FROM person JOIN email ON person.id = email.person_id WHERE email.address = ?"
)
_ACTIVE = "person.removed_at IS NULL AND person.is_me IS 0"
_BY_NAME = f"SELECT person.id FROM person WHERE {_ACTIVE} AND lower(person.display_name) = ?"
_LIKE_NAME = (
    f"SELECT person.id FROM person WHERE {_ACTIVE} AND "
    "(lower(person.display_name) LIKE lower(?) ESCAPE '\\' "
    "OR lower(person.nickname) LIKE lower(?) ESCAPE '\\') "
    "ORDER BY person.display_name LIMIT 11"
)
_EMAILS = "SELECT address FROM email WHERE person_id = ? ORDER BY id"
_PHONES = "SELECT number FROM phone WHERE person_id = ? ORDER BY id"
_TAGS = (
    "SELECT tag.name FROM person_tag JOIN tag ON tag.id = person_tag.tag_id "
    "WHERE person_tag.person_id = ? ORDER BY tag.name"
)
_LAST = "SELECT max(day) FROM participant WHERE person_id = ? AND planned = 0"
_LINKS = "SELECT link.url FROM link WHERE link.person_id = ? ORDER BY link.id"
_ROLES = (
    "SELECT organization.name, role.org_id, role.title, role.start_date, role.end_date, "
    "role.is_current FROM role JOIN organization ON organization.id = role.org_id "
    "WHERE role.person_id = ? ORDER BY role.id"
)
_COUNT = "SELECT count(*) FROM participant WHERE participant.person_id = ?"
_LATEST = (
    "SELECT participant.interaction_id FROM participant JOIN interaction "
    "ON interaction.id = participant.interaction_id WHERE participant.person_id = ? "
    "ORDER BY interaction.occurred_at DESC, interaction.id DESC LIMIT ?"
)
_KNOWS = (
    "SELECT knows.a_id, knows.b_id, knows.how, knows.note FROM knows "
    "WHERE knows.a_id = ? OR knows.b_id = ?"
)


def _in(n: int) -> str:
    return "(" + ",".join("?" * n) + ")"


def _names_present(n: int) -> str:
    return (
        "SELECT person.id, person.display_name FROM person "
        f"WHERE person.id IN {_in(n)} AND person.removed_at IS NULL"
    )


def _brief_items(n: int) -> str:
    return (
        "SELECT interaction.id, interaction.occurred_at, interaction.kind, interaction.summary, "
        f"interaction.initiated_by FROM interaction WHERE interaction.id IN {_in(n)} "
        "ORDER BY interaction.occurred_at DESC, interaction.id DESC"
    )


def _brief_people(n: int) -> str:
    return (
        "SELECT participant.interaction_id, person.display_name FROM participant "
        f"JOIN person ON person.id = participant.person_id "
        f"WHERE participant.interaction_id IN {_in(n)}"
    )


def _brief_exchanges(n: int) -> str:
    return (
        "SELECT exchange.interaction_id, exchange.direction, exchange.kind, exchange.text "
        f"FROM exchange WHERE exchange.interaction_id IN {_in(n)} ORDER BY exchange.id"
    )


# The kept figures (migration 0016): any row says which weights the triggers kept.
_SUMMARY_MODEL = "SELECT model FROM contact_summary LIMIT 1"
_SUMMARY = (
    "SELECT last_day, first_day, decayed, count, by_me, initiated, weighted, decayed_short "
    "FROM contact_summary WHERE person_id = ?"
)
_LEDGER_MODEL = "SELECT model FROM ledger_summary LIMIT 1"
_LEDGER = (
    "SELECT gave, got, gives, gets, last_give, last_get, last_day FROM ledger_summary "
    "WHERE person_id = ?"
)

# strength._mutual for one person: the knows-edge confidences of each end, less the edges
# to removed people or you.
_MUTUAL = [
    (
        f"SELECT sum(knows.confidence) FROM knows WHERE knows.created_at < ? AND knows.{mine} = ?",
        f"SELECT knows.confidence FROM knows JOIN person ON person.id = knows.{other} "
        f"WHERE knows.{mine} = ? AND knows.created_at < ? "
        "AND (person.removed_at IS NOT NULL OR person.is_me = 1)",
    )
    for mine, other in (("a_id", "b_id"), ("b_id", "a_id"))
]

# flags.py's statements for one person (the same rules, the same order of rows).
_GIVES = _in(len(rules.GIVE_KINDS))
_ONE_WAY_GIVES = (
    "SELECT count(*), min(exchange.occurred_at), group_concat(exchange.kind, ',') "
    "FROM exchange WHERE exchange.occurred_at >= ? AND exchange.occurred_at < ? "
    f"AND exchange.direction = 'gave' AND exchange.kind IN {_GIVES} "
    "AND exchange.person_id = ? GROUP BY exchange.person_id "
    "HAVING count(*) >= ? AND NOT (EXISTS (SELECT * FROM exchange AS back "
    "WHERE back.person_id = exchange.person_id AND back.direction = 'got' "
    f"AND back.kind IN {_GIVES} AND back.occurred_at >= ? AND back.occurred_at < ?)) "
    "AND NOT (EXISTS (SELECT * FROM exchange AS granted "
    "WHERE granted.person_id = exchange.person_id AND granted.direction = 'asked' "
    "AND granted.outcome = 'granted' AND granted.occurred_at >= ? AND granted.occurred_at < ?))"
)
_SNUBS = (
    "SELECT exchange.occurred_at, exchange.outcome, exchange.text FROM exchange "
    "WHERE exchange.id IN (SELECT inner_x.id FROM exchange AS inner_x "
    "WHERE inner_x.direction = 'asked' AND inner_x.outcome IN ('refused', 'ignored') "
    "AND inner_x.occurred_at >= ? AND inner_x.occurred_at < ? AND inner_x.person_id = ?) "
    "ORDER BY exchange.occurred_at, exchange.id"
)
_LAST_BACK = (
    "SELECT max(exchange.occurred_at) FROM exchange "
    "WHERE exchange.occurred_at >= ? AND exchange.occurred_at < ? "
    f"AND (exchange.direction = 'got' AND exchange.kind IN {_GIVES} "
    "OR exchange.direction = 'asked' AND exchange.outcome = 'granted') "
    "AND exchange.person_id = ?"
)
_THANKS_OWED = (
    "SELECT got.kind, got.occurred_at FROM exchange AS got "
    f"WHERE got.direction = 'got' AND got.kind IN {_in(len(rules.THANKS_FOR))} "
    "AND got.occurred_at >= ? AND got.occurred_at <= ? AND NOT (EXISTS (SELECT * "
    "FROM exchange AS thanks WHERE thanks.person_id = got.person_id "
    "AND thanks.direction = 'gave' AND thanks.kind = 'thanks' "
    "AND thanks.occurred_at >= got.occurred_at AND thanks.occurred_at < ?)) "
    "AND got.person_id = ? ORDER BY got.occurred_at"
)
_REQUESTS_OPEN = (
    "SELECT request.text, request.created_at, request.due FROM request "
    "WHERE request.status = 'open' AND request.created_at < ? AND request.person_id = ? "
    "ORDER BY request.created_at, request.id"
)


class _Unsure(Exception):
    """The lean read cannot answer exactly: the usual path will."""


def _stamp(when: dt.datetime) -> str:
    """A datetime as the store writes it in SQLite (SQLAlchemy's DateTime text)."""
    return when.strftime("%Y-%m-%d %H:%M:%S.%f")


def _time(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _day_number(when: dt.datetime) -> float:
    """store.days.day_number."""
    return (when - _EPOCH).total_seconds() / 86400.0 + _UNIX_JD


def detail(db: str | None, ref: str, *, as_of: dt.datetime | None = None) -> Row | None:
    """`person show REF` as PersonDetail's JSON shape, or None when the usual path must
    answer (see the module's docstring)."""
    with _connect(db) as conn:
        if conn is None:
            return None
        try:
            pid = _resolve(conn, ref)
            if pid is None:
                return None
            return _detail(conn, pid, as_of or dt.datetime.now())
        except (_Unsure, sqlite3.Error, ValueError):
            return None


def _resolve(conn: sqlite3.Connection, ref: str) -> int | None:
    """records.people.resolve when it finds exactly one active person (not you); None for
    anything else (the usual path finds a removed person's survivor, or says what is wrong)."""
    ref = ref.strip()
    if not ref:
        return None
    if ref.lstrip("#").isdigit():
        number = int(ref.lstrip("#"))
        return number if number <= _MAX_ID else None
    if "@" in ref:
        found: list[int] = [r[0] for r in conn.execute(_BY_EMAIL, (ref.lower(),))]
        return found[0] if len(found) == 1 else None
    exact: list[int] = [r[0] for r in conn.execute(_BY_NAME, (ref.lower(),))]
    if len(exact) == 1:
        return exact[0]
    if exact:
        return None
    escaped = ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    like: list[int] = [r[0] for r in conn.execute(_LIKE_NAME, (f"%{escaped}%", escaped))]
    return like[0] if len(like) == 1 else None


def _column(conn: sqlite3.Connection, sql: str, args: Sequence[Any]) -> list[Any]:
    return [r[0] for r in conn.execute(sql, args)]


def _detail(conn: sqlite3.Connection, pid: int, when: dt.datetime) -> Row | None:
    person = conn.execute(_PERSON, (pid,)).fetchone()
    if person is None:
        return None
    (_, name, circle, location, given, family, nickname, industry, how_met, met_on) = person[:10]
    (working_on, looking_for, interests, notes, ideal, most, removed_at, is_me) = person[10:]
    if removed_at is not None or is_me:
        return None  # a survivor, or you: the usual path
    strength, why = _strength(conn, pid, when)
    owed = _balance(conn, pid, when)
    roles = [
        {
            "organization": org,
            "org_id": org_id,
            "title": title,
            "start": start,
            "end": end,
            "current": bool(is_current),
        }
        for org, org_id, title, start, end, is_current in conn.execute(_ROLES, (pid,))
    ]
    # The summary's organisation (people_list.summaries): the last current role, else the
    # last role.
    currents = [r for r in roles if r["current"]]
    current = (currents or roles)[-1] if roles else None
    last = conn.execute(_LAST, (pid,)).fetchone()[0]
    latest = _column(conn, _LATEST, (pid, 10))
    return {
        "id": pid,
        "name": name,
        "emails": _column(conn, _EMAILS, (pid,)),
        "phones": _column(conn, _PHONES, (pid,)),
        "organization": current["organization"] if current else None,
        "title": current["title"] if current else None,
        "circle": circle,
        "tags": _column(conn, _TAGS, (pid,)),
        "location": location,
        "last_contact": None if last is None else _day(last).isoformat(),
        "given_name": given,
        "family_name": family,
        "nickname": nickname,
        "industry": industry,
        "links": _column(conn, _LINKS, (pid,)),
        "roles": roles,
        "how_met": how_met,
        "met_on": met_on,
        "working_on": working_on,
        "looking_for": looking_for,
        "interests": interests,
        "notes": notes,
        "cadence_ideal_days": ideal,
        "cadence_max_days": most,
        "interactions_count": conn.execute(_COUNT, (pid,)).fetchone()[0],
        "recent": _briefs(conn, latest),
        "knows": _knows(conn, pid),
        "removed": False,
        "strength": strength,
        "strength_words": sm.words(strength, ever=why is not None),
        "strength_reasons": [
            {"feature": feature, "change": change, "words": text}
            for feature, change, text in why or []
        ],
        **owed,
        "flags": _flags(conn, pid, name, when),
    }


def _briefs(conn: sqlite3.Connection, ids: list[int]) -> list[Row]:
    """person_page.interaction_briefs."""
    if not ids:
        return []
    n = len(ids)
    who: dict[int, list[str]] = defaultdict(list)
    for iid, person in conn.execute(_brief_people(n), ids):
        who[iid].append(person)
    said: dict[int, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for iid, direction, kind, text in conn.execute(_brief_exchanges(n), ids):
        value = text or kind if direction in ("asked", "they_asked") else kind
        if value not in said[iid][direction]:
            said[iid][direction].append(value)
    out = []
    for iid, occurred_at, kind, summary, initiated_by in conn.execute(_brief_items(n), ids):
        by_dir = said.get(iid, {})
        out.append(
            {
                "id": iid,
                "date": _time(occurred_at).date().isoformat(),
                "kind": kind,
                "summary": summary,
                "initiated_by": initiated_by,
                "people": sorted(who.get(iid, [])),
                "gave": by_dir.get("gave", []),
                "got": by_dir.get("got", []),
                "asked": by_dir.get("asked", []),
                "they_asked": by_dir.get("they_asked", []),
            }
        )
    return out


def _knows(conn: sqlite3.Connection, pid: int) -> list[Row]:
    """person_page.knows_of."""
    rows = conn.execute(_KNOWS, (pid, pid)).fetchall()
    others = list({b if a == pid else a for a, b, _, _ in rows})
    names: dict[int, str] = {}
    if others:
        names = dict(conn.execute(_names_present(len(others)), others).fetchall())
    seen: dict[int, Row] = {}
    for a, b, how, note in rows:
        other = b if a == pid else a
        if other in names and other not in seen:
            seen[other] = {"id": other, "name": names[other], "how": how, "note": note}
    return sorted(seen.values(), key=lambda k: str(k["name"]).lower())


def _strength(
    conn: sqlite3.Connection, pid: int, when: dt.datetime
) -> tuple[float, list[tuple[str, float, str]] | None]:
    """strength.scores and strength.reasons for one person, from their kept summary row."""
    m = sm.MODEL
    kept = conn.execute(_SUMMARY_MODEL).fetchone()
    model = sm.fingerprint(m.channel_weights, m.intensity_half_life_days, m.recent_half_life_days)
    if kept is not None and kept[0] != model:
        raise _Unsure  # kept for other weights: the usual path scans the rows
    row = conn.execute(_SUMMARY, (pid,)).fetchone()
    if row is None:
        return 0.0, None
    now_day = _day_number(when)
    last_day, first_day, decayed, count, by_me, initiated, weighted, decayed_short = row
    if last_day >= now_day:
        raise _Unsure  # history on or after now: grouped from the rows by the usual path
    stamp = _stamp(when)
    mutual = 0.0
    for total, stale in _MUTUAL:
        mutual += float(conn.execute(total, (stamp, pid)).fetchone()[0] or 0.0)
        for (confidence,) in conn.execute(stale, (pid, stamp)):
            mutual -= confidence
    value, design = sm.strength_one(
        days_since_last=now_day - last_day,
        days_known=now_day - first_day,
        decayed=decayed
        * math.exp((sm.ANCHOR_DAY - now_day) * math.log(2) / m.intensity_half_life_days),
        decayed_short=(decayed_short or 0.0)
        * math.exp((sm.ANCHOR_DAY - now_day) * math.log(2) / m.recent_half_life_days),
        count=float(count),
        weighted_count=weighted,
        by_me=float(by_me),
        by_them=float(initiated - by_me),
        mutual=max(mutual, 0.0),
    )
    return value, None if design is None else sm.reasons(design)


def _balance(conn: sqlite3.Connection, pid: int, when: dt.datetime) -> Row:
    """ledger.balances for one person, from their kept ledger row."""
    kept = conn.execute(_LEDGER_MODEL).fetchone()
    if kept is not None and kept[0] != rules.FINGERPRINT:
        raise _Unsure
    out: Row = {
        "given": 0.0,
        "received": 0.0,
        "balance": 0.0,
        "last_give": None,
        "last_get": None,
    }
    row = conn.execute(_LEDGER, (pid,)).fetchone()
    if row is None:
        return out
    gave, got, _gives, _gets, last_give, last_get, last_day = row
    day = _day_number(when)
    if last_day >= day:
        raise _Unsure
    rate = math.log(2) / rules.BALANCE_HALF_LIFE_DAYS
    scale = math.exp((sm.ANCHOR_DAY - day) * rate)
    given, received = round(float(gave * scale or 0), 3), round(float(got * scale or 0), 3)
    out.update(
        given=given,
        received=received,
        balance=round(given - received, 3),
        last_give=None if last_give is None else _day(last_give).isoformat(),
        last_get=None if last_get is None else _day(last_get).isoformat(),
    )
    return out


def _flags(conn: sqlite3.Connection, pid: int, name: str, when: dt.datetime) -> list[Row]:
    """flags.compute for one person (no taker flag: that one is about you)."""
    as_of = _stamp(when)
    start = _stamp(when - dt.timedelta(days=rules.ONE_WAY_WINDOW_DAYS))
    window = (start, as_of)
    found: list[tuple[str, str, dt.date]] = []
    # One-way: the gives first, then the asks refused or ignored that nothing came back after.
    reasons: list[str] = []
    since: dt.datetime | None = None
    kinds = rules.GIVE_KINDS
    for gives, first, given in conn.execute(
        _ONE_WAY_GIVES,
        (*window, *kinds, pid, rules.ONE_WAY_MIN_GIVES, *kinds, *window, *window),
    ):
        since = _time(first)
        reasons.append(rules.gives_reason(int(gives), since, given.split(",")))
    snubs = conn.execute(_SNUBS, (*window, pid)).fetchall()
    if snubs:
        back = conn.execute(_LAST_BACK, (*window, *kinds, pid)).fetchone()[0]
        last_back = None if back is None else _time(back)
        for occurred_text, outcome, text in snubs:
            occurred = _time(occurred_text)
            if last_back is not None and last_back >= occurred:
                continue
            reasons.append(rules.snub_reason(outcome, text, occurred))
            since = occurred if since is None else min(since, occurred)
    if reasons and since is not None:
        found.append(("one_way", "; ".join(reasons), since.date()))
    owed = conn.execute(
        _THANKS_OWED,
        (
            *rules.THANKS_FOR,
            _stamp(when - dt.timedelta(days=rules.THANKS_LOOKBACK_DAYS)),
            _stamp(when - dt.timedelta(days=rules.THANKS_GRACE_DAYS)),
            as_of,
            pid,
        ),
    ).fetchall()
    if owed:
        items = [(kind, _time(occurred)) for kind, occurred in owed]
        found.append(("thanks_owed", rules.thanks_reason(items), items[0][1].date()))
    for text, created, due in conn.execute(_REQUESTS_OPEN, (as_of, pid)):
        made = _time(created)
        due_on = None if due is None else dt.date.fromisoformat(due)
        found.append(
            (
                "unanswered_request",
                rules.request_reason(text, made, due_on, when.date()),
                made.date(),
            )
        )
    order = {k: i for i, k in enumerate(rules.FLAG_ORDER)}
    found.sort(key=lambda f: (order[f[0]], f[2]))  # one person: kind, then since
    return [
        {
            "kind": kind,
            "person": name,
            "person_id": pid,
            "reason": reason.replace("{name}", name),
            "since": day.isoformat(),
        }
        for kind, reason, day in found
    ]


def render(item: Mapping[str, Any]) -> None:
    """`person show`'s table: a person's page (PersonDetail's JSON shape) as a panel of
    facts and the recent interactions, the one rendering both paths print."""
    from rich.panel import Panel
    from rich.table import Table
    from rich.text import Text

    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    roles = item["roles"]
    current = next((r for r in roles if r["current"]), None)
    facts = [
        ("id", item["id"]),
        (
            "works",
            f"{current['title'] + ', ' if current['title'] else ''}{current['organization']}"
            if current
            else None,
        ),
        (
            "past",
            [
                f"{r['title'] + ', ' if r['title'] else ''}{r['organization']}"
                for r in roles
                if not r["current"]
            ]
            or None,
        ),
        ("emails", item["emails"] or None),
        ("phones", item["phones"] or None),
        ("links", item["links"] or None),
        ("circle", item["circle"]),
        ("tags", item["tags"] or None),
        ("location", item["location"]),
        ("industry", item["industry"]),
        ("met", item["how_met"]),
        ("working on", item["working_on"]),
        ("looking for", item["looking_for"]),
        ("interests", item["interests"]),
        ("last contact", item["last_contact"]),
        ("interactions", item["interactions_count"]),
        ("strength", f"{item['strength']:.2f}: {item['strength_words']}"),
        ("why", [r["words"] for r in item["strength_reasons"]] or None),
        (
            "balance",
            f"you gave {item['given']:.1f}, received {item['received']:.1f} "
            f"({item['balance']:+.1f})"
            if item["last_give"] or item["last_get"]
            else None,
        ),
        ("last give", item["last_give"]),
        ("last get", item["last_get"]),
        ("knows", [k["name"] for k in item["knows"]] or None),
        ("notes", item["notes"]),
    ]
    for label, value in facts:
        if value not in (None, ""):
            grid.add_row(label, cell(value))
    for flag in item["flags"]:
        grid.add_row(f"flag: {flag['kind'].replace('_', ' ')}", flag["reason"])
    out = console()
    # A Text title: Panel reads a str title as markup, and a name is not markup.
    title = Text(cell(item["name"]) + (" (removed)" if item["removed"] else ""))
    out.print(Panel(grid, title=title, expand=False))
    if item["recent"]:
        recent = Table(title="Recent", header_style="bold")
        for col in ("date", "kind", "summary", "gave", "got"):
            recent.add_column(col)
        for i in item["recent"]:
            recent.add_row(
                str(i["date"]), i["kind"], i["summary"] or "", cell(i["gave"]), cell(i["got"])
            )
        out.print(recent)
