"""Every real-world contact file imports (one test per file, named after its quirk).

The .ics files belong to the calendar importer's tests. Files whose licence allowed it are
in tests/data/realworld; the others come from ../shared (GOODWILL_SHARED_DIR) or skip.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from goodwill.schemas.io import ImportReport
from goodwill.schemas.people import PersonDetail
from goodwill.store.db import Store, open_store
from tests.io.helpers import everyone, fixture, run


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated empty database, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("rw") / "empty.db"
    open_store(str(path)).dispose()
    return path


@pytest.fixture
def db(template: Path, tmp_path: Path) -> Iterator[Store]:
    target = tmp_path / "rw.db"
    shutil.copyfile(template, target)
    store = open_store(str(target))
    yield store
    store.dispose()


def vcf(db: Store, name: str, **options: object) -> tuple[ImportReport, dict[str, PersonDetail]]:
    report = run(db, "vcard", fixture(name), **options)
    return report, everyone(db)


# ------------------------------------------------------------------ vCard 2.1


def test_v21_blackberry_base64_photo_folded_with_spaces(db: Store) -> None:
    report, found = vcf(db, "android_v21_blackberry_photo.vcf")
    assert report.created == 1 and not [i for i in report.issues if i.skipped]
    assert found["boogie"].emails == ["forrestgump@walladalla.com"]


def test_v21_quoted_printable_soft_breaks_in_label_and_note(db: Store) -> None:
    _, found = vcf(db, "android_v21_complicated.vcf")
    joe = found["Joe Due"]
    assert joe.organization == "Gump Shrimp Co."
    assert "forrestgump@walladalla.com" in joe.emails
    assert joe.notes is not None and "to come=to the aid" not in joe.notes
    assert joe.location == "Baytown, LA, United States of America"


def test_v21_comment_lines_ignored_but_not_inside_a_soft_broken_note(db: Store) -> None:
    _, found = vcf(db, "android_v21_invalid_comment_line.vcf")
    note = found["Conference Call"].notes or ""
    assert "#<- sharp) example" in note and "must be ignored" not in note


def test_v21_shift_jis_charset_names(db: Store) -> None:
    _, found = vcf(db, "android_v21_japanese_2.vcf")
    assert "安藤 ロイド 1" in found


def test_v21_several_shift_jis_cards_separated_by_blank_lines(db: Store) -> None:
    report, found = vcf(db, "android_v21_multiple_entry.vcf")
    assert report.created == 3
    assert {"安藤ロイド3", "安藤ロイド4", "安藤ロイド5"} <= set(found)


def test_v21_windows_mobile_invalid_agent_line(db: Store) -> None:
    report, found = vcf(db, "android_v21_winmo_65.vcf")
    assert report.created == 1 and "Example" in found


def test_v30_ios_large_folded_photo_and_item_groups(db: Store) -> None:
    _, found = vcf(db, "android_v30_ios_613_multiline.vcf")
    bob = found["Bob Smith"]
    assert bob.emails == ["bob@smithauto.com"] and bob.organization == "Smith Auto Repair"


def test_v40_sort_as_parameter_with_japanese(db: Store) -> None:
    _, found = vcf(db, "android_v40_sort_as.vcf")
    assert found["安藤 ロイド"].organization == "グーグル"


def test_android_quoted_printable_utf8_names_and_nameless_cards(db: Store) -> None:
    report, found = vcf(db, "ezvcard_John_Doe_ANDROID.vcf")
    assert report.created == 6
    assert "Ñ Ñ Ñ Ñ Ñ" in found
    assert found["john.doe@company.com"].tags == ["my contacts"]  # named after the address


def test_blackberry_type_params_in_21_and_unfolded_photo(db: Store) -> None:
    _, found = vcf(db, "ezvcard_John_Doe_BLACK_BERRY.vcf")
    assert found["John Doe"].organization == "Acme Solutions"
    assert found["John Doe"].phones == ["+96123456789"]


def test_evolution_escaped_commas_and_folding_inside_email(db: Store) -> None:
    _, found = vcf(db, "ezvcard_John_Doe_EVOLUTION.vcf")
    john = found["Mr. John Richter, James Doe Sr."]
    assert john.emails == ["john.doe@ibm.com"] and john.tags == ["vip"]


def test_old_gmail_apple_item_groups(db: Store) -> None:
    _, found = vcf(db, "ezvcard_John_Doe_GMAIL.vcf")
    assert found["Mr. John Richter, James Doe Sr."].organization == "IBM"


def test_iphone_46kb_photo(db: Store) -> None:
    report, found = vcf(db, "ezvcard_John_Doe_IPHONE.vcf")
    assert report.created == 1
    assert "+19055551234" in found["Mr. John Richter James Doe Sr."].phones


def test_lotus_notes_that_vobject_refuses(db: Store) -> None:
    _, found = vcf(db, "ezvcard_John_Doe_LOTUS_NOTES.vcf")
    john = next(p for p in found.values() if "john.doe@ibm.com" in p.emails)
    assert john.organization == "IBM" and "billy_bob@gmail.com" in john.emails


def test_mac_address_book_mixed_line_endings(db: Store) -> None:
    _, found = vcf(db, "ezvcard_John_Doe_MAC_ADDRESS_BOOK.vcf")
    assert found["Mr. John Richter,James Doe Sr."].emails == ["john.doe@ibm.com"]


def test_outlook_qp_label_and_yyyymmdd_birthday(db: Store) -> None:
    _, found = vcf(db, "ezvcard_John_Doe_MS_OUTLOOK.vcf")
    john = found["Mr. John Richter James Doe Sr."]
    assert john.emails == ["john.doe@ibm.cm"]
    assert john.organization == "IBM"


def test_fullcontact_many_types_and_altid_birthday(db: Store) -> None:
    _, found = vcf(db, "ezvcard_fullcontact.vcf")
    p = found["Prefix FirstName MiddleName LastName Suffix"]
    assert len(p.emails) == 5 and p.organization == "Organization1" and p.tags == ["tag"]


def test_gmail_list_last_line_without_newline(db: Store) -> None:
    report, found = vcf(db, "ezvcard_gmail-list.vcf")
    assert report.created == 3 and {"Arnold Smith", "Chris Beatle", "Doug White"} <= set(found)


def test_gmail_escaped_colon_in_url(db: Store) -> None:
    _, found = vcf(db, "ezvcard_gmail-single.vcf")
    greg = found["Greg Dartmouth"]
    assert greg.emails == ["gdartmouth@hotmail.com"] and greg.title == "TheJobTitle"


def test_gmail_every_field_five_emails(db: Store) -> None:
    _, found = vcf(db, "ezvcard_gmail-single2.vcf")
    assert len(found["VCard Test"].emails) == 5


def test_caret_escaped_label_parameter_folded(db: Store) -> None:
    _, found = vcf(db, "ezvcard_issue114.vcf", region="DE")
    dummy = found["Dummy, Dummy"]
    assert dummy.location == "Bad Homburg, Germany" and "+49123456789" in dummy.phones


def test_outlook_2003_key_block_and_word_phones(db: Store) -> None:
    report, found = vcf(db, "ezvcard_outlook-2003.vcf")
    assert found["John Doe III"].organization == "Company, The"
    # "BusinessPhone" is not a number: left out with a warning, the card still imports
    assert any("BusinessPhone" in i.message and not i.skipped for i in report.issues)


def test_outlook_2007_qp_note_with_tab(db: Store) -> None:
    _, found = vcf(db, "ezvcard_outlook-2007.vcf")
    mike = found["Mr. Michael Angstadt Jr."]
    assert mike.notes is not None and mike.notes.startswith("This is the NOTE field")


def test_rfc2426_example_lf_line_endings(db: Store) -> None:
    report, found = vcf(db, "ezvcard_rfc2426-example.vcf")
    assert report.created == 2 and found["Tim Howes"].emails == ["howes@netscape.com"]


def test_thunderbird_charset_on_30_and_escaped_category_commas(db: Store) -> None:
    _, found = vcf(db, "ezvcard_thunderbird-MoreFunctionsForAddressBook-extension.vcf")
    assert found["John Doe"].tags == ["category1, category2, category3"]


def test_nextcloud_escaped_semicolons_in_tel(db: Store) -> None:
    _, found = vcf(db, "icaljs_escape_semicolon.vcf")
    assert found["First Last NextCloud"].emails == ["home@gmx.de", "work@gmx.de"]


def test_two_n_properties_linked_by_altid(db: Store) -> None:
    _, found = vcf(db, "khard_altid.vcf")
    assert "altid" in found


def test_korean_fn_only_no_n(db: Store) -> None:
    _, found = vcf(db, "khard_korean-c.vcf")
    assert "최유림" in found


def test_v30_png_photo_encoding_b(db: Store) -> None:
    _, found = vcf(db, "khard_photov3.vcf")
    assert "with photo v3" in found


def test_v40_photo_data_uri(db: Store) -> None:
    _, found = vcf(db, "khard_photov4.vcf")
    assert "with photo v4" in found


def test_tel_value_uri_that_is_not_a_uri(db: Store) -> None:
    _, found = vcf(db, "khard_tel-value-uri.vcf", region="DE")
    assert found["bug 195"].phones == ["+4967545678"]


def test_text_birthday_is_not_a_date(db: Store) -> None:
    _, found = vcf(db, "khard_text-bday.vcf")
    assert "text birthday" in found


def test_truncated_card_reported_with_its_line(db: Store) -> None:
    report, found = vcf(db, "khard_unparsable.vcf")
    assert "second contact with minimal Vcard" in found
    assert [(i.line, "truncated" in i.message) for i in report.issues] == [(1, True)]


def test_apple_company_card_with_empty_n(db: Store) -> None:
    _, found = vcf(db, "roundcube_apple.vcf")
    assert found["Apple Computer AG"].location == "Wallisellen-Zürich, Switzerland"


def test_windows_1252_byte_in_name(db: Store) -> None:
    _, found = vcf(db, "roundcube_johndoe.vcf")
    assert "John Doë" in found


def test_the_bat_qp_without_charset(db: Store) -> None:
    _, found = vcf(db, "roundcube_thebat.vcf")
    assert any(p.emails == ["piotr.iksinski@somedomain.com"] for p in found.values())


def test_utf16_big_endian_without_bom(db: Store) -> None:
    _, found = vcf(db, "roundcube_utf-16_sample.vcf")
    assert "Ǽgean ĽdaMonté" in found


def test_davx5_all_fields_custom_groups(db: Store) -> None:
    _, found = vcf(db, "vcard4android_allfields-vcard3.vcf")
    ami = found["Ämi Display"]
    assert ami.organization == "ABC, Inc." and ami.tags == ["a", "b'c"]


def test_rev_timestamp_with_milliseconds(db: Store) -> None:
    _, found = vcf(db, "vcard4android_strange-rev.vcf")
    assert "Name Name" in found


def test_birthday_without_year(db: Store) -> None:
    _, found = vcf(db, "vcard4android_vcard4.vcf")
    assert "VCard 4 Test" in found  # --04-16 has no year: the card keeps it, the person has none


# ------------------------------------------------------------------ CSV


def test_linkedin_connections_notes_preamble_and_quoted_company(db: Store) -> None:
    report = run(db, "linkedin", fixture("tekjobs_linkedin_Connections.csv"))
    found = everyone(db)
    assert report.created == 4
    jane = found["Jane Doe"]
    assert jane.organization == "Northwind Traders, Inc." and jane.emails == ["jane@northwind.com"]
    assert jane.met_on == dt.date(2026, 9, 22)
    assert jane.links == ["https://www.linkedin.com/in/jane-doe-example"]


def test_linkedin_messages_direction_from_me(db: Store) -> None:
    me = "https://www.linkedin.com/in/avery-sample"
    report = run(db, "linkedin", fixture("tekjobs_linkedin_messages.csv"), me=[me])
    assert report.interactions_created == 3
    found = everyone(db)
    assert set(found) == {"Jane Doe", "Sam Lee"}  # you are not one of your contacts
    initiated = sorted(i.initiated_by or "" for i in found["Jane Doe"].recent)
    assert initiated == ["me", "them"]


def test_linkedin_invitations_us_dates_with_time(db: Store) -> None:
    report = run(db, "linkedin", fixture("tekjobs_linkedin_Invitations.csv"))
    mina = everyone(db)["Mina Park"]
    assert report.interactions_created == 1
    assert mina.recent[0].date == dt.date(2026, 9, 20) and mina.recent[0].initiated_by == "them"


def test_google_legacy_layout_groups_and_multiline_address(db: Store) -> None:
    report = run(db, "google", fixture("roundcube_gmail.csv"))
    p = everyone(db)["Prefix Firstname Middle Lastname Suffix"]
    assert report.created == 1
    assert p.emails[:2] == ["home@aaa.pl", "work@email.pl"] and p.tags == ["test"]
    assert p.nickname == "nick"


def test_outlook_email_only_columns(db: Store) -> None:
    run(db, "outlook", fixture("roundcube_outlook.csv"))
    assert everyone(db)["test1@domain.tld"].emails == [
        "test1@domain.tld",
        "test2@domain.tld",
        "test3@domain.tld",
    ]


def test_thunderbird_csv_through_outlook_layout(db: Store) -> None:
    run(db, "outlook", fixture("roundcube_tb_plain.csv"))
    p = everyone(db)["Displayname"]
    assert p.emails == ["test@domain.tld", "next@domain.tld"] and p.organization == "Organization"


def test_outlook_2000_windows_1252_and_zero_dates(db: Store) -> None:
    run(db, "outlook", fixture("projectopen_outlook2000_contacts.csv"), region="ES")
    frank = everyone(db)["Frank Bergmann"]
    assert frank.organization == "Project/Open" and frank.title == "Managing Director"
    assert (
        frank.emails == ["frank.bergmann@project-open.com"]
        and frank.location == "Barcelona, Catalunya, Spain"
    )


def test_outlook_japanese_header(db: Store) -> None:
    report = run(db, "outlook", fixture("openxchange_outlook_japanese_jpcontact.csv"))
    assert report.created == 1
    assert any("Mustermann" in name for name in everyone(db))


def test_any_csv_recognises_the_layout(db: Store) -> None:
    run(db, "csv", fixture("tekjobs_linkedin_Connections.csv"))
    run(db, "csv", fixture("roundcube_gmail.csv"))
    assert {"Jane Doe", "Prefix Firstname Middle Lastname Suffix"} <= set(everyone(db))
