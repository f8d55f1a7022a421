"""MAESTRO: the Yamaha Piano-e-Competition MIDI the poster trained on, as published by Magenta.

MAESTRO (Hawthorne et al., 2019) ships as a zip holding one folder, a metadata
CSV (``canonical_composer, canonical_title, split, year, midi_filename,
audio_filename, duration``) and the MIDI files. It is licensed CC BY-NC-SA 4.0.

Nothing here downloads anything unless :func:`download` is called explicitly
(``python -m melodyreg download-maestro``); tests and the default book never do.
The loader reads the zip, or a folder it was extracted to, and lists one
:class:`MaestroEntry` per performance.
"""

from __future__ import annotations

import csv
import io
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from melodyreg import constants as C
from melodyreg.files import FOLDER, NOTHING, REGULAR_FILE, sha256, what_is

# Published releases of the MIDI-only archive: address, size in bytes and SHA-256.
RELEASES = {
    "v1.0.0": (
        "https://storage.googleapis.com/magentadata/datasets/maestro/v1.0.0/maestro-v1.0.0-midi.zip",
        46_579_421,
        "f620f9e1eceaab8beea10617599add2e9c83234199b550382a2f603098ae7135",
    ),
    "v3.0.0": (
        "https://storage.googleapis.com/magentadata/datasets/maestro/v3.0.0/maestro-v3.0.0-midi.zip",
        58_416_533,
        "70470ee253295c8d2c71e6d9d4a815189e35c89624b76d22fce5a019d5dde12c",
    ),
}
DEFAULT_RELEASE = "v3.0.0"
REQUIRED_COLUMNS = ("canonical_composer", "canonical_title", "split", "midi_filename")


@dataclass(frozen=True)
class MaestroEntry:
    """One performance listed in the metadata CSV."""

    composer: str
    title: str
    split: str  # MAESTRO's official split: train, validation or test
    midi_filename: str  # path inside the release folder

    @property
    def work(self) -> str:
        """The composition: performances of one work share it, so splits keep them together."""
        return f"{self.composer} / {self.title}"


class MaestroSource:
    """A MAESTRO release on disk: the zip as published or the folder it unpacks to.

    Args:
        path: the ``.zip`` file or the folder (the one holding the CSV, or its parent).

    Raises:
        FileNotFoundError: ``path`` does not exist or holds no metadata CSV.
        ValueError: ``path`` is neither a regular file nor a folder (a device, a FIFO), or the CSV
            lacks a required column.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        kind = what_is(self.path)
        if kind == NOTHING:
            raise FileNotFoundError(
                f"MAESTRO not found at {self.path}; fetch it with "
                f"`python -m melodyreg download-maestro --dest {C.DATA_DIR / 'maestro'}`"
            )
        if kind not in (REGULAR_FILE, FOLDER):
            raise ValueError(f"{self.path} is {kind}, not a regular file or a folder")
        if kind == REGULAR_FILE:
            if not zipfile.is_zipfile(self.path):
                raise ValueError(f"{self.path} is not a zip archive")
            with zipfile.ZipFile(self.path) as archive:
                names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
                if not names:
                    raise FileNotFoundError(f"no metadata CSV inside {self.path}")
                self._csv_name = min(names, key=len)
                text = archive.read(self._csv_name).decode("utf-8")
            self._prefix = self._csv_name.rpartition("/")[0]
        else:
            found = sorted(self.path.glob("*.csv")) or sorted(self.path.glob("*/*.csv"))
            if not found:
                raise FileNotFoundError(f"no metadata CSV in {self.path} or its subfolders")
            self._folder = found[0].parent
            text = found[0].read_text(encoding="utf-8")
        self.entries = _parse_metadata(text, self.path)

    def read_bytes(self, entry: MaestroEntry) -> bytes:
        """The MIDI file of one entry (raises ``OSError``/``KeyError`` if missing)."""
        if self.path.is_file():
            member = f"{self._prefix}/{entry.midi_filename}" if self._prefix else entry.midi_filename
            with zipfile.ZipFile(self.path) as archive:
                return archive.read(member)
        return (self._folder / entry.midi_filename).read_bytes()


def _parse_metadata(text: str, where: Path) -> list[MaestroEntry]:
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"metadata CSV in {where} lacks columns {missing}; has {reader.fieldnames}")
    entries = [
        MaestroEntry(r["canonical_composer"], r["canonical_title"], r["split"], r["midi_filename"]) for r in reader
    ]
    if not entries:
        raise ValueError(f"metadata CSV in {where} lists no performances")
    return entries


def verify(path: Path, size: int, expected: str) -> None:
    """Check a downloaded file's size and SHA-256.

    Raises:
        ValueError: either differs from the published value.
    """
    actual = Path(path).stat().st_size
    if actual != size:
        raise ValueError(f"{path}: {actual} bytes, expected {size}")
    digest = sha256(path)
    if digest != expected:
        raise ValueError(f"{path}: SHA-256 {digest}, expected {expected}")


class DownloadError(OSError):
    """A download failed: no connection, no answer within the timeout, or a broken transfer."""


def download(
    dest: str | Path,
    release: str = DEFAULT_RELEASE,
    *,
    url: str | None = None,
    timeout: float = C.DOWNLOAD_TIMEOUT,
    progress: bool = True,
) -> Path:
    """Download a MAESTRO MIDI release into ``dest`` and verify it. Explicit use only.

    Bytes go to ``<name>.part`` and are renamed to the zip only after its size and
    SHA-256 check out. An existing file that verifies is kept; one that does not is
    replaced. A download that fails leaves no file behind.

    Args:
        url: fetch from here instead of the release's address (tests use ``file://``).
        timeout: seconds to wait for the server to answer, and for each block.

    Returns:
        The path of the verified zip.

    Raises:
        ValueError: unknown release, or the bytes fail verification.
        DownloadError: the transfer failed (the message names the URL and the cause).
    """
    if release not in RELEASES:
        raise ValueError(f"unknown MAESTRO release {release!r}; known: {sorted(RELEASES)}")
    address, size, expected = RELEASES[release]
    source = url or address
    target = Path(dest) / Path(address).name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        try:
            verify(target, size, expected)
            return target
        except ValueError:
            target.unlink()
    partial = target.with_name(target.name + ".part")
    try:
        with (
            urllib.request.urlopen(source, timeout=timeout) as response,
            open(partial, "wb") as out,
            tqdm(total=size, unit="B", unit_scale=True, desc=target.name, disable=not progress) as bar,
        ):
            while block := response.read(1 << 20):
                out.write(block)
                bar.update(len(block))
    except (OSError, urllib.error.URLError) as exc:  # URLError, timeouts, refused or reset connections
        partial.unlink(missing_ok=True)
        cause = getattr(exc, "reason", None) or exc
        raise DownloadError(f"could not download {source}: {cause}") from exc
    try:
        verify(partial, size, expected)
    except ValueError:
        partial.unlink()
        raise
    partial.rename(target)
    return target
