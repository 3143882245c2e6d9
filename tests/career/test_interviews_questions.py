"""The question bank: the shipped file, the user's extension, the picking rules."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from goodwill.career import questions
from goodwill.career.questions import Category
from goodwill.errors import InvalidInput


def test_shipped_bank_has_the_core_categories_and_no_job_asks(tmp_path: Path) -> None:
    bank = questions.load(tmp_path / "none.toml")
    keys = [c.key for c in bank]
    assert keys[:5] == ["field", "industry", "path", "skills", "people"]
    assert all(len(c.questions) >= c.pick for c in bank)
    assert not any(questions.asks_for_job(q) for c in bank for q in c.questions)
    assert 8 <= sum(c.pick for c in bank) <= 12


@pytest.mark.parametrize(
    "text",
    [
        "Do you have any openings on your team?",
        "Are you hiring?",
        "Is {org} hiring right now?",
        "Are there any jobs for someone like me?",
        "Could you give me a job?",
        "Would you refer me for a role on your team?",
        "Would you hire me?",
    ],
)
def test_job_asks_are_recognised(text: str) -> None:
    assert questions.asks_for_job(text)


@pytest.mark.parametrize(
    "text",
    [
        "How do companies in this industry usually hire: referrals, recruiters, postings?",
        "Is there someone at {org} in a different team I should meet?",
        "What would you look for on a resume for a role like yours?",
    ],
)
def test_good_questions_are_kept(text: str) -> None:
    assert not questions.asks_for_job(text)


def test_user_file_extends_the_bank(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    folder = tmp_path / "goodwill"
    folder.mkdir()
    (folder / "questions.toml").write_text(
        '[field]\nquestions = ["What surprised you in your first year?", '
        '"Do you have any openings?"]\n\n'
        '[remote]\ntitle = "Remote work"\npick = 1\n'
        'questions = ["How does {org} keep remote people in the loop?"]\n',
        encoding="utf-8",
    )
    assert questions.user_file() == folder / "questions.toml"
    bank = {c.key: c for c in questions.load()}
    assert bank["field"].questions[-1] == "What surprised you in your first year?"
    assert "Do you have any openings?" not in bank["field"].questions
    assert (bank["remote"].title, bank["remote"].pick) == ("Remote work", 1)
    chosen = questions.pick(list(bank.values()), {"org": "Acme"}, seed=1)
    assert ("Remote work", "How does Acme keep remote people in the loop?") in chosen


@pytest.mark.parametrize(
    ("content", "why"),
    [
        ("[field\nquestions = []", "not valid TOML"),
        ('field = "x"', "must be a table"),
        ("[field]\nquestions = [1, 2]", "must be a list of strings"),
        ('[field]\nquestions = ["What does {boss} think?"]', "uses {boss}"),
        ('[field]\npick = "two"\nquestions = []', "pick must be a number"),
    ],
)
def test_a_broken_user_file_is_a_clear_error(tmp_path: Path, content: str, why: str) -> None:
    path = tmp_path / "questions.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InvalidInput, match="questions file") as exc:
        questions.load(path)
    assert why in str(exc.value)


def test_placeholders_are_filled_or_their_questions_skipped() -> None:
    bank = [
        Category("a", "A", 2, ["How is {org}?", "What does a {title} do?", "Plain one?"]),
        Category("b", "B", 6, [f"Question {i}?" for i in range(8)]),
    ]
    without = questions.pick(bank, {"org": None, "title": None}, seed=3)
    assert ("A", "Plain one?") in without
    assert all("{" not in q for _, q in without)
    with_org = questions.pick(bank, {"org": "Acme", "title": "CTO"}, seed=3)
    assert {q for c, q in with_org if c == "A"} <= {
        "How is Acme?",
        "What does a CTO do?",
        "Plain one?",
    }
    assert questions.pick(bank, {"org": "Acme"}, seed=3) == questions.pick(
        bank, {"org": "Acme"}, seed=3
    )


_texts = st.text(alphabet="abcdefgh ", min_size=1, max_size=12).map(lambda s: s.strip() + "?")


@settings(max_examples=60, deadline=None)
@given(
    cats=st.lists(
        st.tuples(st.integers(0, 5), st.lists(_texts, min_size=0, max_size=8, unique=True)),
        min_size=1,
        max_size=6,
    ),
    seed=st.integers(0, 10_000),
)
def test_pick_gives_8_to_12_distinct_questions_when_the_bank_has_them(
    cats: list[tuple[int, list[str]]], seed: int
) -> None:
    bank = [Category(f"c{i}", f"C{i}", pick, qs) for i, (pick, qs) in enumerate(cats)]
    available = sum(len(c.questions) for c in bank)
    chosen = questions.pick(bank, {}, seed=seed)
    assert len(chosen) <= questions.MAX_QUESTIONS
    assert len(chosen) >= min(questions.MIN_QUESTIONS, available)
    assert len({(c, q) for c, q in chosen}) == len(chosen)
    titles = [c.title for c in bank]
    assert [titles.index(c) for c, _ in chosen] == sorted(titles.index(c) for c, _ in chosen)
