"""The prepared corpus: sources → encoded melodies, in parallel, and cached.

:func:`prepare` runs the whole data pipeline of :mod:`melodyreg.data.sources` and
:mod:`melodyreg.data.melodies` over a corpus, one source file per task, in worker
processes, and caches the result under ``data/cache/<key>/``. The key hashes
every extraction setting, the versions of music21, note-seq and this package,
and (for local files) their names, sizes and modification times, so a cached
corpus is reused only when it would come out the same.

Every piece left out and every melody discarded is counted by reason in a
:class:`Report`; nothing is dropped silently. A piece kept whose notes the MIDI
reader changed (note-ons dropped, notes re-paired) is named there too.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import shutil
import tempfile
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from importlib import metadata
from multiprocessing import get_context
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from melodyreg import constants as C
from melodyreg.config import DataConfig
from melodyreg.data import melodies as mel
from melodyreg.data import sources
from melodyreg.data.maestro import MaestroSource

PIPELINE_VERSION = 4  # bump when extraction changes its output or report (4: re-paired notes counted, named)


@dataclass(frozen=True)
class Job:
    """One unit of parallel work: a source file (ABC or MIDI) or one MAESTRO entry."""

    kind: str  # "abc", "midi" or "maestro"
    path: str
    collection: str
    member: str = ""  # MAESTRO: the performance's midi_filename; MIDI folder: the path inside the folder
    size: int = 0  # bytes, to schedule big jobs first
    reason: str = ""  # kind "ignored": why the entry is not read


@dataclass
class Report:
    """What the pipeline read, kept and left out, by reason."""

    counts: Counter = field(default_factory=Counter)
    skips: list[tuple[str, str]] = field(default_factory=list)  # (file or piece, reason), in corpus order
    changed: list[tuple[str, str]] = field(default_factory=list)  # (piece kept, what the MIDI reader changed)

    def add(self, other: Counter | dict) -> None:
        self.counts.update(other)

    def skip(self, name: str, reason: str) -> None:
        """Count ``reason`` (``"stage: why"``) and remember which file or piece it was."""
        self.counts[reason] += 1
        self.skips.append((name, reason))

    def skipped_table(self) -> pd.DataFrame:
        """Every file or piece left out or ignored, by name: ``name``, ``stage``, ``reason``."""
        rows = [(name, *reason.split(": ", 1)) for name, reason in self.skips]
        return pd.DataFrame(rows, columns=["name", "stage", "reason"])

    def changed_table(self) -> pd.DataFrame:
        """Every piece kept whose notes the MIDI reader changed, by name: ``name``, ``change``."""
        return pd.DataFrame(self.changed, columns=["name", "change"])

    def table(self) -> pd.DataFrame:
        """One row per (stage, reason) with its count, stages in pipeline order."""
        order = ["file", "piece", "part", "note", "meter", "melody"]
        rows = [(k.split(": ", 1)[0], k.split(": ", 1)[-1], v) for k, v in self.counts.items()]
        frame = pd.DataFrame(rows, columns=["stage", "reason", "count"])
        frame["order"] = frame["stage"].map({s: i for i, s in enumerate(order)}).fillna(len(order))
        return (
            frame.sort_values(["order", "count"], ascending=[True, False]).drop(columns="order").reset_index(drop=True)
        )

    def skipped(self, stage: str) -> int:
        """Total count of one stage's entries whose reason is a skip (not a kept repair)."""
        return sum(v for k, v in self.counts.items() if k.startswith(stage + ":") and "(kept)" not in k)


@dataclass
class Corpus:
    """Encoded melodies and the pieces they come from.

    Attributes:
        melodies: one ``int8`` array of class indices per melody.
        melody_piece: index into ``pieces`` for every melody.
        pieces: ids of the pieces that were read (skipped ones included).
        collections, titles, groups, official_splits: per piece; a ``group``
            is what a split keeps together (a tune, or a MAESTRO composition).
        report: counts of everything left out.
        config: the settings that produced it.
    """

    melodies: list[np.ndarray]
    melody_piece: np.ndarray
    pieces: list[str]
    collections: list[str]
    titles: list[str]
    groups: list[str]
    official_splits: list[str]
    report: Report
    config: DataConfig

    def skipped_table(self) -> pd.DataFrame:
        """Every file or piece left out or ignored, by name (see :meth:`Report.skipped_table`)."""
        return self.report.skipped_table()

    def changed_table(self) -> pd.DataFrame:
        """Every piece kept whose notes the MIDI reader changed, by name (see :meth:`Report.changed_table`)."""
        return self.report.changed_table()

    @property
    def num_steps(self) -> int:
        return int(sum(len(m) for m in self.melodies))

    def summary(self) -> dict[str, int]:
        """Headline counts: pieces read, used and skipped; other files ignored; melodies; steps."""
        used = len(set(self.melody_piece.tolist()))
        ignored = sum(v for k, v in self.report.counts.items() if k.startswith("file: ignored"))
        return {
            "pieces read": len(self.pieces),
            "pieces skipped": self.report.skipped("piece") + self.report.skipped("file") - ignored,
            "files ignored": ignored,
            "pieces with melodies": used,
            "melodies": len(self.melodies),
            "steps": self.num_steps,
        }


# ---------------------------------------------------------------------------
# Jobs and the worker
# ---------------------------------------------------------------------------


def list_jobs(config: DataConfig) -> list[Job]:
    """The units of work for a corpus, in a stable order.

    Raises:
        FileNotFoundError: a path that does not exist, or a folder with no MIDI.
        ValueError: an unknown collection.
    """
    if config.source in ("folk", "essen"):
        return [
            Job("abc", str(p), c, size=p.stat().st_size)
            for c in config.collections
            for p in sources.collection_files(c)
        ]
    if config.source == "maestro":
        source = MaestroSource(config.path)
        return [Job("maestro", str(source.path), "maestro", member=e.midi_filename) for e in source.entries]
    path = Path(config.path)
    files, ignored = sources.midi_folder_files(path)
    if not files:
        raise FileNotFoundError(f"no .mid or .midi files under {config.path}")
    base = path.parent if path.is_file() else path
    jobs = [Job("midi", str(p), base.name, member=p.relative_to(base).as_posix(), size=p.stat().st_size) for p in files]
    for p, reason in ignored:
        jobs.append(Job("ignored", str(p), base.name, member=p.relative_to(base).as_posix(), reason=reason))
    return jobs


@functools.lru_cache(maxsize=4)
def _maestro(path: str) -> tuple[MaestroSource, dict]:
    source = MaestroSource(path)
    return source, {e.midi_filename: e for e in source.entries}


def _read_job(job: Job) -> list[sources.Piece]:
    if job.kind == "abc":
        return sources.read_abc(Path(job.path), job.collection)
    if job.kind == "midi":
        return [sources.read_midi(Path(job.path), f"{job.collection}/{job.member}", job.collection)]
    source, entries = _maestro(job.path)
    entry = entries[job.member]
    fields = {"title": entry.work, "split": entry.split}
    try:
        data = source.read_bytes(entry)
    except (OSError, KeyError) as exc:
        return [sources.Piece(job.member, "maestro", skip=f"missing MIDI file ({type(exc).__name__})", **fields)]
    return [sources.read_midi(data, job.member, "maestro", **fields)]


def piece_melodies(sequence, config: DataConfig, counts: Counter) -> list[np.ndarray]:
    """All encoded melodies of one NoteSequence, with MelodyRNN's extraction rules."""
    out = []
    for part in mel.quantize_pieces(sequence, config.steps_per_quarter, counts):
        for events in mel.extract_melodies(
            part,
            counts,
            min_bars=config.min_bars,
            max_steps=config.max_steps,
            gap_bars=config.gap_bars,
            min_unique_pitches=config.min_unique_pitches,
        ):
            squashed = mel.squash(events, config.min_pitch, config.max_pitch, config.transpose_to_key)
            out.append(mel.encode(squashed, config.min_pitch, config.max_pitch))
    return out


def run_job(job: Job, config: DataConfig) -> list[dict]:
    """Read one job and extract its melodies; every failure becomes a counted skip."""
    if job.kind == "ignored":  # a file in a MIDI folder that is not one: named and counted, never read
        record = {"id": f"{job.collection}/{job.member}", "collection": job.collection, "title": "", "split": ""}
        return [{**record, "counts": {}, "skip": f"file: ignored: {job.reason}", "melodies": []}]
    try:
        pieces = _read_job(job)
    except Exception as exc:  # a reader bug must not take the whole corpus down
        return [
            {
                "id": job.member or job.path,
                "collection": job.collection,
                "title": "",
                "split": "",
                "skip": f"file: reader error ({type(exc).__name__})",
                "counts": {},
                "melodies": [],
            }
        ]
    results = []
    for piece in pieces:
        counts = Counter(piece.counts)
        found: list[np.ndarray] = []
        skip = f"piece: {piece.skip}" if piece.skip else None
        if piece.sequence is not None:
            try:
                found = piece_melodies(piece.sequence, config, counts)
            except Exception as exc:
                skip = f"piece: extraction error ({type(exc).__name__})"
            if not found and skip is None:
                counts["piece: no melody survived extraction"] += 1
        results.append(
            {
                "id": piece.piece_id,
                "collection": piece.collection,
                "title": piece.title,
                "split": piece.split,
                "skip": skip,
                "counts": dict(counts),
                "melodies": found,
            }
        )
    return results


def _run_chunk(jobs: list[Job], config: DataConfig) -> list[list[dict]]:
    return [run_job(job, config) for job in jobs]


# ---------------------------------------------------------------------------
# Preparation, cache
# ---------------------------------------------------------------------------


def _versions() -> dict[str, str]:
    return {name: metadata.version(name) for name in ("music21", "note-seq", "melodyreg")}


def _inputs_fingerprint(config: DataConfig) -> list:
    if config.source in ("folk", "essen"):
        return []  # the music21 version pins the files
    path = Path(config.path)
    files = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file())
    return [(str(p.relative_to(path.parent)), p.stat().st_size, int(p.stat().st_mtime)) for p in files]


def cache_key(config: DataConfig) -> str:
    """The cache folder name for a corpus: settings, package versions and input files."""
    settings = dataclasses.asdict(config)
    settings.pop("test_fraction")  # the split is made after the cache
    settings.pop("valid_fraction")
    settings.pop("maestro_split")
    payload = {
        "settings": settings,
        "versions": _versions(),
        "pipeline": PIPELINE_VERSION,
        "inputs": _inputs_fingerprint(config),
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


def prepare(
    config: DataConfig,
    *,
    cache_dir: str | Path | None = C.CACHE_DIR,
    workers: int | None = None,
    progress: bool = True,
) -> Corpus:
    """Build (or load from the cache) the encoded corpus described by ``config``.

    Args:
        config: what to read and how to extract melodies.
        cache_dir: where prepared corpora are kept; ``None`` disables caching.
        workers: worker processes (default: every core); 1 runs in this process.
        progress: show a progress bar.

    Returns:
        The :class:`Corpus`, pieces in a stable order whatever the scheduling.
    """
    folder = Path(cache_dir) / cache_key(config) if cache_dir is not None else None
    if folder is not None and (folder / "corpus.json").exists():
        return _load(folder, config)
    jobs = list_jobs(config)
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    results: list[list[dict] | None] = [None] * len(jobs)
    order = sorted(range(len(jobs)), key=lambda i: -jobs[i].size)  # big files first
    bar = tqdm(total=len(jobs), desc=f"preparing {config.source}", unit="file", disable=not progress)
    if workers == 1:
        for i in order:
            results[i] = run_job(jobs[i], config)
            bar.update()
    else:
        # Small files travel in chunks so process round trips stay cheap.
        chunks: list[list[int]] = []
        for i in order:
            if chunks and jobs[i].size < 64_000 and len(chunks[-1]) < 16 and jobs[chunks[-1][0]].size < 64_000:
                chunks[-1].append(i)
            else:
                chunks.append([i])
        with ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(_run_chunk, [jobs[i] for i in chunk], config): chunk for chunk in chunks}
            for future in as_completed(futures):
                for i, result in zip(futures[future], future.result()):
                    results[i] = result
                bar.update(len(futures[future]))
    bar.close()
    corpus = _assemble([r for job_results in results for r in job_results], config)
    if folder is not None:
        _save(corpus, folder)
    return corpus


def _assemble(records: list[dict], config: DataConfig) -> Corpus:
    report = Report()
    melodies, melody_piece = [], []
    pieces, collections, titles, groups, splits = [], [], [], [], []
    pieces_only = []
    for record in records:
        if record["skip"] and record["skip"].startswith("file: ignored"):
            report.skip(record["id"], record["skip"])  # not a piece: named and counted only
        else:
            pieces_only.append(record)
    for index, record in enumerate(pieces_only):
        pieces.append(record["id"])
        collections.append(record["collection"])
        titles.append(record["title"])
        splits.append(record["split"])
        groups.append(record["title"] if record["collection"] == "maestro" else record["id"])
        report.add(record["counts"])
        changes = [
            f"{record['counts'][key]:,} {what}"
            for key, what in ((sources.DROPPED, "note-ons dropped"), (sources.REPAIRED, "notes re-paired"))
            if record["counts"].get(key)
        ]
        if changes and not record["skip"]:
            report.changed.append((record["id"], f"the MIDI reader changed its notes: {', '.join(changes)}"))
        if record["skip"]:
            report.skip(record["id"], record["skip"])
        elif record["counts"].get("piece: no melody survived extraction"):
            report.skips.append((record["id"], "piece: no melody survived extraction"))
        melodies.extend(record["melodies"])
        melody_piece.extend([index] * len(record["melodies"]))
    return Corpus(
        melodies, np.asarray(melody_piece, dtype=np.int64), pieces, collections, titles, groups, splits, report, config
    )


def _save(corpus: Corpus, folder: Path) -> None:
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".tmp-"))
    lengths = np.asarray([len(m) for m in corpus.melodies], dtype=np.int64)
    events = np.concatenate(corpus.melodies) if corpus.melodies else np.zeros(0, np.int8)
    np.savez_compressed(tmp / "melodies.npz", events=events, lengths=lengths, melody_piece=corpus.melody_piece)
    meta = {
        "pieces": corpus.pieces,
        "collections": corpus.collections,
        "titles": corpus.titles,
        "groups": corpus.groups,
        "official_splits": corpus.official_splits,
        "report": dict(corpus.report.counts),
        "skips": corpus.report.skips,
        "changed": corpus.report.changed,
        "config": dataclasses.asdict(corpus.config),
        "versions": _versions(),
        "pipeline": PIPELINE_VERSION,
    }
    (tmp / "corpus.json").write_text(json.dumps(meta, indent=1))
    if folder.exists():
        shutil.rmtree(folder)
    tmp.rename(folder)


def _load(folder: Path, config: DataConfig) -> Corpus:
    arrays = np.load(folder / "melodies.npz")
    meta = json.loads((folder / "corpus.json").read_text())
    bounds = np.cumsum(arrays["lengths"])[:-1]
    melodies = np.split(arrays["events"], bounds) if len(arrays["lengths"]) else []
    return Corpus(
        melodies,
        arrays["melody_piece"],
        meta["pieces"],
        meta["collections"],
        meta["titles"],
        meta["groups"],
        meta["official_splits"],
        Report(Counter(meta["report"]), [tuple(s) for s in meta["skips"]], [tuple(c) for c in meta["changed"]]),
        config,
    )
