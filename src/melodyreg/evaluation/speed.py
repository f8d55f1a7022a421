"""Isolated time per training step, for the claim about training speed.

Wall seconds of runs that shared the machine's cores say more about what ran
beside them than about the strategies. :func:`step_times` times each strategy's
step alone, in this process, on one fixed batch, in interleaved rounds (so a
slow moment of a shared machine falls on every strategy alike). Professor
forcing skips the backward pass through its free run while its generator gate is
closed, so its step is timed both ways and weighted by the gate-open share its
runs actually had.
"""

from __future__ import annotations

import dataclasses
import time

import numpy as np
import pandas as pd

from melodyreg.data.windows import Batcher
from melodyreg.model import strategies, training
from melodyreg.model.network import build
from melodyreg.runs.study import Study


def _timer(config, batch):
    training.set_seed(config.seed)
    strategy = strategies.make(build(config.model), config)
    seed = training.step_seed(config.seed, 0)
    strategy.train_step(batch, 0, seed)  # trace and warm up
    strategy.train_step(batch, 1, seed)

    def time_steps(count: int) -> float:
        start = time.perf_counter()
        for i in range(count):
            strategy.train_step(batch, 2 + i, seed)
        return 1000 * (time.perf_counter() - start) / count

    return time_steps


def step_times(
    study: Study,
    gate_open: dict[str, float] | None = None,
    *,
    rule: str = "nll",
    rounds: int = 5,
    steps: int = 5,
) -> pd.DataFrame:
    """Milliseconds per training step of each strategy at the setting ``rule`` chose, per timing round.

    Args:
        gate_open: professor forcing's gate-open share (default: the mean over its final runs under ``rule``).
        rule: the selection rule whose settings are timed (``nll`` or ``quality``).
        rounds: interleaved timing rounds (the replicates of the speed claim).
        steps: steps timed per strategy and round.

    Returns:
        One row per (strategy, round): ``step_ms``; professor forcing's is
        ``(1 − share) · closed + share · open``, with ``closed_ms``, ``open_ms`` and ``gate_open`` beside it.
    """
    runs = study.seed_runs(rule)
    if not runs:
        raise ValueError(f"no final runs under the rule {rule!r}")
    configs = {name: runs[(name, study.seed)].config for name in study.runs if (name, study.seed) in runs}
    first = next(iter(configs.values()))
    batch = Batcher(study.melodies("train"), first.train.window, first.train.batch_size, study.seed).batch(0)
    timers = {name: _timer(config, batch) for name, config in configs.items()}
    if "professor_forcing" in configs:
        pf = configs["professor_forcing"]
        opened = dataclasses.replace(pf, strategy=dataclasses.replace(pf.strategy, pf_gate_low=0.0))
        timers["professor_forcing (gate open)"] = _timer(opened, batch)
        if gate_open is None:
            shares = [
                r.history.loc[r.history.phase == "train", "gate_generator"].mean()
                for (name, _), r in runs.items()
                if name == "professor_forcing"
            ]
            gate_open = {"professor_forcing": float(np.mean(shares))}
    rows = []
    for round_ in range(rounds):
        measured = {name: timer(steps) for name, timer in timers.items()}
        for name in configs:
            row = {"strategy": name, "round": round_, "step_ms": measured[name]}
            if name == "professor_forcing":
                share = gate_open["professor_forcing"]
                row.update(closed_ms=measured[name], open_ms=measured["professor_forcing (gate open)"], gate_open=share)
                row["step_ms"] = (1 - share) * row["closed_ms"] + share * row["open_ms"]
            rows.append(row)
    return pd.DataFrame(rows)


def step_table(timings: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: the mean over timing rounds of :func:`step_times` (professor forcing's parts beside it)."""
    columns = [c for c in ("step_ms", "closed_ms", "open_ms", "gate_open") if c in timings]
    return timings.groupby("strategy", sort=False)[columns].mean().reset_index()
