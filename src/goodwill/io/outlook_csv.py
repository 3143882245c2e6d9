"""Outlook contacts CSV (English and localised headers, e.g. Japanese) and the close
Thunderbird address-book layout. Outlook for Windows writes windows-1252, not UTF-8, and
"0/0/00" for empty dates; both are handled.
"""

from __future__ import annotations

from pathlib import Path

from goodwill.io.contact_csv import Layout, parse_file
from goodwill.io.records import ImportOptions, ParseResult

SOURCE = "outlook"

LAYOUT = Layout(
    name="Outlook CSV",
    fields={
        "name": ("Display Name", "電子メール表示名"),
        "given": ("First Name", "名"),
        "middle": ("Middle Name", "ミドル ネーム"),
        "family": ("Last Name", "姓"),
        "prefix": ("Title", "肩書き"),
        "suffix": ("Suffix", "敬称"),
        "nickname": ("Nickname",),
        "org": ("Company", "Organization", "会社名"),
        "title": ("Job Title", "役職"),
        "birthday": ("Birthday", "誕生日"),
        "birth_year": ("Birth Year",),
        "birth_month": ("Birth Month",),
        "birth_day": ("Birth Day",),
        "notes": ("Notes", "メモ"),
        "tags": ("Categories", "分類"),
        "city": ("Business City", "Work City", "Home City", "市町村 (会社)", "市町村 (自宅)"),
        "region": (
            "Business State",
            "Work State",
            "Home State",
            "都道府県 (会社)",
            "都道府県 (自宅)",
        ),
        "country": (
            "Business Country",
            "Work Country",
            "Home Country",
            "国 (会社)/地域",
            "国 (自宅)/地域",
        ),
    },
    email_columns=(
        r"e-mail address",
        r"e-mail \d address",
        r"primary email",
        r"secondary email",
        r"電子メール アドレス",
        r"電子メール \d アドレス",
    ),
    phone_columns=(
        r"(business|home|mobile|car|primary|other|company main|assistant's|radio) phone( \d)?",
        r"(work|home) phone",
        r"mobile number",
        r"携帯電話",
        r"会社電話( \d)?",
        r"自宅電話( \d)?",
        r"通常の電話",
    ),
    url_columns=(r"web page", r"web page \d", r"web ページ"),
    label_of={},
)
_EMAIL_HEADERS = {"e-mail address", "primary email", "電子メール アドレス"}


def is_header(header: list[str]) -> bool:
    return bool({h.lower() for h in header} & _EMAIL_HEADERS)


def parse(path: Path, options: ImportOptions) -> ParseResult:
    return parse_file(
        path,
        options,
        what="an Outlook contacts CSV file",
        is_header=is_header,
        missing="no 'E-mail Address' column in its first lines",
        layout=LAYOUT,
        source=SOURCE,
    )
