"""The guard that keeps the suite out of the user's workspace: snapshots and their differences."""

from __future__ import annotations

import os

from helpers import workspace_changes, workspace_snapshot
from melodyreg import constants as C

SESSION_STORE = os.path.dirname(os.environ["MELODYREG_RUNS_DIR"])  # conftest.py's temporary folder


def test_the_session_uses_a_temporary_run_store_and_cache():
    assert str(C.RUNS_DIR).startswith(SESSION_STORE) and str(C.CACHE_DIR).startswith(SESSION_STORE)
    assert not str(C.RUNS_DIR).startswith(str(C.REPO_ROOT))


def test_snapshots_see_added_removed_and_changed_files(tmp_path):
    (tmp_path / "runs" / "a").mkdir(parents=True)
    (tmp_path / "runs" / "a" / "done.json").write_text("{}")
    (tmp_path / "book").mkdir()
    (tmp_path / "book" / "01.py").write_text("x = 1")
    (tmp_path / "elsewhere.txt").write_text("not watched")
    before = workspace_snapshot(tmp_path, ("runs", "book", "_build"))
    assert set(before) == {"runs/a/done.json", "book/01.py"}
    assert workspace_changes(before, workspace_snapshot(tmp_path, ("runs", "book", "_build"))) == []
    (tmp_path / "book" / "01.py").write_text("x = 22")
    os.utime(tmp_path / "book" / "01.py", ns=(1, 1))
    (tmp_path / "runs" / "a" / "done.json").unlink()
    (tmp_path / "_build").mkdir()
    (tmp_path / "_build" / "index.html").write_text("<html>")
    (tmp_path / "elsewhere.txt").write_text("changed, but not watched")
    after = workspace_snapshot(tmp_path, ("runs", "book", "_build"))
    assert workspace_changes(before, after) == [
        "added _build/index.html",
        "changed book/01.py",
        "removed runs/a/done.json",
    ]
