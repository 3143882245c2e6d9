"""The layers import downward only: import-linter's contract (pyproject.toml) holds on the
tree, and breaks when a lower layer imports a higher one or two layers import each other."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT = shutil.which("lint-imports") or str(Path(sys.executable).with_name("lint-imports"))

pytestmark = pytest.mark.skipif(
    not Path(LINT).exists(), reason="import-linter is in the dev extras: pip install -e '.[dev]'"
)


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(root / "src")}
    return subprocess.run(
        [LINT, "--config", str(root / "pyproject.toml"), "--no-cache"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def _copy(tmp_path: Path) -> Path:
    copy = tmp_path / "house"
    shutil.copytree(ROOT / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    return copy


def test_the_tree_keeps_its_layers() -> None:
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "KEPT" in done.stdout


@pytest.mark.parametrize(
    "module, line, culprit",
    [
        # the store reaching up into the web app
        ("store/db.py", "import goodwill.web.render", "goodwill.store.db -> goodwill.web.render"),
        # a record reaching up into scoring (the loop the package move took apart)
        ("records/people.py", "import goodwill.scoring.flags", "goodwill.records.people"),
        # two features side by side importing each other
        ("asking/needs.py", "import goodwill.career.profile", "goodwill.asking.needs"),
    ],
)
def test_a_forbidden_import_breaks_the_contract(
    tmp_path: Path, module: str, line: str, culprit: str
) -> None:
    copy = _copy(tmp_path)
    target = copy / "src" / "goodwill" / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    done = _lint(copy)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout
    assert culprit in done.stdout
