"""The daily session: each kind of action from a hand-made history, order, budget, state."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from goodwill.daily import actions, agenda, sources
from goodwill.errors import InvalidInput, NotFound
from goodwill.records import interactions, people, requests
from goodwill.store.models import ActionState, Exchange, Person, Request
from tests.helpers import Result

TODAY = dt.date(2026, 3, 15)
NOW = dt.datetime(2026, 3, 15, 9, 0)


def ago(days: int) -> dt.datetime:
    return NOW - dt.timedelta(days=days)


@dataclass
class World:
    tara: Person  # helped you, not thanked
    rex: Person  # asked you something
    fay: Person  # you promised her a follow-up
    ray: Person  # referred by Fay, never contacted
    olga: Person  # close circle, overdue
    dan: Person  # network circle, due
    dora: Person  # a strong tie gone dormant
    walt: Person  # a weak tie gone dormant
    gia: Person  # looking for advice on Berlin
    bea: Person  # lives in Berlin
    omar: Person  # you gave three times, nothing back


def build_world(s: Session) -> World:
    def add(name: str, circle: str = "network", **kw: str) -> Person:
        return people.add(s, name, circle=circle, **kw)  # type: ignore[arg-type]

    w = World(
        tara=add("Tara Thanks", org="Acme"),
        rex=add("Rex Request"),
        fay=add("Fay Follow"),
        ray=add("Ray Referred"),
        olga=add("Olga Overdue", "close", org="Globex"),
        dan=add("Dan Due"),
        dora=add("Dora Dormant", "active"),
        walt=add("Walt Weak", "wider"),
        gia=add("Gia Give"),
        bea=add("Bea Berlin", "active", location="Berlin"),
        omar=add("Omar Oneway"),
    )
    for p in (w.tara, w.rex, w.fay, w.ray, w.olga, w.dan, w.dora, w.walt, w.gia, w.bea, w.omar):
        p.created_at = ago(800)
    w.ray.created_at = ago(3)
    w.ray.met_through_id = w.fay.id
    people.edit(s, w.gia, looking_for="Advice on moving to Berlin")

    def log(p: Person, days: int, kind: str = "email", **kw: object) -> None:
        interactions.log(s, [p], kind, when=ago(days), now=NOW, **kw)  # type: ignore[arg-type]

    log(w.tara, 5, got=["intro"], initiated_by="them")
    due = TODAY + dt.timedelta(days=3)
    requests.add(s, w.rex, "feedback on my portfolio", due=due, kind="email", when=ago(2), now=NOW)
    log(
        w.fay,
        10,
        "coffee",
        initiated_by="me",
        follow_up_on=TODAY - dt.timedelta(days=1),
        follow_up_note="send the slides",
        summary="Coffee with Fay about the conference",
    )
    log(w.fay, 12)
    log(w.olga, 40, summary="Call with Olga about their new team")
    log(w.dan, 100)
    for week in range(30):  # weekly coffees until about 13 months ago
        log(w.dora, 400 + 7 * week, "coffee", initiated_by="me" if week % 2 else "them")
    log(w.walt, 500)
    log(w.gia, 20)
    log(w.bea, 10)
    for days in (200, 120, 40):
        log(w.omar, days, gave=["info"], initiated_by="me")
    s.flush()
    return w


def kinds(plan: agenda.AgendaOut) -> list[tuple[str, int]]:
    return [(a.kind, a.person_id) for a in plan.actions]


def test_every_kind_in_priority_order(session: Session) -> None:
    w = build_world(session)
    plan = agenda.build(session, TODAY, 200)
    assert kinds(plan) == [
        ("thank_you", w.tara.id),
        ("request", w.rex.id),
        ("follow_up", w.ray.id),
        ("follow_up", w.fay.id),
        ("keep_in_touch", w.olga.id),
        ("keep_in_touch", w.dan.id),
        ("reconnect", w.dora.id),
        ("give", w.gia.id),
        ("ask", w.omar.id),
    ]
    assert plan.next == [] and plan.more == 0
    by_kind = {a.kind: a for a in plan.actions}
    request = session.scalars(select(Request)).one()
    assert by_kind["request"].id == f"request:p{w.rex.id}:r{request.id}"
    assert by_kind["thank_you"].id == f"thank_you:p{w.tara.id}:d{ago(5):%Y%m%d}"
    assert plan.actions[4].id == f"keep_in_touch:p{w.olga.id}:d{ago(40):%Y%m%d}"
    assert by_kind["thank_you"].reason.startswith("Tara Thanks gave you an introduction")
    assert "overdue: close circle: last contact 40 days ago" in plan.actions[4].reason
    assert "Bea Berlin is based in Berlin" in by_kind["give"].reason
    assert "referred by Fay Follow" in plan.actions[2].reason
    assert all(a.minutes == actions.MINUTES[a.kind][a.channel] for a in plan.actions)
    assert plan.planned_minutes == sum(a.minutes for a in plan.actions)


def test_drafts_use_what_is_known(session: Session) -> None:
    w = build_world(session)
    me = people.add(session, "Sam Self")
    me.is_me = True
    drafts = {a.kind + str(a.person_id): a.draft for a in agenda.build(session, TODAY, 200).actions}
    thanks = drafts[f"thank_you{w.tara.id}"]
    assert thanks.startswith("Hi Tara,")
    assert "Thank you for the introduction a few days ago" in thanks
    assert thanks.endswith("All the best,\nSam")
    olga = drafts[f"keep_in_touch{w.olga.id}"]
    assert "our chat about your new team" in olga and "Globex" in olga
    for word in ("need", "ask", "favour", "favor", "help me", "looking for"):
        assert word not in olga.lower()
    assert "I said I would send the slides" in drafts[f"follow_up{w.fay.id}"]
    assert "Fay Follow suggested I get in touch" in drafts[f"follow_up{w.ray.id}"]
    assert "feedback on my portfolio" in drafts[f"request{w.rex.id}"]
    assert "I know Bea Berlin" in drafts[f"give{w.gia.id}"]
    assert "It has been far too long" in drafts[f"reconnect{w.dora.id}"]
    assert "a small favour" in drafts[f"ask{w.omar.id}"]
    assert "a book or a podcast" in drafts[f"ask{w.omar.id}"]


def test_budget_fits_and_the_rest_is_next(session: Session) -> None:
    w = build_world(session)
    plan = agenda.build(session, TODAY, 20)
    assert plan.planned_minutes <= 20
    # A quarter (5 minutes) stays for the relationship: the thank-you email (4) and the
    # referral (8) fit in the other 15, the request (15) does not; then Olga (5).
    assert kinds(plan) == [
        ("thank_you", w.tara.id),
        ("follow_up", w.ray.id),
        ("keep_in_touch", w.olga.id),
    ]
    assert plan.planned_minutes == 17
    assert [(a.kind, a.person_id) for a in plan.next] == [
        ("request", w.rex.id),
        ("follow_up", w.fay.id),
        ("keep_in_touch", w.dan.id),
        ("reconnect", w.dora.id),
        ("give", w.gia.id),
        ("ask", w.omar.id),
    ]
    assert all(a.draft for a in plan.next)


def test_without_relationship_actions_obligations_take_all_the_time(session: Session) -> None:
    w = build_world(session)
    for p in (w.olga, w.dan, w.dora, w.gia, w.omar):
        people.remove(session, p)
    plan = agenda.build(session, TODAY, 20)
    assert kinds(plan) == [("thank_you", w.tara.id), ("request", w.rex.id)]
    assert plan.planned_minutes == 19


def test_same_date_and_data_give_the_same_agenda(session: Session) -> None:
    build_world(session)
    first = agenda.build(session, TODAY, 30).model_dump()
    assert agenda.build(session, TODAY, 30).model_dump() == first


def test_weak_dormant_ties_and_ok_people_get_nothing(session: Session) -> None:
    w = build_world(session)
    everyone = agenda.build(session, TODAY, 600)
    listed = {a.person_id for a in everyone.actions + everyone.next}
    assert w.walt.id not in listed and w.bea.id not in listed


def test_done_logs_the_thanks_and_resets_the_cadence(session: Session) -> None:
    w = build_world(session)
    thank = agenda.build(session, TODAY, 200).actions[0]
    action, logged = agenda.done(session, thank.id, TODAY, note="sent a card", now=NOW)
    assert action.kind == "thank_you"
    assert [(x.direction, x.kind) for x in logged.exchanges] == [("gave", "thanks")]
    assert logged.summary == "sent a card" and logged.initiated_by == "me"
    olga = next(a for a in agenda.build(session, TODAY, 200).actions if a.person_id == w.olga.id)
    agenda.done(session, olga.id, TODAY, kind="call", now=NOW)
    after = agenda.build(session, TODAY, 200)
    assert (
        "thank_you",
        w.tara.id,
    ) not in kinds(after)
    assert w.olga.id not in {a.person_id for a in after.actions + after.next}
    state = session.get(ActionState, thank.id)
    assert state is not None and (state.status, state.note) == ("done", "sent a card")
    with pytest.raises(InvalidInput, match="already done on 2026-03-15"):
        agenda.done(session, thank.id, TODAY, now=NOW)


def test_done_on_a_request_answers_it(session: Session) -> None:
    w = build_world(session)
    request = next(a for a in agenda.build(session, TODAY, 200).actions if a.kind == "request")
    _, logged = agenda.done(session, request.id, TODAY, note="sent notes", now=NOW)
    row = session.scalars(select(Request)).one()
    assert (row.status, row.answer) == ("answered", "helped")
    gave = session.scalars(
        select(Exchange.kind).where(
            Exchange.interaction_id == logged.id, Exchange.direction == "gave"
        )
    ).all()
    assert gave == ["help"]
    assert ("request", w.rex.id) not in kinds(agenda.build(session, TODAY, 200))


def test_done_on_a_request_can_offer_another_way(session: Session) -> None:
    build_world(session)
    request = next(a for a in agenda.build(session, TODAY, 200).actions if a.kind == "request")
    agenda.done(session, request.id, TODAY, offered="a call next week", now=NOW)
    row = session.scalars(select(Request)).one()
    assert (row.answer, row.answer_text) == ("offered", "a call next week")


def test_snooze_hides_until_the_day(session: Session) -> None:
    w = build_world(session)
    dan = next(a for a in agenda.build(session, TODAY, 200).actions if a.person_id == w.dan.id)
    agenda.snooze(session, dan.id, TODAY, TODAY + dt.timedelta(days=3))
    for day, shown in ((1, False), (2, False), (3, True)):
        plan = agenda.build(session, TODAY + dt.timedelta(days=day), 600)
        ids = {a.id for a in plan.actions + plan.next}
        assert (dan.id in ids) is shown, day


def test_skip_is_remembered(session: Session) -> None:
    w = build_world(session)
    dora = next(a for a in agenda.build(session, TODAY, 200).actions if a.kind == "reconnect")
    agenda.skip(session, dora.id, TODAY, note="moved abroad")
    for day in (0, 5):
        plan = agenda.build(session, TODAY + dt.timedelta(days=day), 600)
        assert w.dora.id not in {a.person_id for a in plan.actions + plan.next}


def test_bad_action_ids_and_dates_write_nothing(session: Session) -> None:
    w = build_world(session)
    dan = next(a for a in agenda.build(session, TODAY, 200).actions if a.person_id == w.dan.id)
    with pytest.raises(InvalidInput, match="a snooze must end after today"):
        agenda.snooze(session, dan.id, TODAY, TODAY - dt.timedelta(days=1))
    with pytest.raises(InvalidInput, match="a snooze must end after today"):
        agenda.snooze(session, dan.id, TODAY, TODAY)
    with pytest.raises(NotFound, match="no action 'thank_you:p99999:d20260101'"):
        agenda.done(session, "thank_you:p99999:d20260101", TODAY, now=NOW)
    with pytest.raises(NotFound):
        agenda.skip(session, f"keep_in_touch:p{w.dan.id}:d20200101", TODAY)
    with pytest.raises(InvalidInput, match="not an action id"):
        agenda.done(session, "call mom", TODAY, now=NOW)
    with pytest.raises(InvalidInput, match="--offered and --referred answer a request only"):
        agenda.done(session, dan.id, TODAY, offered="x", now=NOW)
    assert session.scalar(select(func.count()).select_from(ActionState)) == 0


@pytest.mark.parametrize("minutes", [0, -5, 100_000])
def test_bad_minutes(session: Session, minutes: int) -> None:
    with pytest.raises(InvalidInput) as err:
        agenda.build(session, TODAY, minutes)
    assert err.value.field == "minutes"


def test_action_ids_parse_round_trip() -> None:
    ref = actions.parse(" keep_in_touch:p12:d20260301 ")
    assert (ref.kind, ref.person_id, ref.ref, str(ref)) == (
        "keep_in_touch",
        12,
        "d20260301",
        "keep_in_touch:p12:d20260301",
    )
    with pytest.raises(InvalidInput):
        actions.parse("dance:p1:x")


def test_today_done_snooze_skip_cli(cli: Callable[..., Result]) -> None:
    assert cli("person", "add", "Olga Overdue", "--circle", "close").code == 0
    assert cli("log", "Olga", "--kind", "call", "--date", "2026-02-01").code == 0
    assert cli("person", "add", "Dan Due").code == 0
    assert cli("log", "Dan", "--kind", "email", "--date", "2025-12-01").code == 0
    r = cli("today", "--date", "2026-03-15", "--format", "json")
    assert r.code == 0, r.err
    plan = json.loads(r.out)
    assert [a["person"] for a in plan["actions"]] == ["Olga Overdue", "Dan Due"]
    assert set(plan["actions"][0]) >= {"id", "kind", "person", "minutes", "reason", "draft"}
    table = cli("today", "--date", "2026-03-15")
    assert "Keep in touch with Olga Overdue" in table.out and plan["actions"][0]["id"] in table.out
    olga, dan = (a["id"] for a in plan["actions"])
    r = cli("done", olga, "--note", "long call", "--kind", "call", "--date", "2026-03-15")
    assert r.code == 0, r.err
    assert r.err.startswith(f"done: {olga} (Olga Overdue); logged call")
    bad = cli("snooze", dan, "--until", "2026-03-01", "--date", "2026-03-15")
    assert bad.code == 1
    assert bad.err == (
        "error: invalid until '2026-03-01': a snooze must end after today (2026-03-15)\n"
    )
    assert cli("snooze", dan, "--until", "2026-03-20", "--date", "2026-03-15").code == 0
    r = cli("today", "--date", "2026-03-15", "--format", "json")
    assert json.loads(r.out)["actions"] == []
    assert "Nothing owed today" in cli("today", "--date", "2026-03-15").out
    again = json.loads(cli("today", "--date", "2026-03-20", "--format", "json").out)
    assert [a["id"] for a in again["actions"]] == [dan]
    assert cli("skip", dan, "--date", "2026-03-20").code == 0
    assert json.loads(cli("today", "--date", "2026-03-21", "--format", "json").out)["actions"] == []
    unknown = cli("done", "thank_you:p77:d20260101")
    assert unknown.code == 1 and "no action 'thank_you:p77:d20260101'" in unknown.err
    for minutes in ("0", "-5"):
        r = cli("today", "--minutes", minutes)
        assert r.code == 1
        assert f"error: invalid minutes {minutes}: must be a positive number of minutes" in r.err


def test_give_first_with_your_offer(session: Session) -> None:
    from goodwill.career import profile

    p = people.add(session, "Kim Kode")
    people.edit(session, p, working_on="a Rust rewrite of their API")
    interactions.log(session, [p], "email", when=ago(3), now=NOW)
    profile.update(session, offers=["mock interviews", "code reviews in Rust"])
    plan = agenda.build(session, TODAY, 60)
    [give] = [a for a in plan.actions if a.kind == "give"]
    assert give.reason == (
        "give first: they work on a Rust rewrite of their API; you can offer code reviews in Rust"
    )
    assert "You mentioned you are working on a Rust rewrite of their API." in give.draft
    assert "I can help with code reviews in Rust" in give.draft


def _thanks_owed_and_one_due(session: Session, helpers: int) -> None:
    """`helpers` people who helped you lately (thank-yous owed) and one close tie due."""
    for i in range(helpers):
        p = people.add(session, f"Helper {i:02d}")
        interactions.log(session, [p], "call", when=ago(3 + i % 5), now=NOW, got=["help"])
    due = people.add(session, "Dee Due", circle="close")
    interactions.log(session, [due], "email", when=ago(60), now=NOW, gave=["thanks"])


def test_a_long_queue_of_thank_yous_leaves_time_to_reach_out(session: Session) -> None:
    """Debts come first but never fill the whole session while someone is due."""
    _thanks_owed_and_one_due(session, 14)
    plan = agenda.build(session, TODAY, 20)
    kinds = [a.kind for a in plan.actions]
    assert kinds[0] == "thank_you"
    assert "keep_in_touch" in kinds
    assert [a.kind for a in plan.next].count("thank_you") >= 5
    assert sum(a.minutes for a in plan.actions) <= 20


def test_each_action_once_whether_today_or_next(session: Session) -> None:
    """An action moved up for variety is not also listed next, and none is lost."""
    _thanks_owed_and_one_due(session, 8)
    plan = agenda.build(session, TODAY, 10)  # the keep-in-touch lies beyond the first 6
    assert "keep_in_touch" in [a.kind for a in plan.actions]
    shown = [a.id for a in plan.actions + plan.next]
    assert len(shown) == len(set(shown)), shown
    assert plan.more == 0
    kinds = [a.kind for a in plan.actions + plan.next]
    assert kinds.count("thank_you") == 8 and kinds.count("keep_in_touch") == 1


def test_a_small_ask_only_of_whom_you_gave_and_who_never_refused_lately(
    session: Session,
) -> None:
    """The ask is for the one-way gives; a refused or ignored ask in the year rules it out."""
    from goodwill.scoring import ledger

    w = build_world(session)

    def one_way(name: str) -> Person:
        p = people.add(session, name)
        for days in (90, 60, 30):
            interactions.log(session, [p], "email", when=ago(days), now=NOW, gave=["help"])
        return p

    snubbed, long_ago, answered = one_way("Rita Refused"), one_way("Old Ivo"), one_way("Gus")
    for p, days, outcome in ((snubbed, 50, "ignored"), (long_ago, 400, "refused")):
        interactions.log(session, [p], "email", when=ago(days), now=NOW, asked=["a chat"])
        ledger.record_ask_outcome(session, p, outcome)
    interactions.log(session, [answered], "email", when=ago(10), now=NOW, asked=["a chat"])
    ledger.record_ask_outcome(session, answered, "granted")  # something came back
    found = sources.candidates(session, TODAY)
    asks = [(a.person_id, a.reason) for a in found if a.kind == "ask"]
    assert asks == [
        (
            w.omar.id,
            "you gave to Omar Oneway 3 times since 27 August 2025 (info); "
            "nothing came back: a small ask lets them give back",
        ),
        (
            long_ago.id,
            "you gave to Old Ivo 3 times since 15 December 2025 (help); "
            "nothing came back: a small ask lets them give back",
        ),
    ]
    assert [a.kind for a in sources.candidates(session, TODAY, [snubbed.id])] == []
