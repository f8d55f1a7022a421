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
import hashlib
import io
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tqdm.auto import tqdm

from melodyreg import constants as C

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
        ValueError: the CSV lacks a required column.
    """

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(
                f"MAESTRO not found at {self.path}; fetch it with "
                f"`python -m melodyreg download-maestro --dest {C.DATA_DIR / 'maestro'}`"
            )
        if self.path.is_file():
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


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def verify(path: Path, size: int, sha256: str) -> None:
    """Check a downloaded file's size and SHA-256.

    Raises:
        ValueError: either differs from the published value.
    """
    actual = Path(path).stat().st_size
    if actual != size:
        raise ValueError(f"{path}: {actual} bytes, expected {size}")
    digest = sha256_of(path)
    if digest != sha256:
        raise ValueError(f"{path}: SHA-256 {digest}, expected {sha256}")


def download(dest: str | Path, release: str = DEFAULT_RELEASE, *, url: str | None = None) -> Path:
    """Download a MAESTRO MIDI release into ``dest`` and verify it. Explicit use only.

    An existing file that verifies is kept. A download that fails verification
    is deleted.

    Returns:
        The path of the verified zip.
    """
    if release not in RELEASES:
        raise ValueError(f"unknown MAESTRO release {release!r}; known: {sorted(RELEASES)}")
    address, size, sha256 = RELEASES[release]
    target = Path(dest) / Path(address).name
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        try:
            verify(target, size, sha256)
            return target
        except ValueError:
            target.unlink()
    partial = target.with_suffix(".part")
    with (
        urllib.request.urlopen(url or address) as response,
        open(partial, "wb") as out,
        tqdm(total=size, unit="B", unit_scale=True, desc=target.name) as bar,
    ):
        while block := response.read(1 << 20):
            out.write(block)
            bar.update(len(block))
    try:
        verify(partial, size, sha256)
    except ValueError:
        partial.unlink()
        raise
    partial.rename(target)
    return target
