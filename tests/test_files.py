"""Files that are results: written whole or not at all, and fingerprinted."""

from __future__ import annotations

import hashlib
import os

import pytest

from melodyreg import files


def test_atomic_write_replaces_the_file_whole_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "result.txt"
    files.atomic_write_text(target, "first")
    files.atomic_write_bytes(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["result.txt"]


def test_a_failing_writer_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "result.txt"
    files.atomic_write_text(target, "kept")

    def broken(tmp):
        tmp.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        files.atomic_write(target, broken)
    assert target.read_text() == "kept" and [p.name for p in tmp_path.iterdir()] == ["result.txt"]


def test_sha256_reads_in_chunks(tmp_path):
    path = tmp_path / "data.bin"
    path.write_bytes(b"abcdefghij" * 7)
    assert files.sha256(path, chunk=3) == hashlib.sha256(b"abcdefghij" * 7).hexdigest()


def test_what_is_names_the_kind_of_file_and_never_raises(tmp_path):
    (tmp_path / "file").write_text("x")
    os.mkfifo(tmp_path / "pipe")
    (tmp_path / "dangling").symlink_to(tmp_path / "gone")
    assert files.what_is(tmp_path / "file") == files.REGULAR_FILE == "a regular file"
    assert files.what_is(tmp_path) == files.FOLDER == "a folder"
    assert files.what_is(tmp_path / "pipe") == "a FIFO"
    assert files.what_is("/dev/null") == "a character device"
    assert files.what_is(tmp_path / "dangling") == "a broken link"
    assert files.what_is(tmp_path / "gone") == files.NOTHING == "nothing"
    assert files.what_is(tmp_path / "file" / "inside") == files.NOTHING
    assert files.what_is("x" * 5000) == "a path that cannot be looked up (File name too long)"
    assert files.what_is("a\x00b") == "a path that cannot be looked up (embedded null byte)"
