"""The artifact store: one folder per training run, named by its strategy and config hash.

``runs/<strategy>-<hash>/`` holds ``config.json``, the training ``history.csv``
and ``history.json``, checkpoints while it runs, the final ``weights.npz`` and
``done.json`` (training seconds summed over resumed sessions, iterations).
Changing any setting changes the hash, so only what a change touches is
retrained. This module only persists and loads runs; :mod:`melodyreg.runs.sweep`
trains the missing ones.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.config import ExperimentConfig, config_hash
from melodyreg.model.network import build

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


def open_folder(config: ExperimentConfig, runs_dir: Path = RUNS_DIR) -> Path:
    """The folder ``config``'s run trains in (checkpoints go there), created with its ``config.json``."""
    folder = run_folder(config, runs_dir)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(config.to_json())
    return folder


def save(config: ExperimentConfig, variables, history: pd.DataFrame, seconds: float,
         runs_dir: Path = RUNS_DIR) -> Path:
    """Write a finished run's artifacts (``done.json`` last, so a run is finished only once it is whole).

    Args:
        variables: the trained model's variables, in the model's order.
        history: the training history (one row per iteration and per evaluation).
        seconds: training time, summed over every resumed session.

    Returns:
        The run's folder.
    """
    folder = open_folder(config, runs_dir)
    np.savez(folder / "weights.npz", **{f"v{i}": np.asarray(v) for i, v in enumerate(variables)})
    history.to_csv(folder / "history.csv", index=False)
    history.to_json(folder / "history.json", orient="records")
    (folder / "done.json").write_text(json.dumps({"seconds": seconds, "iterations": config.train.iterations}))
    return folder
