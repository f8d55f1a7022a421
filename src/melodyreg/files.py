"""Files that are results: written whole or not at all, and recognised when they come back damaged.

Every artifact the package keeps (corpus caches, checkpoints, finished runs,
downloads) is written to a temporary file in the same folder and renamed into
place, so a kill at any moment leaves either the old file or the new one, never
half of one. :func:`sha256` fingerprints a file so a reader can tell a file it
wrote from one that was truncated or changed since. :func:`what_is` says what a
path a user gave names, so a message can say "a FIFO" rather than "not found".
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(temporary_path)``, then rename the result to ``path`` (same folder, so the rename is atomic).

    The temporary file is removed if ``write`` fails; ``path`` is then untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(handle)
    tmp = Path(name)
    try:
        write(tmp)
        with open(tmp, "rb+") as flushed:
            os.fsync(flushed.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_bytes(data))


def atomic_write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically."""
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    """The SHA-256 of a file's bytes, read in chunks (hex)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


REGULAR_FILE, FOLDER, NOTHING = "a regular file", "a folder", "nothing"
_KINDS = (
    (stat.S_ISREG, REGULAR_FILE),
    (stat.S_ISDIR, FOLDER),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def what_is(path: str | Path) -> str:
    """What ``path`` names, in words, following links.

    Returns:
        :data:`REGULAR_FILE`, :data:`FOLDER`, ``"a FIFO"``, ``"a character device"``, ``"a block
        device"``, ``"a socket"``, ``"a broken link"``, :data:`NOTHING`, or for a name the system
        cannot look up (too long, a NUL byte, no permission) ``"a path that cannot be looked up
        (<why>)"``. It never raises.
    """
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "a broken link" if os.path.islink(path) else NOTHING
    except (OSError, ValueError) as error:
        return f"a path that cannot be looked up ({getattr(error, 'strerror', None) or error})"
    return next((kind for test, kind in _KINDS if test(mode)), "a special file")
