"""Full-text search over people, organisations and interaction summaries.

The domain modules call `index_*` after each write; `rebuild` redoes everything after a
bulk load. SQLite answers with FTS5 (bm25 ranking), PostgreSQL with a tsvector GIN index;
each has a second index of the person documents alone (migration 0009), which a search of
people reads: it ranks people, not every interaction summary its words also match.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import TextClause, delete, func, insert, select, text
from sqlalchemy.orm import Session

from goodwill.schemas.people import SearchHit
from goodwill.store.models import (
    Email,
    Interaction,
    Organization,
    Person,
    PersonTag,
    Role,
    SearchDoc,
    Tag,
)

_WORD = re.compile(r"\w+", re.UNICODE)
_CHUNK = 500


def _chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    for i in range(0, len(ids), _CHUNK):
        yield ids[i : i + _CHUNK]


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


# On SQLite, the person documents are also in an index of their own (migration 0009): a
# search of people alone ranks only them, not every interaction its words match.
_FTS, _PERSON_FTS = "search_fts", "search_fts_person"


def _fts_tables(kind: str) -> tuple[str, ...]:
    """The FTS5 tables a document of this kind is indexed in."""
    return (_FTS, _PERSON_FTS) if kind == "person" else (_FTS,)


def drop(session: Session, kind: str, ids: Sequence[int]) -> None:
    """Remove the documents of these records (and, on SQLite, their FTS5 entries)."""
    for chunk in _chunks(list(ids)):
        where = (SearchDoc.kind == kind) & SearchDoc.ref_id.in_(chunk)
        if _is_sqlite(session):
            # An external-content FTS5 table forgets a row only when told its old values.
            old = session.execute(
                select(SearchDoc.id, SearchDoc.title, SearchDoc.body).where(where)
            ).all()
            for table in _fts_tables(kind) if old else ():
                session.connection().exec_driver_sql(
                    f"INSERT INTO {table}({table}, rowid, title, body) VALUES ('delete', ?, ?, ?)",
                    [tuple(row) for row in old],
                )
        session.execute(delete(SearchDoc).where(where))


def _write(
    session: Session, kind: str, docs: dict[int, tuple[str, str]], *, replace: bool = True
) -> None:
    if replace:
        drop(session, kind, list(docs))
    fold = not _is_sqlite(session)
    rows = [
        {
            "kind": kind,
            "ref_id": ref,
            "title": t,
            "body": b,
            "terms": fold_text(f"{t} {b}") if fold else None,
        }
        for ref, (t, b) in docs.items()
    ]
    conn = session.connection()
    for i in range(0, len(rows), 5000):
        conn.execute(insert(SearchDoc), rows[i : i + 5000])
    if replace and _is_sqlite(session):
        for chunk in _chunks(list(docs)):
            marks = ",".join("?" * len(chunk))
            for table in _fts_tables(kind):
                conn.exec_driver_sql(
                    f"INSERT INTO {table}(rowid, title, body) SELECT id, title, body "
                    f"FROM search_doc WHERE kind = ? AND ref_id IN ({marks})",
                    (kind, *chunk),
                )


def _add_new(session: Session, kind: str, docs: dict[int, tuple[str, str]]) -> None:
    """Documents of records that have none yet (just created): one insert of them all and,
    on SQLite, one FTS5 insert per index, whatever their number."""
    if not docs:
        return
    sqlite = _is_sqlite(session)
    conn = session.connection()
    before = conn.execute(select(func.coalesce(func.max(SearchDoc.id), 0))).scalar_one()
    if sqlite:  # plain text values: straight to the driver (Core's per-row parameters cost more)
        conn.exec_driver_sql(
            "INSERT INTO search_doc (kind, ref_id, title, body) VALUES (?, ?, ?, ?)",
            [(kind, ref, t, b) for ref, (t, b) in docs.items()],
        )
    else:
        conn.execute(
            insert(SearchDoc),
            [
                {"kind": kind, "ref_id": ref, "title": t, "body": b, "terms": fold_text(f"{t} {b}")}
                for ref, (t, b) in docs.items()
            ],
        )
    if sqlite:
        for table in _fts_tables(kind):
            conn.exec_driver_sql(
                f"INSERT INTO {table}(rowid, title, body) SELECT id, title, body "
                "FROM search_doc WHERE id > ? AND kind = ?",
                (before, kind),
            )


def index_new_people(session: Session, ids: Sequence[int]) -> None:
    """Index people just created (an import): none of them has a document yet."""
    _add_new(session, "person", person_docs(session, ids))


def index_new_orgs(session: Session, orgs: Iterable[tuple[int, str]]) -> None:
    """Index organisations just created, by (id, name): a new one has only its name."""
    _add_new(session, "org", {oid: (name, "") for oid, name in orgs})


def person_docs(session: Session, ids: Sequence[int] | None) -> dict[int, tuple[str, str]]:
    """The searchable text of each person: names, emails, roles, tags, place, notes."""
    # Plain columns, not Person objects: an import indexes tens of thousands at once.
    stmt = select(
        Person.id,
        Person.display_name,
        Person.nickname,
        Person.location,
        Person.industry,
        Person.how_met,
        Person.working_on,
        Person.looking_for,
        Person.interests,
        Person.notes,
    ).where(Person.removed_at.is_(None), Person.is_me.is_(False))
    ordered = sorted(ids) if ids is not None else []
    # A run of consecutive ids (the people an import just created) is one range, not a
    # list of thousands of parameters.
    span = bool(ordered) and ordered[-1] - ordered[0] + 1 == len(set(ordered))
    if ids is not None:
        stmt = stmt.where(
            Person.id.between(ordered[0], ordered[-1]) if span else Person.id.in_(ids)
        )
    # Through the connection: Core rows, without the ORM session's result machinery
    # (and its autoflush: done here, once).
    session.flush()
    conn = session.connection()
    people = conn.execute(stmt).all()
    wanted = [p[0] for p in people]
    scope = None if ids is None else wanted
    extra: dict[int, list[str]] = defaultdict(list)

    def scoped(stmt_: object, column: object) -> object:
        if scope is None:
            return stmt_
        if span:
            return stmt_.where(column.between(ordered[0], ordered[-1]))  # type: ignore[attr-defined]
        return stmt_.where(column.in_(scope))  # type: ignore[attr-defined]

    for pid, addr in conn.execute(
        scoped(
            select(Email.person_id, Email.address),  # type: ignore[call-overload]
            Email.person_id,
        )
    ):
        extra[pid].append(addr)
    for pid, org, title in conn.execute(
        scoped(  # type: ignore[call-overload]
            select(Role.person_id, Organization.name, Role.title).join(Organization), Role.person_id
        )
    ):
        extra[pid].extend(x for x in (org, title) if x)
    for pid, tag in conn.execute(
        scoped(  # type: ignore[call-overload]
            select(PersonTag.person_id, Tag.name).join(Tag), PersonTag.person_id
        )
    ):
        extra[pid].append(tag)
    docs = {}
    for pid, name, *texts in people:
        parts = [*texts, *extra.get(pid, [])]
        docs[pid] = (name, " ".join(x for x in parts if x))
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
    """Recompute every document (after a bulk load such as the demo or an import).

    On SQLite the FTS5 index is rebuilt in one pass at the end, far faster than row by row.
    """
    session.execute(delete(SearchDoc))
    _write(session, "person", person_docs(session, None), replace=False)
    orgs = session.scalars(select(Organization)).all()
    _write(
        session,
        "org",
        {o.id: (o.name, " ".join(x for x in (o.industry, o.location, o.notes) if x)) for o in orgs},
        replace=False,
    )
    rows = session.execute(
        select(Interaction.id, Interaction.kind, Interaction.summary).where(
            Interaction.summary.is_not(None)
        )
    ).all()
    _write(session, "interaction", {i: (k, s or "") for i, k, s in rows}, replace=False)
    if _is_sqlite(session):
        for table in _fts_tables("person"):
            session.connection().exec_driver_sql(f"INSERT INTO {table}({table}) VALUES ('rebuild')")


def fold_text(value: str) -> str:
    """Lower-case, accents removed: 'Résumé' and 'resume' become the same word."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _terms(query: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(query)]


def search(
    session: Session, query: str, *, kinds: Sequence[str] | None = None, limit: int = 20
) -> list[SearchHit]:
    """Documents matching every word of `query` (the last word as a prefix), best first."""
    terms = _terms(query)
    if not terms:
        return []
    sqlite = _is_sqlite(session)
    shown = f"snippet({_fts_of(kinds)}, 1, '[', ']', '…', 12)" if sqlite else "d.body"
    rows: list[tuple[str, int, str, str]] = [
        tuple(r)  # type: ignore[misc]
        for r in session.execute(*_ranked(sqlite, terms, kinds, limit, f"d.title, {shown}"))
    ]
    if not sqlite:  # PostgreSQL's ts_headline would need the accents folded too
        rows = [(k, ref, title, _snippet(body, terms)) for k, ref, title, body in rows]
    # Straight from the index: constructed without validating each hit.
    return [
        SearchHit.model_construct(kind=k, id=ref, title=title, snippet=snip or "")
        for k, ref, title, snip in rows
    ]


def ranked_ids(session: Session, query: str, *, kind: str, limit: int) -> list[int]:
    """The ids of the `kind` records `search` would find, best first, and nothing else (the
    people list ranks up to 500 people on every search: no titles, snippets or hits)."""
    terms = _terms(query)
    if not terms:
        return []
    stmt, params = _ranked(_is_sqlite(session), terms, [kind], limit, "")
    return [int(row[1]) for row in session.execute(stmt, params)]


def _fts_of(kinds: Sequence[str] | None) -> str:
    """The FTS5 table to search for documents of these kinds (None: all)."""
    return _PERSON_FTS if kinds is not None and list(kinds) == ["person"] else _FTS


def _ranked(
    sqlite: bool, terms: Sequence[str], kinds: Sequence[str] | None, limit: int, extra: str
) -> tuple[TextClause, dict[str, object]]:
    """The ranking query: (kind, ref_id[, `extra` columns]) of the best `limit` documents
    matching every term (the last as a prefix), and its parameters."""
    kind_filter = ""
    params: dict[str, object] = {"limit": limit}
    fts = _fts_of(kinds)
    if kinds and not (sqlite and fts == _PERSON_FTS):  # that index holds people alone
        kind_filter = " AND d.kind IN (" + ",".join(f":k{i}" for i in range(len(kinds))) + ")"
        params.update({f"k{i}": k for i, k in enumerate(kinds)})
    columns = "d.kind, d.ref_id" + (f", {extra}" if extra else "")
    if sqlite:
        params["q"] = " ".join(f'"{t}"' for t in terms[:-1]) + f' "{terms[-1]}"*'
        sql = (
            f"SELECT {columns} FROM {fts} "
            f"JOIN search_doc d ON d.id = {fts}.rowid "
            f"WHERE {fts} MATCH :q{kind_filter} "
            f"ORDER BY bm25({fts}, 10.0, 1.0) LIMIT :limit"
        )
    else:
        folded = [w for t in terms for w in _WORD.findall(fold_text(t))]
        params["q"] = " & ".join(f"{t}:*" for t in folded)
        sql = (
            f"SELECT {columns} FROM search_doc d "
            f"WHERE to_tsvector('simple', d.terms) @@ to_tsquery('simple', :q){kind_filter} "
            "ORDER BY ts_rank(to_tsvector('simple', d.terms), to_tsquery('simple', :q)) DESC, "
            "d.id LIMIT :limit"
        )
    return text(sql), params


def _snippet(body: str, terms: Sequence[str], width: int = 12) -> str:
    """Up to `width` words around the first matching word, the matches in [brackets]."""
    words = body.split()
    wanted = [fold_text(t) for t in terms]
    hits = {
        i
        for i, w in enumerate(words)
        if any(fold_text(w).strip(".,;:!?()\"'").startswith(t) for t in wanted)
    }
    start = max(0, min(hits, default=0) - 3)
    shown = [f"[{w}]" if i in hits else w for i, w in enumerate(words)][start : start + width]
    return ("…" if start else "") + " ".join(shown) + ("…" if start + width < len(words) else "")


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(SearchDoc)) or 0)
