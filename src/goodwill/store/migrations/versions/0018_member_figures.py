"""team: each member's contact summary and ledger, kept by triggers in the write

In a team database every member has their own history with a shared person (their
interactions and exchanges are private rows with an `owner_id`), but `contact_summary`
and `ledger_summary` (0016) sum everyone's: read as member B, they showed the last contact
date, tie strength and balance that only member A's private rows produced. Members read
these two tables instead, one row per (member, person), kept the same way in the writing
transaction, whoever writes:

- `member_summary`: as `contact_summary`, from the member's own participant rows;
- `member_ledger`: as `ledger_summary`, from the member's own exchanges.

Rows without an owner (single-user goodwill, a database before `goodwill team init`) are
not summarised here, so a single-user insert pays one test of `owner_id` per row (a
trigger's WHEN on both backends); an update or delete on PostgreSQL one filtered pass over
the statement's rows. `goodwill team init` gives the
existing rows to the first member, which the update triggers summarise.

The weights, half-lives and fingerprints below are those of 0016 (a test keeps both equal to
`scoring.strength.MODEL` and `scoring.ledger`). On PostgreSQL both tables are private: row
level security, forced, lets a member read only their own rows (`store.policy`); a team
database migrated here gets the policy at once.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import math

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
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

COLUMNS = (
    "owner_id, person_id, last_day, first_day, decayed, count, by_me, initiated, weighted, "
    "decayed_short, model"
)
LEDGER_COLUMNS = "owner_id, person_id, gave, got, gives, gets, last_give, last_get, last_day, model"
WATCHED = ("person_id", "day", "kind", "initiated_by", "planned", "owner_id")
LEDGER_WATCHED = ("person_id", "direction", "kind", "occurred_at", "owner_id")
DAY = {
    "sqlite": "julianday({})",
    "postgresql": "(extract(epoch from {}) / 86400.0 + 2440587.5)",
}
APP_ROLE = "goodwill_member"  # store.policy.APP_ROLE at this revision
MEMBER_SQL = "NULLIF(current_setting('goodwill.member', true), '')::integer"
TABLES = ("member_summary", "member_ledger")


def _weight(kind: str) -> str:
    whens = " ".join(f"WHEN '{k}' THEN {v!r}" for k, v in CHANNEL_WEIGHTS.items())
    return f"(CASE {kind} {whens} ELSE {DEFAULT_CHANNEL_WEIGHT!r} END)"


def _grouped(where: str, source: str = "participant") -> str:
    """The member summary rows of `source`'s counted, owned rows matching `where`."""
    w = _weight("kind")
    return (
        f"SELECT owner_id, person_id, max(day), min(day), "
        f"sum({w} * exp((day - {ANCHOR_DAY!r}) * {RATE!r})), count(*), "
        "sum(CASE WHEN initiated_by = 'me' THEN 1 ELSE 0 END), count(initiated_by), "
        f"sum({w}), sum({w} * exp((day - {ANCHOR_DAY!r}) * {SHORT_RATE!r})), "
        f"'{MODEL_NAME}' FROM {source} WHERE day IS NOT NULL AND planned = false "
        f"AND owner_id IS NOT NULL AND ({where}) GROUP BY owner_id, person_id"
    )


def _add(big: str, small: str) -> str:
    return (
        "ON CONFLICT (owner_id, person_id) DO UPDATE SET "
        f"last_day = {big}(member_summary.last_day, excluded.last_day), "
        f"first_day = {small}(member_summary.first_day, excluded.first_day), "
        "decayed = member_summary.decayed + excluded.decayed, "
        "count = member_summary.count + excluded.count, "
        "by_me = member_summary.by_me + excluded.by_me, "
        "initiated = member_summary.initiated + excluded.initiated, "
        "weighted = member_summary.weighted + excluded.weighted, "
        "decayed_short = member_summary.decayed_short + excluded.decayed_short"
    )


def _ledger_grouped(dialect: str, where: str, source: str = "exchange") -> str:
    day = DAY[dialect].format("occurred_at")
    whens = " ".join(f"WHEN '{k}' THEN {v!r}" for k, v in KIND_WEIGHTS.items())
    weight = f"(CASE kind {whens} ELSE {DEFAULT_KIND_WEIGHT!r} END)"
    decayed = f"{weight} * exp(({day} - {ANCHOR_DAY!r}) * {LEDGER_RATE!r})"
    return (
        f"SELECT owner_id, person_id, "
        f"sum(CASE WHEN direction = 'gave' THEN {decayed} ELSE 0.0 END), "
        f"sum(CASE WHEN direction = 'got' THEN {decayed} ELSE 0.0 END), "
        "sum(CASE WHEN direction = 'gave' THEN 1 ELSE 0 END), "
        "sum(CASE WHEN direction = 'got' THEN 1 ELSE 0 END), "
        f"max(CASE WHEN direction = 'gave' THEN {day} END), "
        f"max(CASE WHEN direction = 'got' THEN {day} END), max({day}), '{LEDGER_NAME}' "
        f"FROM {source} WHERE direction IN ('gave', 'got') AND occurred_at IS NOT NULL "
        f"AND owner_id IS NOT NULL AND ({where}) GROUP BY owner_id, person_id"
    )


def _ledger_add(big: str) -> str:
    return (
        "ON CONFLICT (owner_id, person_id) DO UPDATE SET "
        "gave = member_ledger.gave + excluded.gave, "
        "got = member_ledger.got + excluded.got, "
        "gives = member_ledger.gives + excluded.gives, "
        "gets = member_ledger.gets + excluded.gets, "
        f"last_give = coalesce({big}(member_ledger.last_give, excluded.last_give), "
        "member_ledger.last_give, excluded.last_give), "
        f"last_get = coalesce({big}(member_ledger.last_get, excluded.last_get), "
        "member_ledger.last_get, excluded.last_get), "
        f"last_day = {big}(member_ledger.last_day, excluded.last_day)"
    )


def _tables() -> None:
    op.create_table(
        "member_summary",
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("first_day", sa.Float(), nullable=False),
        sa.Column("last_day", sa.Float(), nullable=False),
        sa.Column("decayed", sa.Float(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("by_me", sa.Integer(), nullable=False),
        sa.Column("initiated", sa.Integer(), nullable=False),
        sa.Column("weighted", sa.Float(), nullable=False),
        sa.Column("decayed_short", sa.Float(), nullable=True),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "person_id"),
    )
    op.create_table(
        "member_ledger",
        sa.Column("owner_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("person_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("gave", sa.Float(), nullable=False),
        sa.Column("got", sa.Float(), nullable=False),
        sa.Column("gives", sa.Integer(), nullable=False),
        sa.Column("gets", sa.Integer(), nullable=False),
        sa.Column("last_give", sa.Float(), nullable=True),
        sa.Column("last_get", sa.Float(), nullable=True),
        sa.Column("last_day", sa.Float(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("owner_id", "person_id"),
    )


def _free(person: str) -> str:
    """Not held by a bulk write (store/figures.held): released, the hold's trigger below
    recomputes the person's rows once."""
    return f"NOT EXISTS (SELECT 1 FROM figures_hold WHERE figures_hold.person_id = {person})"


def _counts(r: str) -> str:
    return f"({r}.day IS NOT NULL AND {r}.planned = false AND {r}.owner_id IS NOT NULL)"


def _changed(r: tuple[str, ...]) -> str:
    return " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in r)


def _moved() -> str:
    return "(NEW.person_id IS NOT OLD.person_id OR NEW.owner_id IS NOT OLD.owner_id)"


def _recompute(owner: str, person: str) -> str:
    key = f"owner_id = {owner} AND person_id = {person}"
    return (
        f"DELETE FROM member_summary WHERE {key}; "
        f"INSERT INTO member_summary ({COLUMNS}) {_grouped(key)};"
    )


def _ledger_recompute(owner: str, person: str) -> str:
    key = f"owner_id = {owner} AND person_id = {person}"
    return (
        f"DELETE FROM member_ledger WHERE {key}; "
        f"INSERT INTO member_ledger ({LEDGER_COLUMNS}) {_ledger_grouped('sqlite', key)};"
    )


def _sqlite() -> None:
    watched = ", ".join(WATCHED)
    add = (
        f"INSERT INTO member_summary ({COLUMNS}) {_grouped('rowid = NEW.rowid')} "
        f"{_add('max', 'min')};"
    )
    op.execute(
        f"CREATE TRIGGER member_summary_ai AFTER INSERT ON participant "
        f"WHEN {_counts('NEW')} BEGIN {add} END"
    )
    # The copy of an interaction's facts (0002) fills a new row's day after its insert.
    op.execute(
        f"CREATE TRIGGER member_summary_au_add AFTER UPDATE OF {watched} ON participant "
        f"WHEN NOT {_counts('OLD')} AND {_counts('NEW')} BEGIN {add} END"
    )
    op.execute(
        f"CREATE TRIGGER member_summary_au AFTER UPDATE OF {watched} ON participant "
        f"WHEN {_counts('OLD')} AND ({_changed(WATCHED)}) AND {_free('OLD.person_id')} "
        f"BEGIN {_recompute('OLD.owner_id', 'OLD.person_id')} END"
    )
    op.execute(
        f"CREATE TRIGGER member_summary_au_moved AFTER UPDATE OF {watched} ON participant "
        f"WHEN {_counts('OLD')} AND {_moved()} AND NEW.owner_id IS NOT NULL "
        f"AND {_free('NEW.person_id')} BEGIN {_recompute('NEW.owner_id', 'NEW.person_id')} END"
    )
    op.execute(
        f"CREATE TRIGGER member_summary_ad AFTER DELETE ON participant "
        f"WHEN {_counts('OLD')} AND {_free('OLD.person_id')} "
        f"BEGIN {_recompute('OLD.owner_id', 'OLD.person_id')} END"
    )
    lwatched = ", ".join(LEDGER_WATCHED)
    ladd = (
        f"INSERT INTO member_ledger ({LEDGER_COLUMNS}) "
        f"{_ledger_grouped('sqlite', 'rowid = NEW.rowid')} {_ledger_add('max')};"
    )
    op.execute(
        "CREATE TRIGGER member_ledger_ai AFTER INSERT ON exchange "
        f"WHEN NEW.owner_id IS NOT NULL BEGIN {ladd} END"
    )
    op.execute(
        f"CREATE TRIGGER member_ledger_au AFTER UPDATE OF {lwatched} ON exchange "
        f"WHEN OLD.owner_id IS NOT NULL AND ({_changed(LEDGER_WATCHED)}) "
        f"AND {_free('OLD.person_id')} "
        f"BEGIN {_ledger_recompute('OLD.owner_id', 'OLD.person_id')} END"
    )
    op.execute(
        f"CREATE TRIGGER member_ledger_au_moved AFTER UPDATE OF {lwatched} ON exchange "
        f"WHEN NEW.owner_id IS NOT NULL AND {_moved()} "
        f"AND {_free('NEW.person_id')} "
        f"BEGIN {_ledger_recompute('NEW.owner_id', 'NEW.person_id')} END"
    )
    op.execute(
        "CREATE TRIGGER member_ledger_ad AFTER DELETE ON exchange "
        f"WHEN OLD.owner_id IS NOT NULL AND {_free('OLD.person_id')} "
        f"BEGIN {_ledger_recompute('OLD.owner_id', 'OLD.person_id')} END"
    )
    # Releasing a hold (store/figures.held) brings every member's rows of its person up to
    # date once.
    person = "person_id = OLD.person_id"
    op.execute(
        "CREATE TRIGGER member_figures_hold_ad AFTER DELETE ON figures_hold BEGIN "
        f"DELETE FROM member_summary WHERE {person}; "
        f"INSERT INTO member_summary ({COLUMNS}) {_grouped(person)}; "
        f"DELETE FROM member_ledger WHERE {person}; "
        f"INSERT INTO member_ledger ({LEDGER_COLUMNS}) {_ledger_grouped('sqlite', person)}; END"
    )


def _postgresql() -> None:
    keys = "SELECT owner_id, person_id FROM {} WHERE owner_id IS NOT NULL"
    touched = (
        f"(owner_id, person_id) IN ({keys.format('old_rows')} UNION {keys.format('new_rows')})"
    )
    gone = f"(owner_id, person_id) IN ({keys.format('old_rows')})"
    for table, columns, grouped, add, source in (
        ("member_summary", COLUMNS, _grouped, _add("greatest", "least"), "participant"),
        (
            "member_ledger",
            LEDGER_COLUMNS,
            lambda where, source="exchange": _ledger_grouped("postgresql", where, source),
            _ledger_add("greatest"),
            "exchange",
        ),
    ):
        # Added per row, and only for a member's row: single-user goodwill's inserts (no
        # owner) never call it, where a statement trigger would run for each of them.
        op.execute(
            f"CREATE FUNCTION {table}_add() RETURNS trigger AS $$ BEGIN "
            f"INSERT INTO {table} ({columns}) {grouped('true', '(SELECT NEW.*) AS one')} {add}; "
            "RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE FUNCTION {table}_recompute() RETURNS trigger AS $$ BEGIN "
            "IF TG_OP = 'DELETE' THEN "
            f"DELETE FROM {table} WHERE {gone}; "
            f"INSERT INTO {table} ({columns}) {grouped(gone, source)}; "
            "ELSE "
            f"DELETE FROM {table} WHERE {touched}; "
            f"INSERT INTO {table} ({columns}) {grouped(touched, source)}; "
            "END IF; RETURN NULL; END $$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_i AFTER INSERT ON {source} FOR EACH ROW "
            f"WHEN (NEW.owner_id IS NOT NULL) EXECUTE FUNCTION {table}_add()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_d AFTER DELETE ON {source} "
            "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {table}_recompute()"
        )
        op.execute(
            f"CREATE TRIGGER {table}_u AFTER UPDATE ON {source} "
            "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
            f"EXECUTE FUNCTION {table}_recompute()"
        )
    # A team database migrated here: its app role reads the tables, each member their own.
    role = (
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": APP_ROLE})
        .first()
    )
    if role is None:
        return
    team = op.get_bind().execute(sa.text("SELECT 1 FROM team_member LIMIT 1")).first()
    if team is None:
        return
    for table in TABLES:
        op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON {table} TO {APP_ROLE}")
        own = f"owner_id = {MEMBER_SQL}"
        op.execute(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY")
        op.execute(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY")
        op.execute(f"CREATE POLICY goodwill_owner ON {table} USING ({own}) WITH CHECK ({own})")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    _tables()
    if dialect == "sqlite":
        _sqlite()
    else:
        _postgresql()
    op.execute(f"INSERT INTO member_summary ({COLUMNS}) {_grouped('true')}")
    op.execute(f"INSERT INTO member_ledger ({LEDGER_COLUMNS}) {_ledger_grouped(dialect, 'true')}")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("ai", "au_add", "au", "au_moved", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS member_summary_{name}")
        for name in ("ai", "au", "au_moved", "ad"):
            op.execute(f"DROP TRIGGER IF EXISTS member_ledger_{name}")
        op.execute("DROP TRIGGER IF EXISTS member_figures_hold_ad")
    else:
        for table, source in (("member_summary", "participant"), ("member_ledger", "exchange")):
            for name in ("i", "d", "u"):
                op.execute(f"DROP TRIGGER IF EXISTS {table}_{name} ON {source}")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_add()")
            op.execute(f"DROP FUNCTION IF EXISTS {table}_recompute()")
    op.drop_table("member_ledger")
    op.drop_table("member_summary")
