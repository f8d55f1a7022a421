"""The study the chapters show: four strategies trained on one corpus and split, their samples,
and the poster's comparisons recomputed (hidden states, losses, log-likelihoods, claims).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from melodyreg import config
from melodyreg import constants as C
from melodyreg.config import STRATEGIES
from melodyreg.data import dataset
from melodyreg.data.windows import Batcher
from melodyreg.model import generation
from melodyreg.runs import store, sweep


@dataclass
class Study:
    """A corpus, its split, and every run of the study.

    Attributes:
        seed: the first training seed; it also seeds the split and sampling.
        runs: one run per strategy at ``seed`` (what chapters 02 to 04 show).
        seeds: every training seed of the study (``seed`` first).
        seed_runs: ``{(strategy, seed): run}`` over all strategies and seeds.
        sensitivity: one row per setting of each swept knob, its default included:
            ``knob``, ``setting`` (a label), ``default`` (bool), ``strategy``, ``run``.
    """

    profile: str
    seed: int
    corpus: dataset.Corpus
    parts: dataset.Split
    runs: dict[str, store.Run]
    seeds: tuple[int, ...] = ()
    seed_runs: dict[tuple[str, int], store.Run] = field(default_factory=dict)
    sensitivity: list[dict] = field(default_factory=list)

    def melodies(self, side: str) -> list[np.ndarray]:
        """Encoded melodies of the ``train`` or ``eval`` side."""
        return self.parts.melodies(self.corpus, side)


def _setting_label(experiment: config.ExperimentConfig, keys) -> str:
    values = {**dataclasses.asdict(experiment.strategy), **dataclasses.asdict(experiment.model)}
    return ", ".join(f"{key} = {values[key]:g}" for key in keys)


def run_study(
    profile: str = "poster",
    *,
    seed: int = 2017,
    num_seeds: int | None = None,
    source: str | None = None,
    path: str | None = None,
    maestro_split: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    overrides: dict | None = None,
    strategies: Sequence[str] = STRATEGIES,
    runs_dir: Path | None = None,
    sweeps: bool = True,
) -> Study:
    """Prepare the corpus and make sure every run of the study exists (trained here or reused).

    The study is every strategy at each of the profile's seeds (``num_seeds``
    overrides the count) plus the profile's sensitivity sweeps
    (:data:`melodyreg.config.SENSITIVITY`). All of it is trained together, on
    Dask, the first time any chapter asks; later chapters reuse the finished
    runs. The split is the same for every seed (seeded by ``seed``), so runs
    differ only in their training randomness and pair up by seed.

    Args:
        scheduler: a Dask scheduler address to train on (default: a local cluster).
        overrides: settings applied to every run (e.g. ``{"iterations": 200}``).
        runs_dir: the artifact store (default ``runs/`` in the repository).
        sweeps: include the profile's sensitivity sweeps (``False``: strategies × seeds only).
    """
    data = config.data_config(profile, source=source, path=path, maestro_split=maestro_split)
    corpus = dataset.prepare(data, workers=workers)
    parts = dataset.split(corpus, seed)
    seeds = config.study_seeds(profile, seed, num_seeds)
    common = {k: v for k, v in (overrides or {}).items() if v is not None}

    def make(name, run_seed, extra=None):
        return config.experiment_config(profile, name, seed=run_seed, data=data, **{**common, **(extra or {})})

    grid = {(name, run_seed): make(name, run_seed) for run_seed in seeds for name in strategies}
    rows = []
    for knob, (name, settings) in (config.SENSITIVITY[profile] if sweeps else {}).items():
        if name not in strategies:
            continue
        keys = list(dict.fromkeys(k for extra in settings for k in extra))
        rows.append(
            {
                "knob": knob,
                "strategy": name,
                "default": True,
                "config": grid[(name, seed)],
                "setting": _setting_label(grid[(name, seed)], keys) + " (default)",
            }
        )
        for extra in settings:
            sweep_config = make(name, seed, extra)
            rows.append(
                {
                    "knob": knob,
                    "strategy": name,
                    "default": False,
                    "config": sweep_config,
                    "setting": _setting_label(sweep_config, keys),
                }
            )
    configs = list(grid.values()) + [row["config"] for row in rows]
    runs = dict(
        zip(
            configs,
            sweep.ensure_runs(
                configs, corpus, parts, runs_dir=runs_dir or store.RUNS_DIR, workers=workers, scheduler=scheduler
            ),
        )
    )
    seed_runs = {key: runs[c] for key, c in grid.items()}
    sensitivity = [{**{k: v for k, v in row.items() if k != "config"}, "run": runs[row["config"]]} for row in rows]
    return Study(
        profile,
        seed,
        corpus,
        parts,
        {name: seed_runs[(name, seed)] for name in strategies},
        seeds,
        seed_runs,
        sensitivity,
    )


def sample(
    study: Study, *, num: int = 10, steps: int = 128, primer: Sequence[int] = C.DEFAULT_PRIMER, temperature: float = 1.0
) -> dict[str, generation.Generated]:
    """``num`` melodies of ``steps`` steps per strategy, primed with ``primer``, seeded by the study."""
    return {
        name: generation.generate(
            run.model(), num=num, steps=steps, primer=primer, temperature=temperature, seed=study.seed
        )
        for name, run in study.runs.items()
    }


def curves(study: Study, names: Sequence[str] | None = None, smooth: int = 50) -> pd.DataFrame:
    """Loss curves: training loss (moving mean over ``smooth`` iterations) and evaluation loss."""
    frames = []
    for name in names or study.runs:
        history = study.runs[name].history
        train = history[history.phase == "train"][["iteration", "loss"]].copy()
        train["loss"] = train["loss"].rolling(smooth, min_periods=1).mean()
        train["phase"] = "train"
        held = history[history.phase == "eval"][["iteration", "loss"]].copy()
        held["phase"] = "eval"
        frame = pd.concat([train, held])
        frame["strategy"] = C.STRATEGY_LABELS[name]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def final_train_loss(history: pd.DataFrame, tail: float = 0.1) -> float:
    """Mean training loss over the last ``tail`` of a run's iterations."""
    train = history[history.phase == "train"]
    return float(train[train.iteration > train.iteration.max() * (1 - tail)].loss.mean())


def state_batch(study: Study, per_side: int, window: int) -> dict:
    """The (seeded) training windows whose teacher-forced hidden states give at least ``per_side`` states."""
    count = max(1, int(np.ceil(per_side / window)))
    return Batcher(study.melodies("train"), window, count, study.seed).batch(0)


def final_losses(study: Study, tail: float = 0.1) -> pd.DataFrame:
    """Per strategy: mean training loss over the last ``tail`` of iterations and the final held-out metrics."""
    rows = []
    for name, run in study.runs.items():
        h = run.history
        held = h[h.phase == "eval"].iloc[-1]
        rows.append(
            {
                "strategy": name,
                "train loss": final_train_loss(h, tail),
                "eval loss": held.loss,
                "eval perplexity": held.perplexity,
                "eval accuracy": held.accuracy,
                "training seconds": run.seconds,
            }
        )
    return pd.DataFrame(rows)


def sample_frame(samples: dict[str, generation.Generated]) -> pd.DataFrame:
    """Every generated melody's log-likelihood: strategy (label and name), melody number, value."""
    return pd.DataFrame(
        [
            {"strategy": C.STRATEGY_LABELS[name], "name": name, "melody": i + 1, "log_likelihood": float(ll)}
            for name, sampled in samples.items()
            for i, ll in enumerate(sampled.log_likelihood)
        ]
    )
