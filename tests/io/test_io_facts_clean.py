"""The normaliser's fast paths give what the plain rules give: one-line values skip the
regexes, canonical LinkedIn URLs skip validation (hypothesis against the rules as written)."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill import validate
from goodwill.errors import InvalidInput
from goodwill.io import facts

TEXT = st.text(alphabet=st.sampled_from(list("ab \t\r\n\x0b\x0c\u2028\u3000é")))


def clean_rule(value: str | None, limit: int) -> str | None:
    if value is None:
        return None
    text = re.sub(r"[\r\n\t]+", " ", str(value)).strip()
    return text[:limit].strip() or None


def clean_text_rule(value: str | None) -> str | None:
    if value is None:
        return None
    text = "\n".join(line.rstrip() for line in str(value).replace("\r\n", "\n").split("\n"))
    return text.strip() or None


@settings(max_examples=500)
@given(TEXT | st.none(), st.integers(1, 12))
def test_clean_is_the_rule(value: str | None, limit: int) -> None:
    assert facts._clean(value, limit) == clean_rule(value, limit)
    assert facts._clean_text(value) == clean_text_rule(value)


@settings(max_examples=500)
@given(
    st.sampled_from(["https://www.linkedin.com/in/", "http://linkedin.com/in/", "https://x/in/"]),
    st.text(alphabet=st.sampled_from(list("abÉé/?# -_.%:")), min_size=1),
)
def test_a_canonical_linkedin_url_is_what_validation_gives(prefix: str, slug: str) -> None:
    """validate.linkedin_url's shortcut for an address already canonical gives what the
    whole check gives (a leading space sends it the whole way)."""

    def outcome(value: str) -> str | None:
        try:
            return validate.linkedin_url(value)
        except InvalidInput:
            return None

    assert outcome(prefix + slug) == outcome(" " + prefix + slug)
