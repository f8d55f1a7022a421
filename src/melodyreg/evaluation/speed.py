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
from melodyreg.runs.study import Study, column_mean


def _timer(config, batch):
    training.set_seed(config.seed)
    strategy = strategies.make(build(config.model), config)
    seed = training.step_seed(config.seed, 0)
    strategy.train_step(batch, 0, seed)  # trace and warm up
    strategy.train_step(batch, 1, seed)

    def time_steps(count: int) -> list[tuple[float, bool]]:
        """``count`` steps: each one's milliseconds, and whether professor forcing's generator gate was open."""
        steps = []
        for i in range(count):
            start = time.perf_counter()
            metrics = strategy.train_step(batch, 2 + i, seed)
            steps.append((1000 * (time.perf_counter() - start), metrics.get("gate_generator", 0.0) > 0.5))
        return steps

    return time_steps


def _median(steps: list[tuple[float, bool]], gate: bool | None = None) -> float:
    """The median milliseconds of ``steps`` (a stall moves it little): of those with the gate in state
    ``gate`` when there are any, else of all."""
    times = [ms for ms, opened in steps if gate is None or opened == gate] or [ms for ms, _ in steps]
    return float(np.median(times))


def step_times(
    study: Study,
    gate_open: dict[str, float] | None = None,
    *,
    rule: str = "nll",
    rounds: int = 5,
    steps: int = 5,
    reuse: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Milliseconds per training step of each strategy at the setting ``rule`` chose, per timing round.

    Args:
        gate_open: professor forcing's gate-open share (default: the mean over its final runs under ``rule``).
        rule: the selection rule whose settings are timed (``nll`` or ``quality``).
        rounds: interleaved timing rounds (the replicates of the speed claim).
        steps: steps timed per strategy and round.
        reuse: an earlier table of this function with as many rounds: a strategy timed there at the same
            setting keeps its measured rows (professor forcing reweighted by this rule's gate share), so
            two rules that chose the same setting compare the same measurement.

    Returns:
        One row per (strategy, round): ``step_ms``, the median of the round's steps; professor forcing's
        is ``(1 − share) · closed + share · open``, with ``closed_ms`` and ``open_ms`` (medians of the
        steps that had the gate in that state, or of all the timer's steps if none did) and
        ``gate_open`` beside it; ``timed`` names the run whose setting was timed.
    """
    runs = study.seed_runs(rule)
    if not runs:
        raise ValueError(f"no final runs under the rule {rule!r}")
    configs = {name: runs[(name, study.seed)].config for name in study.runs if (name, study.seed) in runs}
    timed = {name: runs[(name, study.seed)].folder.name for name in configs}
    kept = {}
    if reuse is not None:
        if reuse["round"].nunique() != rounds:
            raise ValueError(f"the reused timings have {reuse['round'].nunique()} rounds, not {rounds}")
        for name in configs:
            rows = reuse[(reuse.strategy == name) & (reuse.timed == timed[name])].sort_values("round")
            if len(rows) == rounds:
                kept[name] = rows.to_dict("records")
    if "professor_forcing" in configs and gate_open is None:
        shares = [
            column_mean(r.history[r.history.phase == "train"], "gate_generator")
            for (name, _), r in runs.items()
            if name == "professor_forcing"
        ]
        gate_open = {"professor_forcing": float(np.mean(shares))}
    to_time = [name for name in configs if name not in kept]
    first = next(iter(configs.values()))
    batch = Batcher(study.melodies("train"), first.train.window, first.train.batch_size, study.seed).batch(0)
    timers = {name: _timer(configs[name], batch) for name in to_time if name != "professor_forcing"}
    if "professor_forcing" in to_time:
        # on one fixed batch the discriminator soon tells the sides apart, so the default gate would open:
        # time the closed gate with a threshold only a perfect discriminator reaches, and keep closed steps
        pf = configs["professor_forcing"]
        closed = dataclasses.replace(pf, strategy=dataclasses.replace(pf.strategy, pf_gate_low=1.0, pf_gate_high=1.0))
        opened = dataclasses.replace(pf, strategy=dataclasses.replace(pf.strategy, pf_gate_low=0.0))
        timers["professor_forcing"] = _timer(closed, batch)
        timers["professor_forcing (gate open)"] = _timer(opened, batch)
    rows = []
    for round_ in range(rounds):
        measured = {name: timer(steps) for name, timer in timers.items()}
        for name in configs:
            if name in kept:
                row = dict(kept[name][round_])  # sorted by round
            else:
                row = {"strategy": name, "round": round_, "step_ms": _median(measured[name]), "timed": timed[name]}
                if name == "professor_forcing":
                    row.update(
                        closed_ms=_median(measured[name], gate=False),
                        open_ms=_median(measured["professor_forcing (gate open)"], gate=True),
                    )
            if name == "professor_forcing":
                share = gate_open["professor_forcing"]
                row["gate_open"] = share
                row["step_ms"] = (1 - share) * row["closed_ms"] + share * row["open_ms"]
            rows.append(row)
    return pd.DataFrame(rows)


def step_table(timings: pd.DataFrame) -> pd.DataFrame:
    """Per strategy: the mean over timing rounds of :func:`step_times` (professor forcing's parts beside it)."""
    columns = [c for c in ("step_ms", "closed_ms", "open_ms", "gate_open") if c in timings]
    return timings.groupby("strategy", sort=False)[columns].mean().reset_index()


STEP_HEADINGS = {
    "step_ms": "ms per step",
    "closed_ms": "ms, gate closed",
    "open_ms": "ms, gate open",
    "gate_open": "gate open (share of steps)",
}


def step_display(timings: pd.DataFrame) -> pd.DataFrame:
    """:func:`step_table` for readers: headed columns, milliseconds to 0.1, the gate share in %, "—" where n/a."""
    table = step_table(timings)
    shown = table[["strategy"]].copy()
    for column in [c for c in STEP_HEADINGS if c in table]:
        if column == "gate_open":
            shown[STEP_HEADINGS[column]] = table[column].map(lambda v: "—" if v != v else f"{v:.1%}")
        else:
            shown[STEP_HEADINGS[column]] = table[column].map(lambda v: "—" if v != v else f"{v:.1f}")
    return shown
