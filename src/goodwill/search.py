"""Full-text search over people, organisations and interaction summaries.

The domain modules call `index_*` after each write; `rebuild` redoes everything after a
bulk load. SQLite answers with FTS5 (bm25 ranking), PostgreSQL with a tsvector GIN index.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import delete, func, insert, select, text
from sqlalchemy.orm import Session

from goodwill.models import (
    Email,
    Interaction,
    Organization,
    Person,
    PersonTag,
    Role,
    SearchDoc,
    Tag,
)
from goodwill.schemas.people import SearchHit

_WORD = re.compile(r"\w+", re.UNICODE)
_CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def drop(session: Session, kind: str, ids: Sequence[int]) -> None:
    for chunk in _chunks(list(ids)):
        session.execute(
            delete(SearchDoc).where(SearchDoc.kind == kind, SearchDoc.ref_id.in_(chunk))
        )


def _write(session: Session, kind: str, docs: dict[int, tuple[str, str]]) -> None:
    drop(session, kind, list(docs))
    rows = [{"kind": kind, "ref_id": ref, "title": t, "body": b} for ref, (t, b) in docs.items()]
    for i in range(0, len(rows), 5000):
        session.execute(insert(SearchDoc), rows[i : i + 5000])


def person_docs(session: Session, ids: Sequence[int] | None) -> dict[int, tuple[str, str]]:
    """The searchable text of each person: names, emails, roles, tags, place, notes."""
    stmt = select(Person).where(Person.removed_at.is_(None))
    if ids is not None:
        stmt = stmt.where(Person.id.in_(ids))
    people = session.scalars(stmt).all()
    wanted = [p.id for p in people]
    scope = None if ids is None else wanted
    extra: dict[int, list[str]] = defaultdict(list)

    def scoped(stmt_: object, column: object) -> object:
        return stmt_.where(column.in_(scope)) if scope is not None else stmt_  # type: ignore[attr-defined]

    for pid, addr in session.execute(
        scoped(
            select(Email.person_id, Email.address),  # type: ignore[call-overload]
            Email.person_id,
        )
    ):
        extra[pid].append(addr)
    for pid, org, title in session.execute(
        scoped(  # type: ignore[call-overload]
            select(Role.person_id, Organization.name, Role.title).join(Organization), Role.person_id
        )
    ):
        extra[pid].extend(x for x in (org, title) if x)
    for pid, tag in session.execute(
        scoped(  # type: ignore[call-overload]
            select(PersonTag.person_id, Tag.name).join(Tag), PersonTag.person_id
        )
    ):
        extra[pid].append(tag)
    docs = {}
    for p in people:
        parts = [
            p.nickname,
            p.location,
            p.industry,
            p.how_met,
            p.working_on,
            p.looking_for,
            p.interests,
            p.notes,
            *extra.get(p.id, []),
        ]
        docs[p.id] = (p.display_name, " ".join(x for x in parts if x))
    return docs


def index_people(session: Session, ids: Sequence[int]) -> None:
    for chunk in _chunks(list(ids)):
        _write(session, "person", person_docs(session, chunk))


def index_org(session: Session, org: Organization) -> None:
    body = " ".join(x for x in (org.industry, org.location, org.notes, org.website) if x)
    _write(session, "org", {org.id: (org.name, body)})


def index_interactions(session: Session, ids: Sequence[int]) -> None:
    for chunk in _chunks(list(ids)):
        rows = session.execute(
            select(Interaction.id, Interaction.kind, Interaction.summary).where(
                Interaction.id.in_(chunk)
            )
        ).all()
        _write(session, "interaction", {i: (kind, summary) for i, kind, summary in rows if summary})


def rebuild(session: Session) -> None:
    """Recompute every document (after a bulk load such as the demo or an import)."""
    session.execute(delete(SearchDoc))
    _write(session, "person", person_docs(session, None))
    orgs = session.scalars(select(Organization)).all()
    _write(
        session,
        "org",
        {o.id: (o.name, " ".join(x for x in (o.industry, o.location, o.notes) if x)) for o in orgs},
    )
    rows = session.execute(
        select(Interaction.id, Interaction.kind, Interaction.summary).where(
            Interaction.summary.is_not(None)
        )
    ).all()
    _write(session, "interaction", {i: (k, s or "") for i, k, s in rows})


def _terms(query: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(query)]


def search(
    session: Session, query: str, *, kinds: Sequence[str] | None = None, limit: int = 20
) -> list[SearchHit]:
    """Documents matching every word of `query` (the last word as a prefix), best first."""
    terms = _terms(query)
    if not terms:
        return []
    kind_filter = ""
    params: dict[str, object] = {"limit": limit}
    if kinds:
        kind_filter = " AND d.kind IN (" + ",".join(f":k{i}" for i in range(len(kinds))) + ")"
        params.update({f"k{i}": k for i, k in enumerate(kinds)})
    dialect = session.get_bind().dialect.name
    if dialect == "sqlite":
        params["q"] = " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*'
        sql = (
            "SELECT d.kind, d.ref_id, d.title, "
            "snippet(search_fts, 1, '[', ']', '…', 12) FROM search_fts "
            "JOIN search_doc d ON d.id = search_fts.rowid "
            f"WHERE search_fts MATCH :q{kind_filter} "
            "ORDER BY bm25(search_fts, 10.0, 1.0) LIMIT :limit"
        )
    else:
        params["q"] = " & ".join(f"{t}:*" for t in terms)
        sql = (
            "SELECT d.kind, d.ref_id, d.title, "
            "ts_headline('simple', d.body, to_tsquery('simple', :q), "
            "'StartSel=[,StopSel=],MaxWords=12,MinWords=4') "
            "FROM search_doc d WHERE to_tsvector('simple', d.title || ' ' || d.body) "
            f"@@ to_tsquery('simple', :q){kind_filter} "
            "ORDER BY ts_rank(to_tsvector('simple', d.title || ' ' || d.body), "
            "to_tsquery('simple', :q)) DESC, d.id LIMIT :limit"
        )
    rows = session.execute(text(sql), params).all()
    return [
        SearchHit(kind=k, id=ref, title=title, snippet=snip or "") for k, ref, title, snip in rows
    ]


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SearchDoc)) or 0)
