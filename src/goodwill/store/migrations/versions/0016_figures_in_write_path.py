"""figures: the contact and ledger summaries kept by triggers in the writing transaction

`contact_summary` (0004) was brought up to date by readers: triggers put people on
`contact_dirty` and the next read recomputed them and committed, so reads wrote (and a
read-only file or role could not be read). Now triggers on participant keep the summary
itself, in the transaction of the write, whoever writes (the app, an import, a sync,
another process, plain SQL):

- a row that starts counting (inserted, or its copied facts filled in, 0002) is added to
  its person's row: max/min of the days, sums and counts (one keyed upsert: bulk imports
  stay linear);
- a row that stops counting or changes (deleted, moved to someone else, its interaction
  edited) has its person's row recomputed from their rows (one indexed group; the
  anchored decayed sums are far too large to subtract from exactly). On PostgreSQL these
  run once per statement over its transition tables.

A row counts when it has a day and is not planned. The channel weights and half-lives
below are those of `goodwill.scoring.strength.MODEL` at this revision, and `MODEL_NAME`
its fingerprint (`contact_summary.Decay.fingerprint`): a reader uses the summary only
when the fingerprint matches its model (a test keeps them equal), else it scans the rows.
Changing the model therefore comes with a migration that replaces these triggers.

`ledger_summary` does the same for the reciprocity ledger (`scoring.ledger`), from the
exchanges given and received: per person the kind-weighted sums decayed to the anchor
day (half-life 365 days), the counts and the last give and get (day numbers).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import math

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ANCHOR_DAY = 2451544.5
DEFAULT_CHANNEL_WEIGHT = 0.5
CHANNEL_WEIGHTS = {
    "meeting": 1.0,
    "coffee": 1.0,
    "event": 0.7,
    "call": 0.8,
    "letter": 0.6,
    "email": 0.5,
    "message": 0.5,
    "note": 0.2,
}
HALF_LIFE_DAYS = 365.0
SHORT_HALF_LIFE_DAYS = 30.0
MODEL_NAME = (
    f"h={HALF_LIFE_DAYS:g};s={SHORT_HALF_LIFE_DAYS:g};d={DEFAULT_CHANNEL_WEIGHT:g};"
    + ",".join(f"{k}={v:g}" for k, v in sorted(CHANNEL_WEIGHTS.items()))
)
RATE = math.log(2) / HALF_LIFE_DAYS
SHORT_RATE = math.log(2) / SHORT_HALF_LIFE_DAYS

COLUMNS = (
    "person_id, last_day, first_day, decayed, count, by_me, initiated, weighted, "
    "decayed_short, model"
)
WATCHED = ("person_id", "day", "kind", "initiated_by", "planned")


def _weight(kind: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v!r}" for k, v in CHANNEL_WEIGHTS.items())
    return f"(CASE {kind} {whens} ELSE {DEFAULT_CHANNEL_WEIGHT!r} END)"


def _values(r: str) -> str:
    """The summary columns of one participant row `r` (NEW or OLD), as a SELECT list."""
    w = _weight(f"{r}.kind")
    return (
        f"{r}.person_id, {r}.day, {r}.day, {w} * exp(({r}.day - {ANCHOR_DAY!r}) * {RATE!r}), 1, "
        f"CASE WHEN {r}.initiated_by = 'me' THEN 1 ELSE 0 END, "
        f"CASE WHEN {r}.initiated_by IS NULL THEN 0 ELSE 1 END, {w}, "
        f"{w} * exp(({r}.day - {ANCHOR_DAY!r}) * {SHORT_RATE!r}), '{MODEL_NAME}'"
    )


def _grouped(where: str) -> str:
    """The summary rows of the participant rows matching `where`, one per person."""
    w = _weight("kind")
    return (
        f"SELECT person_id, max(day), min(day), "
        f"sum({w} * exp((day - {ANCHOR_DAY!r}) * {RATE!r})), count(*), "
        "sum(CASE WHEN initiated_by = 'me' THEN 1 ELSE 0 END), count(initiated_by), "
        f"sum({w}), sum({w} * exp((day - {ANCHOR_DAY!r}) * {SHORT_RATE!r})), "
        f"'{MODEL_NAME}' FROM participant WHERE day IS NOT NULL AND planned = false "
        f"AND ({where}) GROUP BY person_id"
    )


_ADD = (
    "ON CONFLICT (person_id) DO UPDATE SET "
    "last_day = {max}(contact_summary.last_day, excluded.last_day), "
    "first_day = {min}(contact_summary.first_day, excluded.first_day), "
    "decayed = contact_summary.decayed + excluded.decayed, "
    "count = contact_summary.count + excluded.count, "
    "by_me = contact_summary.by_me + excluded.by_me, "
    "initiated = contact_summary.initiated + excluded.initiated, "
    "weighted = contact_summary.weighted + excluded.weighted, "
    "decayed_short = contact_summary.decayed_short + excluded.decayed_short"
)


def _free(person: str) -> str:
    """True unless a bulk write holds `person`'s figures (store/figures.held): SQLite's
    triggers run per row, so a merge or an undo moving thousands of one person's rows would
    recompute them once per row; held, they are recomputed once, when the hold is released
    in the same transaction. PostgreSQL's triggers run once per statement: no hold there."""
    return f"NOT EXISTS (SELECT 1 FROM figures_hold WHERE figures_hold.person_id = {person})"


def _summary_recompute(person: str) -> str:
    return (
        f"DELETE FROM contact_summary WHERE person_id = {person}; "
        f"INSERT INTO contact_summary ({COLUMNS}) {_grouped(f'person_id = {person}')};"
    )


def _counts(r: str) -> str:
    return f"({r}.day IS NOT NULL AND {r}.planned = false)"


def _changed() -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in WATCHED)


def _sqlite() -> None:
    add = (
        f"INSERT INTO contact_summary ({COLUMNS}) SELECT {_values('NEW')} "
        f"WHERE {_counts('NEW')} {_ADD.format(max='max', min='min')};"
    )
    recompute = _summary_recompute
    op.execute(
        f"CREATE TRIGGER summary_participant_ai AFTER INSERT ON participant "
        f"WHEN {_counts('NEW')} BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER summary_participant_ad AFTER DELETE ON participant "
        f"WHEN {_counts('OLD')} AND {_free('OLD.person_id')} "
        f"BEGIN {recompute('OLD.person_id')} END"
    )
    # The copy of an interaction's facts (0002) fills a new row's day after its insert:
    # a row that did not count yet is added, not recomputed.
    op.execute(
        f"CREATE TRIGGER summary_participant_au_add AFTER UPDATE OF {', '.join(WATCHED)} "
        f"ON participant WHEN NOT {_counts('OLD')} AND ({_changed()}) BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER summary_participant_au AFTER UPDATE OF {', '.join(WATCHED)} "
        f"ON participant WHEN {_counts('OLD')} AND ({_changed()}) AND {_free('OLD.person_id')} "
        f"BEGIN {recompute('OLD.person_id')} END"
    )
    # A row moved to another person is added to theirs.
    moved = (
        f"INSERT INTO contact_summary ({COLUMNS}) SELECT {_values('NEW')} "
        f"WHERE {_counts('NEW')} {_ADD.format(max='max', min='min')};"
    )
    op.execute(
        f"CREATE TRIGGER summary_participant_au_moved AFTER UPDATE OF {', '.join(WATCHED)} "
        f"ON participant WHEN {_counts('OLD')} AND NEW.person_id IS NOT OLD.person_id "
        f"AND {_free('NEW.person_id')} BEGIN {moved} END"
    )


def _postgresql() -> None:
    add = _ADD.format(max="greatest", min="least")
    op.execute(
        "CREATE FUNCTION summary_add() RETURNS trigger AS $$ BEGIN "
        f"INSERT INTO contact_summary ({COLUMNS}) "
        f"{_grouped('true').replace('FROM participant', 'FROM new_rows')} {add}; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    touched = "person_id IN (SELECT person_id FROM old_rows UNION SELECT person_id FROM new_rows)"
    gone = "person_id IN (SELECT person_id FROM old_rows)"
    op.execute(
        "CREATE FUNCTION summary_recompute() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'DELETE' THEN "
        f"DELETE FROM contact_summary WHERE {gone}; "
        f"INSERT INTO contact_summary ({COLUMNS}) {_grouped(gone)}; "
        "ELSE "
        f"DELETE FROM contact_summary WHERE {touched}; "
        f"INSERT INTO contact_summary ({COLUMNS}) {_grouped(touched)}; "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER summary_participant_i AFTER INSERT ON participant "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION summary_add()"
    )
    op.execute(
        "CREATE TRIGGER summary_participant_d AFTER DELETE ON participant "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION summary_recompute()"
    )
    op.execute(
        "CREATE TRIGGER summary_participant_u AFTER UPDATE ON participant "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION summary_recompute()"
    )


# The ledger's weights (scoring.ledger at this revision) and its fingerprint.
KIND_WEIGHTS = {
    "info": 1.0,
    "idea": 1.0,
    "advice": 1.5,
    "help": 2.0,
    "intro": 3.0,
    "referral": 4.0,
    "thanks": 0.25,
}
DEFAULT_KIND_WEIGHT = 1.0
LEDGER_HALF_LIFE_DAYS = 365.0
LEDGER_NAME = f"h={LEDGER_HALF_LIFE_DAYS:g};d={DEFAULT_KIND_WEIGHT:g};" + ",".join(
    f"{k}={v:g}" for k, v in sorted(KIND_WEIGHTS.items())
)
LEDGER_RATE = math.log(2) / LEDGER_HALF_LIFE_DAYS
LEDGER_COLUMNS = "person_id, gave, got, gives, gets, last_give, last_get, last_day, model"
DAY = {
    "sqlite": "julianday({})",
    "postgresql": "(extract(epoch from {}) / 86400.0 + 2440587.5)",
}


def _ledger_grouped(dialect: str, where: str, source: str = "exchange") -> str:
    """The ledger summary rows of the counted exchanges of `source` matching `where`."""
    day = DAY[dialect].format("occurred_at")
    whens = " ".join(f"WHEN '{k}' THEN {v!r}" for k, v in KIND_WEIGHTS.items())
    weight = f"(CASE kind {whens} ELSE {DEFAULT_KIND_WEIGHT!r} END)"
    decayed = f"{weight} * exp(({day} - {ANCHOR_DAY!r}) * {LEDGER_RATE!r})"
    return (
        f"SELECT person_id, sum(CASE WHEN direction = 'gave' THEN {decayed} ELSE 0.0 END), "
        f"sum(CASE WHEN direction = 'got' THEN {decayed} ELSE 0.0 END), "
        "sum(CASE WHEN direction = 'gave' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN direction = 'got' THEN 1 ELSE 0 END), "
        f"max(CASE WHEN direction = 'gave' THEN {day} END), "
        f"max(CASE WHEN direction = 'got' THEN {day} END), max({day}), '{LEDGER_NAME}' "
        f"FROM {source} WHERE direction IN ('gave', 'got') AND occurred_at IS NOT NULL "
        f"AND ({where}) GROUP BY person_id"
    )


def _ledger_add(dialect: str) -> str:
    big = "max" if dialect == "sqlite" else "greatest"
    return (
        "ON CONFLICT (person_id) DO UPDATE SET "
        "gave = ledger_summary.gave + excluded.gave, "
        "got = ledger_summary.got + excluded.got, "
        "gives = ledger_summary.gives + excluded.gives, "
        "gets = ledger_summary.gets + excluded.gets, "
        f"last_give = coalesce({big}(ledger_summary.last_give, excluded.last_give), "
        "ledger_summary.last_give, excluded.last_give), "
        f"last_get = coalesce({big}(ledger_summary.last_get, excluded.last_get), "
        "ledger_summary.last_get, excluded.last_get), "
        f"last_day = {big}(ledger_summary.last_day, excluded.last_day)"
    )


def _ledger_table() -> None:
    import sqlalchemy as sa

    op.create_table(
        "ledger_summary",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gave", sa.Float(), nullable=False),
        sa.Column("got", sa.Float(), nullable=False),
        sa.Column("gives", sa.Integer(), nullable=False),
        sa.Column("gets", sa.Integer(), nullable=False),
        sa.Column("last_give", sa.Float(), nullable=True),
        sa.Column("last_get", sa.Float(), nullable=True),
        sa.Column("last_day", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )


def _ledger_sqlite() -> None:
    one = _ledger_grouped("sqlite", "rowid = NEW.rowid")
    add = f"INSERT INTO ledger_summary ({LEDGER_COLUMNS}) {one} {_ledger_add('sqlite')};"
    # (INSERT ... SELECT ... GROUP BY needs no WHERE before ON CONFLICT: it has one.)
    recompute = _ledger_recompute
    op.execute(f"CREATE TRIGGER ledger_exchange_ai AFTER INSERT ON exchange BEGIN {add} END")
    op.execute(
        "CREATE TRIGGER ledger_exchange_ad AFTER DELETE ON exchange "
        f"WHEN {_free('OLD.person_id')} BEGIN {recompute('OLD.person_id')} END"
    )
    watched = "person_id, direction, kind, occurred_at"
    op.execute(
        f"CREATE TRIGGER ledger_exchange_au AFTER UPDATE OF {watched} ON exchange "
        f"WHEN {_free('OLD.person_id')} BEGIN {recompute('OLD.person_id')} END"
    )
    op.execute(
        f"CREATE TRIGGER ledger_exchange_au_moved AFTER UPDATE OF {watched} ON exchange "
        f"WHEN NEW.person_id IS NOT OLD.person_id AND {_free('NEW.person_id')} "
        f"BEGIN {recompute('NEW.person_id')} END"
    )
    # Releasing a hold (store/figures.held) brings its person's figures up to date once.
    op.execute(
        "CREATE TRIGGER figures_hold_ad AFTER DELETE ON figures_hold BEGIN "
        f"{_summary_recompute('OLD.person_id')} {recompute('OLD.person_id')} END"
    )


def _ledger_recompute(person: str) -> str:
    return (
        f"DELETE FROM ledger_summary WHERE person_id = {person}; "
        f"INSERT INTO ledger_summary ({LEDGER_COLUMNS}) "
        f"{_ledger_grouped('sqlite', f'person_id = {person}')};"
    )


def _ledger_postgresql() -> None:
    grouped = _ledger_grouped("postgresql", "true", source="new_rows")
    op.execute(
        "CREATE FUNCTION ledger_add() RETURNS trigger AS $$ BEGIN "
        f"INSERT INTO ledger_summary ({LEDGER_COLUMNS}) {grouped} {_ledger_add('postgresql')}; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    touched = "person_id IN (SELECT person_id FROM old_rows UNION SELECT person_id FROM new_rows)"
    gone = "person_id IN (SELECT person_id FROM old_rows)"
    op.execute(
        "CREATE FUNCTION ledger_recompute() RETURNS trigger AS $$ BEGIN "
        "IF TG_OP = 'DELETE' THEN "
        f"DELETE FROM ledger_summary WHERE {gone}; "
        f"INSERT INTO ledger_summary ({LEDGER_COLUMNS}) {_ledger_grouped('postgresql', gone)}; "
        "ELSE "
        f"DELETE FROM ledger_summary WHERE {touched}; "
        f"INSERT INTO ledger_summary ({LEDGER_COLUMNS}) "
        f"{_ledger_grouped('postgresql', touched)}; "
        "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER ledger_exchange_i AFTER INSERT ON exchange "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_add()"
    )
    op.execute(
        "CREATE TRIGGER ledger_exchange_d AFTER DELETE ON exchange "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION ledger_recompute()"
    )
    op.execute(
        "CREATE TRIGGER ledger_exchange_u AFTER UPDATE ON exchange "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
        "EXECUTE FUNCTION ledger_recompute()"
    )


def _drop_0004() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("contact_dirty_ai", "contact_dirty_ad", "contact_dirty_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
    else:
        op.execute("DROP TRIGGER IF EXISTS contact_dirty_aiud ON participant")
        op.execute("DROP FUNCTION IF EXISTS contact_dirty_mark()")
    op.drop_table("contact_dirty")


def upgrade() -> None:
    import sqlalchemy as sa

    _drop_0004()
    op.create_table(
        "figures_hold",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    if op.get_bind().dialect.name == "sqlite":
        _ensure_exp()
        _sqlite()
    else:
        _postgresql()
    op.execute("DELETE FROM contact_summary")
    op.execute(f"INSERT INTO contact_summary ({COLUMNS}) {_grouped('true')}")
    dialect = op.get_bind().dialect.name
    _ledger_table()
    if dialect == "sqlite":
        _ledger_sqlite()
    else:
        _ledger_postgresql()
    op.execute(f"INSERT INTO ledger_summary ({LEDGER_COLUMNS}) {_ledger_grouped(dialect, 'true')}")


def _ensure_exp() -> None:
    """SQLite builds without math functions get exp() from Python (as the store does)."""
    raw = op.get_bind().connection.driver_connection
    try:
        raw.execute("SELECT exp(0)")  # type: ignore[union-attr]
    except Exception:
        raw.create_function("exp", 1, math.exp, deterministic=True)  # type: ignore[union-attr]


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au", "au_moved"):
            op.execute(f"DROP TRIGGER IF EXISTS ledger_exchange_{name}")
        op.execute("DROP TRIGGER IF EXISTS figures_hold_ad")
    else:
        for name in ("i", "d", "u"):
            op.execute(f"DROP TRIGGER IF EXISTS ledger_exchange_{name} ON exchange")
        op.execute("DROP FUNCTION IF EXISTS ledger_add()")
        op.execute("DROP FUNCTION IF EXISTS ledger_recompute()")
    op.drop_table("ledger_summary")
    op.drop_table("figures_hold")
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "ad", "au_add", "au", "au_moved"):
            op.execute(f"DROP TRIGGER IF EXISTS summary_participant_{name}")
    else:
        for name in ("i", "d", "u"):
            op.execute(f"DROP TRIGGER IF EXISTS summary_participant_{name} ON participant")
        op.execute("DROP FUNCTION IF EXISTS summary_add()")
        op.execute("DROP FUNCTION IF EXISTS summary_recompute()")
    # 0004's dirty list comes back with everyone on it: readers rebuild the summary.
    import sqlalchemy as sa

    op.create_table(
        "contact_dirty",
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.execute("INSERT INTO contact_dirty (person_id) SELECT DISTINCT person_id FROM participant")
    if op.get_bind().dialect.name == "sqlite":
        mark = "INSERT OR IGNORE INTO contact_dirty (person_id) VALUES ({}.person_id);"
        op.execute(
            "CREATE TRIGGER contact_dirty_ai AFTER INSERT ON participant "
            f"BEGIN {mark.format('NEW')} END"
        )
        op.execute(
            "CREATE TRIGGER contact_dirty_ad AFTER DELETE ON participant "
            f"BEGIN {mark.format('OLD')} END"
        )
        watched = ", ".join(WATCHED)
        op.execute(
            f"CREATE TRIGGER contact_dirty_au AFTER UPDATE OF {watched} ON participant "
            f"BEGIN {mark.format('OLD')} {mark.format('NEW')} END"
        )
        return
    mark = "INSERT INTO contact_dirty (person_id) VALUES ({}.person_id) ON CONFLICT DO NOTHING;"
    op.execute(
        "CREATE FUNCTION contact_dirty_mark() RETURNS trigger AS $$ BEGIN "
        f"IF TG_OP <> 'INSERT' THEN {mark.format('OLD')} END IF; "
        f"IF TG_OP <> 'DELETE' THEN {mark.format('NEW')} END IF; "
        "RETURN NULL; END $$ LANGUAGE plpgsql"
    )
    op.execute(
        "CREATE TRIGGER contact_dirty_aiud AFTER INSERT OR DELETE OR UPDATE OF "
        f"{', '.join(WATCHED)} ON participant FOR EACH ROW EXECUTE FUNCTION contact_dirty_mark()"
    )
