"""A fresh clone has no ../shared/ beside it: the tests that read the seed brief from there
are skipped saying why, and fail under CI (CI=true), which must have it (tests/seed.py)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import seed

REPO_ROOT = Path(__file__).resolve().parents[1]
# Loaded into a pytest run of its own (-p): the seed is looked for where nothing is.
HIDE_SEED = """
from pathlib import Path

import tests.seed

tests.seed.SEED = Path(__file__).parent / "no-shared" / "seeds" / tests.seed.SEED.name
"""


@pytest.fixture
def seed_missing(monkeypatch, tmp_path):
    monkeypatch.setattr(seed, "SEED", tmp_path / "no-shared" / "seeds" / seed.SEED.name)


def test_a_missing_seed_skips_the_test_that_needs_it_saying_why(seed_missing, monkeypatch):
    monkeypatch.delenv("CI", raising=False)

    with pytest.raises(pytest.skip.Exception, match=r"\.\./shared/ is not beside the repository"):
        seed.seed_text()


def test_under_ci_a_missing_seed_fails_the_test_that_needs_it(seed_missing, monkeypatch):
    monkeypatch.setenv("CI", "true")

    with pytest.raises(pytest.fail.Exception, match=r"CI=true: the seed's tests must run here"):
        seed.seed_path()


def test_in_a_fresh_clone_every_seed_test_is_skipped_and_none_fails(tmp_path):
    """The seed's tests (each named so), run with the seed out of reach: all skipped, none
    failed (four once read the file without asking tests/seed.py, and failed)."""
    (tmp_path / "hide_seed.py").write_text(HIDE_SEED, encoding="utf-8")
    environment = {
        name: value
        for name, value in os.environ.items()
        # SQLite in memory, whatever the outer run uses: no second run on its database.
        if name not in {"CI", "DATABASE_URL"}
    }
    environment["PYTHONPATH"] = os.pathsep.join([str(tmp_path), str(REPO_ROOT)])
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "hide_seed",
            "-p",
            "no:cacheprovider",
            "-q",
            "-rs",
            "-k",
            "seed",
            "tests/briefs/test_plaintext.py",
            "tests/briefs/test_documents.py",
            "tests/briefs/test_page_weight.py",
        ],  # fmt: skip
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )

    summary = result.stdout.strip().splitlines()[-1]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" in summary and "failed" not in summary and "passed" not in summary, summary
    assert "../shared/ is not beside the repository" in result.stdout
