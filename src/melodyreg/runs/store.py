"""The artifact store: one folder per training run, named by its strategy and config hash.

``runs/<strategy>-<hash>/`` holds ``config.json``, the training ``history.csv``
and ``history.json``, checkpoints while it runs, the final ``weights.npz`` and
``done.json`` (training seconds summed over resumed sessions, iterations, the
machine that finished the run (:func:`melodyreg.hardware.record`: bit-identity
holds on one kind of CPU) and the SHA-256 of every finished artifact). Changing any setting changes the hash,
so only what a change touches is retrained. This module only persists and loads
runs; :mod:`melodyreg.runs.sweep` trains the missing ones.

The store trusts nothing it reads back. Every file is written atomically
(temporary file, then rename), ``done.json`` last. :func:`load` checks the
hashes and that the weights are finite; a run that fails is moved aside to
``runs/<name>.corrupt-<time>/`` with a one-line report and counts as missing,
so it is retrained, resuming from its checkpoints, which are checked too. A
lock per run folder keeps two builds from training one run at once.
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg import hardware
from melodyreg.config import LATER_KNOBS, OWN_KNOBS, ExperimentConfig, StrategyConfig, config_hash
from melodyreg.files import atomic_write, atomic_write_text, sha256
from melodyreg.model.network import build

RUNS_DIR = C.RUNS_DIR
TRAINING_VERSION = 3  # in every run's key: bump when training code changes what a run produces (3: 3-way split)
FINISHED = ("weights.npz", "best.npz", "history.csv", "history.json")  # artifacts whose SHA-256 done.json records


class CorruptRun(ValueError):
    """A finished run's artifacts do not verify (missing, truncated, changed, or non-finite weights)."""


@dataclass
class Run:
    """A finished training run."""

    config: ExperimentConfig
    folder: Path
    history: pd.DataFrame
    seconds: float
    best_iteration: int | None = None
    hardware: dict | None = None  # the machine that finished it (None: trained before this was recorded)
    _model: object = field(default=None, repr=False)

    def __getstate__(self) -> dict:
        """A pickled run (sent to a worker) is its record: the built model stays behind and is rebuilt there."""
        return {**self.__dict__, "_model": None}

    def model(self):
        """The trained :class:`~melodyreg.model.network.MelodyRNN` (final weights), built once."""
        if self._model is None:
            self._model = self.load_into(build(self.config.model))
        return self._model

    def load_into(self, model, checkpoint: str = "final"):
        """Assign this run's trained weights to ``model`` (same architecture) and return it.

        Measuring many runs through one model object lets compiled functions
        (sampling, evaluation) be traced once instead of once per run.

        Args:
            checkpoint: ``final`` (the last iterate, the poster's) or ``best`` (the
                weights at the lowest validation loss, iteration ``best_iteration``).
        """
        weights = self.weights(checkpoint)
        if len(weights) != len(model.variables):
            raise ValueError(f"{self.folder} holds {len(weights)} arrays, the model has {len(model.variables)}")
        for variable, value in zip(model.variables, weights):
            variable.assign(value)
        return model

    def finished(self) -> float | None:
        """When the run finished (its ``done.json`` was written), as a POSIX time; ``None`` if it is gone."""
        try:
            return (self.folder / "done.json").stat().st_mtime
        except OSError:
            return None

    def weights(self, checkpoint: str = "final") -> list[np.ndarray]:
        """This run's trained weights (``final`` or ``best``, see :meth:`load_into`), in the order of the
        model's variables."""
        if checkpoint not in ("final", "best"):
            raise ValueError(f"checkpoint must be 'final' or 'best', got {checkpoint!r}")
        with np.load(self.folder / ("weights.npz" if checkpoint == "final" else "best.npz")) as arrays:
            return [arrays[f"v{i}"] for i in range(len(arrays.files))]


def run_folder(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> Path:
    """Where ``config``'s run lives: a hash of its config and :data:`TRAINING_VERSION`.

    Knobs added after runs were first stored (:data:`melodyreg.config.LATER_KNOBS`) count in the key of a
    strategy that does not read them only away from their defaults, so adding a strategy never moves the
    runs of the others; a strategy's own knobs always count.
    """
    fields = dataclasses.asdict(config)
    defaults, own = StrategyConfig(), OWN_KNOBS[config.strategy.name]
    fields["strategy"] = {
        name: value
        for name, value in fields["strategy"].items()
        if name not in LATER_KNOBS or name in own or value != getattr(defaults, name)
    }
    key = config_hash({"config": fields, "training_version": TRAINING_VERSION})
    return Path(runs_dir) / f"{config.strategy.name}-{key}"


def _verified(folder: Path) -> tuple[dict, pd.DataFrame]:
    """``done.json`` and the history of a finished run, after checking every artifact.

    Raises:
        CorruptRun: what is wrong, in a few words.
    """
    try:
        done = json.loads((folder / "done.json").read_text())
        digests, seconds = done["sha256"], float(done["seconds"])
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise CorruptRun(f"done.json is unreadable or incomplete ({type(error).__name__})") from error
    for name in FINISHED:
        path = folder / name
        if not path.is_file():
            raise CorruptRun(f"{name} is missing")
        if sha256(path) != digests.get(name):
            raise CorruptRun(f"{name} does not match its SHA-256 in done.json")
    for name in ("weights.npz", "best.npz"):
        try:
            with np.load(folder / name) as weights:
                finite = all(np.isfinite(weights[key]).all() for key in weights.files)
        except (OSError, ValueError, zipfile.BadZipFile) as error:
            raise CorruptRun(f"{name} is unreadable ({type(error).__name__})") from error
        if not finite:
            raise CorruptRun(f"{name} holds non-finite weights")
    if not seconds >= 0:
        raise CorruptRun(f"done.json gives {seconds} training seconds")
    return done, pd.read_csv(folder / "history.csv")


def quarantine(folder: Path, reason: str, log=None) -> Path:
    """Move a run's finished artifacts aside to ``<folder>.corrupt-<time>/`` and report it in one line.

    Checkpoints stay, so retraining resumes from the last good one.

    Returns:
        The folder the artifacts were moved to.
    """
    aside = folder.with_name(f"{folder.name}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
    suffix = 1
    while aside.exists():
        aside, suffix = aside.with_name(f"{aside.name.split('~')[0]}~{suffix}"), suffix + 1
    aside.mkdir(parents=True)
    for name in ("done.json", *FINISHED):
        if (folder / name).exists():
            (folder / name).replace(aside / name)
    (log or (lambda message: print(message, file=sys.stderr)))(
        f"warning: run {folder.name} failed verification ({reason}); moved aside to {aside.name}, retraining it"
    )
    return aside


def damage(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> str | None:
    """Why ``config``'s finished run fails verification, in a few words; ``None`` if it verifies or is unfinished.

    Unlike :func:`load`, it moves nothing aside: a caller that will not retrain the run (``generate``)
    can refuse with the reason and leave the run to the command that retrains it.
    """
    return damage_at(run_folder(config, runs_dir))


def damage_at(folder: Path) -> str | None:
    """:func:`damage` of the run in ``folder``."""
    if not (Path(folder) / "done.json").exists():
        return None
    try:
        _verified(Path(folder))
    except CorruptRun as problem:
        return str(problem)
    return None


def finished_alike(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> list[Path]:
    """Folders of finished runs with ``config``'s settings, whatever melodies they trained on.

    A run's key names its melodies (``split_digest``), known only once the corpus is split; this
    answers "is there any run of these settings at all?" before a corpus is prepared. Nothing is
    verified or moved.
    """
    wanted = json.loads(dataclasses.replace(config, split_digest="").to_json())
    found = []
    for folder in sorted(Path(runs_dir).glob(f"{config.strategy.name}-*")):
        try:
            stored = json.loads((folder / "config.json").read_text())
        except (OSError, ValueError):
            continue
        if (folder / "done.json").exists() and isinstance(stored, dict) and {**stored, "split_digest": ""} == wanted:
            found.append(folder)
    return found


def load(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> Run | None:
    """The finished run of ``config``, verified; ``None`` if it is missing or failed verification (moved aside)."""
    folder = run_folder(config, runs_dir)
    if not (folder / "done.json").exists():
        return None
    try:
        done, history = _verified(folder)
    except CorruptRun as problem:
        quarantine(folder, str(problem))
        return None
    facts = done.get("hardware")
    return Run(
        config,
        folder,
        history,
        float(done["seconds"]),
        done.get("best_iteration"),
        facts if isinstance(facts, dict) else None,
    )


def open_folder(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> Path:
    """The folder ``config``'s run trains in (checkpoints go there), created with its ``config.json``."""
    folder = run_folder(config, runs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    atomic_write_text(folder / "config.json", config.to_json())
    return folder


@contextlib.contextmanager
def locked(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> Iterator[None]:
    """Hold the run's lock (``runs/.locks/<name>.lock``): a second process asking for it waits for the first."""
    folder = run_folder(config, runs_dir)
    path = folder.parent / ".locks" / f"{folder.name}.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save(
    config: ExperimentConfig,
    variables,
    history: pd.DataFrame,
    seconds: float,
    runs_dir: Path = RUNS_DIR,
    *,
    best: tuple[int | None, list | None] = (None, None),
) -> Path:
    """Write a finished run's artifacts, each atomically; ``done.json`` last, with their SHA-256.

    Args:
        variables: the trained model's variables (arrays), in the model's order.
        history: the training history (one row per iteration and per evaluation).
        seconds: training time, summed over every resumed session.
        best: the iteration and weights of the best validation checkpoint (the final
            weights when there is none).

    Returns:
        The run's folder.

    Raises:
        ValueError: a weight is not finite (a diverged run is never stored as finished).
    """
    arrays = {f"v{i}": np.asarray(v) for i, v in enumerate(variables)}
    best_iteration, best_weights = best
    if best_weights is None:
        best_iteration, best_weights = config.train.iterations, list(arrays.values())
    best_arrays = {f"v{i}": np.asarray(v) for i, v in enumerate(best_weights)}
    if not all(np.isfinite(a).all() for a in [*arrays.values(), *best_arrays.values()]):
        raise ValueError(f"{config.strategy.name} (seed {config.seed}) diverged: its weights are not finite")
    folder = open_folder(config, runs_dir)

    def npz(values: dict):
        def write(tmp: Path) -> None:
            with open(tmp, "wb") as handle:
                np.savez(handle, **values)

        return write

    atomic_write(folder / "weights.npz", npz(arrays))
    atomic_write(folder / "best.npz", npz(best_arrays))
    atomic_write(folder / "history.csv", lambda tmp: history.to_csv(tmp, index=False))
    atomic_write(folder / "history.json", lambda tmp: history.to_json(tmp, orient="records"))
    done = {
        "seconds": seconds,
        "iterations": config.train.iterations,
        "best_iteration": best_iteration,
        "hardware": hardware.record(),
        "sha256": {name: sha256(folder / name) for name in FINISHED},
    }
    atomic_write_text(folder / "done.json", json.dumps(done, indent=1))
    return folder
