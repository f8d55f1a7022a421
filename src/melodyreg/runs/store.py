"""The artifact store: one folder per training run, named by its strategy and config hash.

``runs/<strategy>-<hash>/`` holds ``config.json``, the training ``history.csv``
and ``history.json``, checkpoints while it runs, the final ``weights.npz`` and
``done.json`` (training seconds summed over resumed sessions, iterations). Chapters ask for runs with
:func:`ensure_runs`; a finished run is loaded, an interrupted one resumes from
its last checkpoint, a missing one is trained. Changing any setting changes the
hash, so only what a change touches is retrained.

Independent runs train side by side on Dask workers (:mod:`melodyreg.runs.sweep`; one
TensorFlow thread each, which gets about twice the throughput of one process on
two cores).
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.config import ExperimentConfig, config_hash
from melodyreg.data.dataset import Corpus, Split

RUNS_DIR = C.REPO_ROOT / "runs"
TRAINING_VERSION = 2  # part of every run's key: bump when training code changes what a run produces


@dataclass
class Run:
    """A finished training run."""

    config: ExperimentConfig
    folder: Path
    history: pd.DataFrame
    seconds: float
    _model: object = field(default=None, repr=False)

    def model(self):
        """The trained :class:`~melodyreg.model.network.MelodyRNN` (weights from ``weights.npz``), built once."""
        if self._model is None:
            from melodyreg.model.network import build

            self._model = self.load_into(build(self.config.model))
        return self._model

    def load_into(self, model):
        """Assign this run's trained weights to ``model`` (same architecture) and return it.

        Measuring many runs through one model object lets compiled functions
        (sampling, evaluation) be traced once instead of once per run.
        """
        weights = np.load(self.folder / "weights.npz")
        if len(weights.files) != len(model.variables):
            raise ValueError(f"{self.folder} holds {len(weights.files)} arrays, the model has {len(model.variables)}")
        for i, variable in enumerate(model.variables):
            variable.assign(weights[f"v{i}"])
        return model

    def curves(self) -> pd.DataFrame:
        """Training and evaluation loss by iteration, with the strategy's name."""
        frame = self.history[["iteration", "phase", "loss"]].copy()
        frame["strategy"] = self.config.strategy.name
        return frame


def run_folder(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> Path:
    """Where ``config``'s run lives."""
    key = config_hash({"config": dataclasses.asdict(config), "training_version": TRAINING_VERSION})
    return Path(runs_dir) / f"{config.strategy.name}-{key}"


def load(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> Run | None:
    """The finished run of ``config``, or ``None``."""
    folder = run_folder(config, runs_dir)
    if not (folder / "done.json").exists():
        return None
    done = json.loads((folder / "done.json").read_text())
    return Run(config, folder, pd.read_csv(folder / "history.csv"), done["seconds"])


def _sides(corpus: Corpus, parts: Split) -> tuple[list, list]:
    return [corpus.melodies[i] for i in parts.train], [corpus.melodies[i] for i in parts.eval]


def train_run(config: ExperimentConfig, train_melodies, eval_melodies, runs_dir: Path = RUNS_DIR,
              *, threads: int | None = None, progress: bool = True) -> Path:
    """Train (or resume) one run and write its artifacts; returns its folder."""
    from melodyreg.model import training

    training.configure_threads(threads)
    folder = run_folder(config, runs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(config.to_json())
    strategy, history = training.train(config, train_melodies, eval_melodies, folder, progress=progress)
    np.savez(folder / "weights.npz", **{f"v{i}": v.numpy() for i, v in enumerate(strategy.model.variables)})
    history.to_csv(folder / "history.csv", index=False)
    history.to_json(folder / "history.json", orient="records")
    # training time summed over sessions, so a resumed run reports its whole cost
    (folder / "done.json").write_text(json.dumps({"seconds": training.Checkpoint(folder).seconds(),
                                                  "iterations": config.train.iterations}))
    return folder


def ensure_runs(configs: list[ExperimentConfig], corpus: Corpus, parts: Split, *,
                runs_dir: Path = RUNS_DIR, workers: int | None = None, scheduler: str | None = None,
                progress: bool = True) -> list[Run]:
    """Finished runs for every config: loaded if done, otherwise trained (resuming where possible).

    Args:
        configs: the runs wanted; they must all use ``corpus`` and ``parts``.
        workers: processes for runs trained here (default: one per core, at
            most one per run); 1 trains in this process, more run on a Dask
            ``LocalCluster`` (see :mod:`melodyreg.runs.sweep`).
        scheduler: address of a Dask scheduler to train on instead of a local cluster.

    Returns:
        The runs, in the order of ``configs``.

    Raises:
        melodyreg.runs.sweep.SweepError: some runs failed (the others are stored).
    """
    missing = [c for c in dict.fromkeys(configs) if load(c, runs_dir) is None]
    if missing:
        train_melodies, eval_melodies = _sides(corpus, parts)
        workers = max(1, min(workers or os.cpu_count() or 1, len(missing)))
        if workers == 1 and scheduler is None:
            for config in missing:
                train_run(config, train_melodies, eval_melodies, runs_dir, progress=progress)
        else:
            from melodyreg.runs import sweep

            sweep.train_all(missing, train_melodies, eval_melodies, runs_dir, scheduler=scheduler,
                            workers=workers, progress=progress)
    return [load(c, runs_dir) for c in configs]
