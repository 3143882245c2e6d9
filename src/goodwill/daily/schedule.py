"""The schedule: an iCalendar file with the daily networking block and the next cadence dates.

The block recurs every day at the chosen time for the chosen minutes, with today's agenda in
its description; each person who becomes due in the coming weeks gets an all-day reminder
on that date. Floating times (no time zone) so the block sits at 08:30 wherever you are.
`goodwill schedule` saves the time and length (the `setting` table) and writes the file;
`goodwill export ics` calls `calendar_bytes` with the saved preferences.
"""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy.orm import Session

from goodwill import vocab
from goodwill.daily import actions, agenda
from goodwill.errors import InvalidInput
from goodwill.scoring import cadence
from goodwill.store import policy
from goodwill.store.models import Setting

DAILY_KEY, MINUTES_KEY = "schedule.daily", "schedule.minutes"
DEFAULT_DAILY = dt.time(8, 30)
DEFAULT_DAYS = 30  # how far ahead cadence dates are listed
MAX_REMINDERS = 200
UID_DOMAIN = "goodwill.local"
_TIME = re.compile(r"^(\d{1,2})[:.h](\d{2})$")

KIND_LABELS: dict[str, str] = actions.LABELS


def parse_time(value: str) -> dt.time:
    """A time of day: 08:30, 8:30, 8.30 or 8h30."""
    m = _TIME.match(value.strip().lower())
    if m:
        hour, minute = int(m.group(1)), int(m.group(2))
        if hour < 24 and minute < 60:
            return dt.time(hour, minute)
    raise InvalidInput("daily", value, "not a time of day (use HH:MM, e.g. 08:30)")


def preferences(session: Session) -> tuple[dt.time, int]:
    """The saved daily time and minutes (08:30 and 20 until the user sets them)."""
    daily = session.get(Setting, policy.member_key(DAILY_KEY))
    minutes = session.get(Setting, policy.member_key(MINUTES_KEY))
    when = parse_time(daily.value) if daily else DEFAULT_DAILY
    length = int(minutes.value) if minutes and minutes.value.isdigit() else agenda.DEFAULT_MINUTES
    return when, length


def save_preferences(session: Session, daily: dt.time | None, minutes: int | None) -> None:
    for key, value in (
        (DAILY_KEY, daily.strftime("%H:%M") if daily else None),
        (MINUTES_KEY, str(agenda.check_minutes(minutes)) if minutes is not None else None),
    ):
        if value is None:
            continue
        key = policy.member_key(key)  # each member's own in a team
        row = session.get(Setting, key)
        if row is None:
            session.add(Setting(key=key, value=value))
        else:
            row.value = value
    session.flush()


def describe(session: Session, today: dt.date, minutes: int) -> tuple[str, str]:
    """The block's summary and description: today's agenda in plain text."""
    plan = agenda.build(session, today, minutes)
    lines = [f"Networking session, {today.isoformat()}: {plan.planned_minutes} of {minutes} min."]
    for i, a in enumerate(plan.actions, 1):
        label = KIND_LABELS.get(a.kind, a.kind)
        lines.append(f"{i}. {label} {a.person} ({a.minutes} min, {a.channel}): {a.reason}")
        picks = f" --pick {'|'.join(a.choices)}" if a.choices else ""
        lines.append(f"   done: goodwill done {a.id}{picks}")
    if plan.next:
        lines.append("Next: " + "; ".join(f"{a.person} ({a.kind})" for a in plan.next))
    if not plan.actions:
        lines.append("Nothing owed today: reach out to someone you like, with no need.")
    lines.append("Run 'goodwill today' for the drafts.")
    count = len(plan.actions)
    summary = f"Networking: {count} action{'' if count == 1 else 's'}, {plan.planned_minutes} min"
    return summary, "\n".join(lines)


def calendar_bytes(
    session: Session,
    *,
    today: dt.date | None = None,
    daily: dt.time | None = None,
    minutes: int | None = None,
    days: int = DEFAULT_DAYS,
) -> bytes:
    """The .ics file: the daily block (today's agenda inside) and upcoming cadence dates."""
    from icalendar import Calendar, Event

    day = today or dt.date.today()
    saved_daily, saved_minutes = preferences(session)
    at = daily or saved_daily
    length = agenda.check_minutes(minutes if minutes is not None else saved_minutes)
    if days < 0:
        raise InvalidInput("days", days, "must not be negative")
    stamp = dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)  # deterministic

    cal = Calendar()
    cal.add("prodid", "-//goodwill//daily networking session//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "goodwill: networking")

    summary, description = describe(session, day, length)
    block = Event()
    block.add("uid", f"daily-session@{UID_DOMAIN}")
    block.add("dtstamp", stamp)
    block.add("dtstart", dt.datetime.combine(day, at))
    block.add("duration", dt.timedelta(minutes=length))
    block.add("rrule", {"freq": "daily"})
    block.add("summary", summary)
    block.add("description", description)
    block.add("categories", ["networking"])
    cal.add_component(block)

    for st, name in upcoming(session, day, days):
        reminder = Event()
        reminder.add("uid", f"cadence-p{st.person_id}-{st.due_on:%Y%m%d}@{UID_DOMAIN}")
        reminder.add("dtstamp", stamp)
        reminder.add("dtstart", st.due_on)
        reminder.add("dtend", st.due_on + dt.timedelta(days=1))
        reminder.add("summary", f"Keep in touch with {name}")
        reminder.add(
            "description",
            f"{st.circle} circle: in touch every {st.ideal_days} days ideally, "
            f"{st.max_days} at most; last contact {st.since.isoformat()}.",
        )
        reminder.add("transp", "TRANSPARENT")
        cal.add_component(reminder)
    return bytes(cal.to_ical())


def upcoming(
    session: Session, today: dt.date, days: int = DEFAULT_DAYS
) -> list[tuple[cadence.Status, str]]:
    """People not yet due who become due within `days`, soonest and closest first."""
    horizon = today + dt.timedelta(days=days)
    soon = [
        st
        for st in cadence.statuses(session, today)
        if st.state == cadence.OK and today < st.due_on <= horizon
    ]
    order = {c: i for i, c in enumerate(vocab.CIRCLES)}
    soon.sort(key=lambda st: (st.due_on, order.get(st.circle, 9), st.person_id))
    soon = soon[:MAX_REMINDERS]
    names = agenda.names(session, [st.person_id for st in soon])
    return [(st, names[st.person_id]) for st in soon if st.person_id in names]
