"""Helpers shared by the tests: NoteSequences, MIDI files, a MAESTRO-shaped release, toy models, workspace snapshots.

Everything here is generated on the fly (in a test's ``tmp_path``) or built in memory,
so the tests need no network and no download. Time is measured in 16th-note steps: at
120 qpm and 4 steps per quarter one step lasts 0.125 s. Fixtures that use these live in
``conftest.py``; test modules import the builders from here (``from helpers import ...``).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pretty_midi

from melodyreg import constants as C
from melodyreg.data.noteseq import music_pb2, note_seq

DATA = Path(__file__).parent / "data"
QPM = 120.0
SPQ = 4
STEP_SECONDS = 60.0 / QPM / SPQ  # 0.125 s
NO_EVENT, NOTE_OFF = -2, -1  # note-seq's melody event values, spelled out for hand examples


# ---------------------------------------------------------------------------
# NoteSequences
# ---------------------------------------------------------------------------


def make_sequence(
    notes, *, time_signature=(4, 4), qpm: float = QPM, steps_per_quarter: int = SPQ, extra_time_signatures=()
) -> music_pb2.NoteSequence:
    """An unquantized NoteSequence from ``(pitch, start_step, end_step[, instrument[, fields]])`` tuples.

    Steps are converted to seconds at ``qpm`` and ``steps_per_quarter``;
    ``fields`` is a dict of other Note fields (``is_drum``, ``velocity``).
    ``time_signature`` is placed at time 0 (``None`` for none);
    ``extra_time_signatures`` holds ``(step, numerator, denominator)`` changes.
    """
    step = 60.0 / qpm / steps_per_quarter
    seq = music_pb2.NoteSequence(ticks_per_quarter=220)
    seq.tempos.add(time=0.0, qpm=qpm)
    if time_signature is not None:
        seq.time_signatures.add(time=0.0, numerator=time_signature[0], denominator=time_signature[1])
    for at, num, den in extra_time_signatures:
        seq.time_signatures.add(time=at * step, numerator=num, denominator=den)
    for note in notes:
        pitch, start, end = note[:3]
        instrument = note[3] if len(note) > 3 else 0
        fields = {"velocity": 80, **(note[4] if len(note) > 4 else {})}
        seq.notes.add(pitch=pitch, start_time=start * step, end_time=end * step, instrument=instrument, **fields)
    seq.total_time = max((n.end_time for n in seq.notes), default=0.0)
    return seq


def quantized(notes, **kwargs) -> music_pb2.NoteSequence:
    """:func:`make_sequence`, quantized with note-seq at 4 steps per quarter."""
    return note_seq.quantize_note_sequence(make_sequence(notes, **kwargs), SPQ)


def quarters(pitches, start: int = 0, length: int = 4, instrument: int = 0) -> list[tuple]:
    """Back-to-back notes of ``length`` steps each, the first at step ``start``."""
    return [(p, start + i * length, start + (i + 1) * length, instrument) for i, p in enumerate(pitches)]


# ---------------------------------------------------------------------------
# MIDI files
# ---------------------------------------------------------------------------


def midi_bytes_of(notes, *, is_drum: bool = False, program: int = 0, qpm: float = QPM, time_signature=(4, 4)) -> bytes:
    """Standard MIDI File bytes (pretty_midi) from ``(pitch, start_step, end_step)`` tuples."""
    step = 60.0 / qpm / SPQ
    pm = pretty_midi.PrettyMIDI(initial_tempo=qpm)
    if time_signature is not None:
        pm.time_signature_changes.append(pretty_midi.TimeSignature(*time_signature, 0.0))
    instrument = pretty_midi.Instrument(program=program, is_drum=is_drum)
    for pitch, start, end in notes:
        instrument.notes.append(pretty_midi.Note(velocity=80, pitch=pitch, start=start * step, end=end * step))
    pm.instruments.append(instrument)
    buffer = io.BytesIO()
    pm.write(buffer)
    return buffer.getvalue()


def write_midi(path: Path, notes, **kwargs) -> Path:
    """Write :func:`midi_bytes_of` to ``path`` (parents created) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(midi_bytes_of(notes, **kwargs))
    return path


def scale_notes(pitches, repeats: int = 4) -> list[tuple[int, int, int]]:
    """``pitches`` repeated ``repeats`` times as back-to-back quarter notes (4 steps each)."""
    sequence = list(pitches) * repeats
    return [(p, 4 * i, 4 * i + 4) for i, p in enumerate(sequence)]


# ---------------------------------------------------------------------------
# A MAESTRO-shaped release
# ---------------------------------------------------------------------------

# Four good performances of three works (the first work played twice, in C and
# in D), then a corrupt file and one listed in the CSV but absent. Each good
# file holds 32 quarter notes = 8 bars of 4/4 = 128 steps: one melody.
C_MAJOR = (60, 62, 64, 65, 67, 69, 71, 72)
D_MAJOR = (62, 64, 66, 67, 69, 71, 73, 74)
A_MINOR = (57, 60, 64, 69, 67, 65, 64, 62)
G_MAJOR = (67, 69, 71, 72, 74, 76, 78, 79)
MAESTRO_ROWS = [
    # composer, title, split, year, midi_filename, pitches (None: corrupt, "missing": absent)
    ("Alpha", "Sonata", "train", 2004, "2004/alpha-sonata-1.midi", C_MAJOR),
    ("Alpha", "Sonata", "train", 2004, "2004/alpha-sonata-2.midi", D_MAJOR),
    ("Beta", "Etude", "validation", 2004, "2004/beta-etude.midi", A_MINOR),
    ("Gamma", "Waltz", "test", 2004, "2004/gamma-waltz.midi", G_MAJOR),
    ("Delta", "Broken", "train", 2004, "2004/delta-broken.midi", None),
    ("Epsilon", "Lost", "train", 2004, "2004/epsilon-lost.midi", "missing"),
]
MAESTRO_COLUMNS = (
    "canonical_composer",
    "canonical_title",
    "split",
    "year",
    "midi_filename",
    "audio_filename",
    "duration",
)
CORRUPT_MIDI = b"MThd\x00\x00\x00\x06\x00\x01garbage that is not a MIDI file"


def maestro_csv_text(rows=MAESTRO_ROWS, columns=MAESTRO_COLUMNS) -> str:
    """The metadata CSV of ``rows`` with only ``columns``."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for composer, title, split, year, midi, _ in rows:
        full = {
            "canonical_composer": composer,
            "canonical_title": title,
            "split": split,
            "year": year,
            "midi_filename": midi,
            "audio_filename": midi.replace(".midi", ".wav"),
            "duration": 16.0,
        }
        writer.writerow([full[c] for c in columns])
    return buffer.getvalue()


@dataclass
class MaestroFixture:
    """Paths of a generated MAESTRO-shaped release."""

    root: Path  # folder holding maestro-v3.0.0/
    folder: Path  # maestro-v3.0.0/, holding the CSV and 2004/
    zip: Path  # maestro-v3.0.0-midi.zip, the same content as the folder
    files: dict[str, bytes] = field(default_factory=dict)  # midi_filename -> bytes (present files)


def build_maestro(base: Path, rows=MAESTRO_ROWS, csv_text: str | None = None) -> MaestroFixture:
    """Write a release folder and the equivalent zip under ``base``."""
    root = base / "maestro-folder"
    folder = root / "maestro-v3.0.0"
    folder.mkdir(parents=True)
    files: dict[str, bytes] = {}
    for *_, midi, pitches in rows:
        if pitches == "missing":
            continue
        files[midi] = CORRUPT_MIDI if pitches is None else midi_bytes_of(scale_notes(pitches))
    text = maestro_csv_text(rows) if csv_text is None else csv_text
    (folder / "maestro-v3.0.0.csv").write_text(text, encoding="utf-8")
    for name, data in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    archive = base / "maestro-v3.0.0-midi.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("maestro-v3.0.0/maestro-v3.0.0.csv", text)
        for name, data in files.items():
            out.writestr(f"maestro-v3.0.0/{name}", data)
    return MaestroFixture(root, folder, archive, files)


# ---------------------------------------------------------------------------
# Models and training runs at toy size
# ---------------------------------------------------------------------------
# TensorFlow is imported lazily so the data-pipeline tests above stay light.

TOY = {
    "layers": (8, 8),
    "batch_size": 4,
    "window": 8,
    "iterations": 12,
    "eval_every": 4,
    "eval_windows": 8,
    "checkpoint_every": 5,
    "pf_units": 8,
}


def tiny_config(strategy: str = "baseline", **overrides):
    """The smoke profile at toy size (2 x 8 LSTM, batch 4, 8-step windows, 12 iterations)."""
    from melodyreg import config

    return config.experiment_config("smoke", strategy, **{**TOY, **overrides})


def toy_melodies(lengths=(40, 25, 60, 5)) -> list[np.ndarray]:
    """Melodies whose windows identify where they were cut: melody i counts up from 2 + 3i (mod 36)."""
    return [((np.arange(n) + 3 * i) % 36 + 2).astype(np.int8) for i, n in enumerate(lengths)]


def as_numpy(batch: dict) -> dict:
    """A batch of tensors as NumPy arrays."""
    return {k: v.numpy() for k, v in batch.items()}


def toy_batch(batch: int = 4, steps: int = 8, seed: int = 0, lengths=None, num_classes: int = 38) -> dict:
    """Random events as a training batch; ``lengths`` (events per row, default all) sets the mask."""
    import numpy as np

    from melodyreg.data.windows import windows_to_batch

    rng = np.random.default_rng(seed)
    windows = rng.integers(0, num_classes, size=(batch, steps + 1)).astype(np.int32)
    lengths = np.full(batch, steps + 1) if lengths is None else np.asarray(lengths)
    for row, length in enumerate(lengths):
        windows[row, length:] = 0
    return windows_to_batch(windows, lengths)


def seeded_model(model_config, seed: int = 0):
    """A MelodyRNN whose initial weights depend only on ``seed``."""
    from melodyreg.model import training
    from melodyreg.model.network import build

    training.set_seed(seed)
    return build(model_config)


def weights_of(variables) -> list:
    """NumPy copies of ``variables`` (to compare before and after a step)."""
    import numpy as np

    return [np.array(v.numpy()) for v in variables]


TINY_STUDY = {
    "iterations": 3,
    "eval_every": 3,
    "checkpoint_every": 3,
    "layers": (8, 8),
    "batch_size": 4,
    "window": 16,
    "eval_windows": 8,
    "pf_units": 8,
}


def maestro_config(path, **overrides):
    """The poster's data settings for the fake MAESTRO archive at ``path``."""
    from melodyreg.config import data_config

    return data_config("poster", source="maestro", path=str(path), **overrides)


STRATEGY_ORDER = ["baseline", "dropout", "scheduled_sampling", "professor_forcing"]


def strategy_runs(values: dict[str, list[float]], seeds: int = 5, index: str = "seed") -> pd.DataFrame:
    """One row per (strategy, seed); ``values`` gives every column's value per strategy as a base level."""
    rows = []
    for s_index, name in enumerate(STRATEGY_ORDER):
        for seed in range(seeds):
            jitter = 0.001 * seed * (s_index + 1)  # differences vary a little between seeds
            rows.append({"strategy": name, index: seed, **{c: v[s_index] + jitter for c, v in values.items()}})
    return pd.DataFrame(rows)


POSTER_WORLD = {  # what the poster describes: SS best everywhere, PF second, baseline ≈ dropout
    "matched_auc": [0.95, 0.94, 0.55, 0.65],
    "matched_memo_auc": [0.60, 0.60, 0.52, 0.55],
    "state_auc": [0.95, 0.94, 0.55, 0.65],
    "memo_auc": [0.60, 0.60, 0.52, 0.55],
    "train_nll": [1.00, 1.005, 1.20, 1.30],
    "nll": [1.100, 1.105, 1.000, 1.200],
    "log_likelihood": [-280.0, -235.0, -205.0, -226.0],
}


# ---------------------------------------------------------------------------
# The user's workspace (the guard in conftest.py snapshots it before and after the session)
# ---------------------------------------------------------------------------

WATCHED = (
    "runs",
    "data/cache",
    "_build",
    "book",
    "results",
)  # folders of the checkout the suite must leave as they were


def workspace_snapshot(root: Path = C.REPO_ROOT, watched=WATCHED) -> dict[str, tuple[int, int]]:
    """Every file under the watched folders of ``root``: relative path → (size, modification time in ns)."""
    found = {}
    for name in watched:
        for path in sorted((root / name).rglob("*")):
            if path.is_file() and not path.is_symlink():
                stat = path.stat()
                found[path.relative_to(root).as_posix()] = (stat.st_size, stat.st_mtime_ns)
    return found


def workspace_changes(before: dict, after: dict) -> list[str]:
    """What differs between two snapshots: ``added``, ``removed`` or ``changed`` followed by the path."""
    return sorted(
        [f"added {p}" for p in after.keys() - before.keys()]
        + [f"removed {p}" for p in before.keys() - after.keys()]
        + [f"changed {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    )
