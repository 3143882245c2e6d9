"""Parsers of what people type: property tests (hypothesis) and the awkward cases."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.records.orgs import org_key


@given(st.emails())
def test_valid_emails_are_kept_lower_cased(address: str) -> None:
    try:
        result = validate.email(address)
    except InvalidInput:
        # hypothesis may produce RFC-valid oddities (quoted parts) we choose to refuse
        return
    assert result == address.lower()
    assert validate.email(result) == result


@given(st.text(max_size=60))
def test_any_text_either_parses_or_names_the_field(value: str) -> None:
    for parse, field in (
        (validate.email, "email"),
        (validate.phone, "phone"),
        (validate.date, "date"),
        (validate.url, "url"),
    ):
        try:
            parse(value)
        except InvalidInput as exc:
            assert exc.field == field
            assert str(exc).startswith(f"invalid {field} ")


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31)))
def test_iso_dates_round_trip(day: dt.date) -> None:
    assert validate.date(day.isoformat()) == day
    assert validate.datetime(day.isoformat()) == dt.datetime.combine(day, dt.time(12))


def test_relative_and_written_dates() -> None:
    today = dt.date(2026, 3, 15)
    assert validate.date("today", today=today) == today
    assert validate.date("yesterday", today=today) == dt.date(2026, 3, 14)
    assert validate.date("3 days ago", today=today) == dt.date(2026, 3, 12)
    assert validate.date("in 2 weeks", today=today) == dt.date(2026, 3, 29)
    assert validate.date("12 Mar 2024") == dt.date(2024, 3, 12)
    assert validate.datetime("2024-03-12 09:30") == dt.datetime(2024, 3, 12, 9, 30)
    assert validate.datetime("2024-03-12T09:30:00+02:00") == dt.datetime(2024, 3, 12, 7, 30)
    with pytest.raises(InvalidInput, match="not a date"):
        validate.date("2024-02-30")


def test_next_and_last() -> None:
    sunday = dt.date(2026, 3, 15)
    assert validate.date("next week", today=sunday) == dt.date(2026, 3, 22)
    assert validate.date("last month", today=sunday) == dt.date(2026, 2, 13)
    assert validate.date("a week ago", today=sunday) == dt.date(2026, 3, 8)
    assert validate.date("in a month", today=sunday) == dt.date(2026, 4, 14)
    assert validate.date("next friday", today=sunday) == dt.date(2026, 3, 20)
    assert validate.date("next sunday", today=sunday) == dt.date(2026, 3, 22)  # not today
    assert validate.date("last sunday", today=sunday) == dt.date(2026, 3, 8)
    assert validate.date("Last Monday", today=sunday) == dt.date(2026, 3, 9)
    with pytest.raises(InvalidInput, match="next friday"):
        validate.date("next fooday", today=sunday)


@given(
    st.dates(min_value=dt.date(2000, 1, 1), max_value=dt.date(2099, 12, 31)),
    st.sampled_from(["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]),
)
def test_next_and_last_weekday_land_on_it_within_a_week(today: dt.date, day: str) -> None:
    ahead = validate.date(f"next {day}", today=today)
    back = validate.date(f"last {day}", today=today)
    assert ahead.strftime("%A").lower() == day == back.strftime("%A").lower()
    assert 1 <= (ahead - today).days <= 7 and 1 <= (today - back).days <= 7


@given(st.integers(min_value=2_000_000, max_value=9_999_999))
def test_us_numbers_become_e164_and_stay_stable(n: int) -> None:
    national = f"(212) {str(n)[:3]}-{str(n)[3:]}"
    e164 = validate.phone(national, "US")
    assert e164 == f"+1212{n}"
    assert validate.phone(e164, "FR") == e164  # an international number ignores the region


def test_phone_uris_and_regions() -> None:
    assert validate.phone("tel:+44-20-7946-0958") == "+442079460958"
    assert validate.phone("020 7946 0958", "GB") == "+442079460958"
    with pytest.raises(InvalidInput, match="invalid phone '12'"):
        validate.phone("12")


def test_linkedin_urls_have_one_form() -> None:
    for url in (
        "linkedin.com/in/DanaKim",
        "https://uk.linkedin.com/in/danakim/?trk=x",
        "http://www.linkedin.com/in/danakim",
    ):
        assert validate.linkedin_url(url) == "https://www.linkedin.com/in/danakim"


def test_choice_lists_the_options() -> None:
    with pytest.raises(InvalidInput, match="choose one of close, active, network, wider"):
        validate.choice("bff", ("close", "active", "network", "wider"), "circle")
    assert (
        validate.choice("Thank-You", ("thanks",), "kind", aliases={"thank_you": "thanks"})
        == "thanks"
    )


@given(st.text(min_size=1, max_size=40))
def test_org_keys_are_idempotent(name: str) -> None:
    key = org_key(name)
    assert org_key(key) == key


def test_org_keys_ignore_legal_suffixes_and_case() -> None:
    assert org_key("Acme, Inc.") == org_key("ACME") == org_key("acme llc") == "acme"
    assert org_key("Société Générale SA") == "societe generale"
    assert org_key("Inc") == "inc"
