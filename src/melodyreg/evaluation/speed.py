"""Isolated time per training step, for the claim about training speed: the step each run takes.

Wall seconds of runs that shared the machine's cores say more about what ran
beside them than about the strategies. :func:`step_times` times each strategy's
step alone, in this process, in interleaved rounds (so a slow moment of a shared
machine falls on every strategy alike), on the batches and at the iterations its
runs trained on, spread over the whole run (scheduled sampling's ε then takes the
values it had); a timed iteration cuts its batch from the run's stream and takes
the step, as the training loop does. Professor forcing's step depends on two gates: with the
generator gate open it differentiates through its free run, and with the
discriminator gate open it updates the discriminator. Each combination of the
two is timed on its own (:attr:`~melodyreg.model.strategies.ProfessorForcing.force_gates`)
and weighted by the share of steps its runs spent in it, so the timed step is
the one its runs paid on average. ``benchmarks/step_vs_run.py`` checks that
this estimate matches a run's own time per iteration.
"""

from __future__ import annotations

import itertools
import time

import numpy as np
import pandas as pd

from melodyreg.data.windows import Batcher
from melodyreg.model import strategies, training
from melodyreg.model.network import build
from melodyreg.runs.study import Study

GATES = tuple(itertools.product((0, 1), repeat=2))  # professor forcing's (generator, discriminator) gates


def gate_column(gates: tuple[int, int]) -> str:
    """The column of :func:`step_times` holding professor forcing's milliseconds with these gates."""
    return f"ms_g{gates[0]}d{gates[1]}"


def gate_shares(histories: list[pd.DataFrame]) -> dict[tuple[int, int], float]:
    """The share of training steps professor forcing's runs spent with each (generator, discriminator) gate
    combination, from their histories' ``gate_generator`` and ``gate_discriminator`` columns."""
    steps = pd.concat([h[h.phase == "train"][["gate_generator", "gate_discriminator"]] for h in histories])
    pairs = list(zip((steps.gate_generator > 0.5).astype(int), (steps.gate_discriminator > 0.5).astype(int)))
    return {gates: pairs.count(gates) / max(1, len(pairs)) for gates in GATES}


def _timer(config, batcher: Batcher, iterations: list[int], gates: tuple[int, int] | None = None):
    """A function timing ``count`` training iterations of ``config``'s strategy as a run takes them (the
    batch cut from the run's stream, then the step), cycling through ``iterations``, with professor
    forcing's gates held at ``gates``."""
    training.set_seed(config.seed)
    strategy = strategies.make(build(config.model), config)
    if gates is not None:
        strategy.force_gates = gates
    for iteration in iterations[:2]:  # trace and warm up
        strategy.train_step(batcher.batch(iteration), iteration, training.step_seed(config.seed, iteration))
    cycle = itertools.cycle(iterations)

    def time_steps(count: int) -> list[float]:
        times = []
        for _ in range(count):
            iteration = next(cycle)
            seed = training.step_seed(config.seed, iteration)
            start = time.perf_counter()
            strategy.train_step(batcher.batch(iteration), iteration, seed)
            times.append(1000 * (time.perf_counter() - start))
        return times

    return time_steps


def timed_span(config) -> tuple[int, int]:
    """The first and last iteration whose steps are timed: all of a run's, or SeqGAN's adversarial steps
    (its discriminator pre-training is a different, cheaper step)."""
    s = config.strategy
    if s.name == "seqgan":
        return s.sg_d_pretrain, s.sg_d_pretrain + max(1, s.sg_steps) - 1
    return 0, config.train.iterations - 1


def _stream(study: Study, config, count: int) -> tuple[Batcher, list[int]]:
    """The run's own batch stream, and ``count`` iterations spread evenly over its (timed) training."""
    batcher = Batcher(study.melodies("train"), config.train.window, config.train.batch_size, config.seed)
    iterations = np.linspace(*timed_span(config), max(2, count)).round().astype(int)
    return batcher, list(dict.fromkeys(iterations.tolist()))


def _weighted(row: dict, shares: dict[tuple[int, int], float]) -> dict:
    """Professor forcing's row with ``step_ms`` and its parts weighted by ``shares`` of the gate combinations."""

    def mean(keys):
        weight = sum(shares[k] for k in keys)
        if weight == 0:
            return float(np.mean([row[gate_column(k)] for k in keys]))
        return sum(shares[k] * row[gate_column(k)] for k in keys) / weight

    closed, opened = [k for k in GATES if k[0] == 0], [k for k in GATES if k[0] == 1]
    share = sum(shares[k] for k in opened)
    return {
        **row,
        "closed_ms": mean(closed),
        "open_ms": mean(opened),
        "gate_open": share,
        "step_ms": sum(shares[k] * row[gate_column(k)] for k in GATES),
    }


def step_times(
    study: Study,
    shares: dict[tuple[int, int], float] | None = None,
    *,
    rule: str = "nll",
    rounds: int = 5,
    steps: int = 5,
    reuse: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Milliseconds per training step of each strategy at the setting ``rule`` chose, per timing round.

    Args:
        shares: professor forcing's share of steps per (generator, discriminator) gate combination
            (default: :func:`gate_shares` of its final runs under ``rule``).
        rule: the selection rule whose settings are timed (``nll`` or ``quality``).
        rounds: interleaved timing rounds (the replicates of the speed claim).
        steps: steps timed per strategy (and gate combination) and round.
        reuse: an earlier table of this function with as many rounds: a strategy timed there at the same
            setting keeps its measured rows (professor forcing reweighted by this rule's gate shares), so
            two rules that chose the same setting compare the same measurement.

    Returns:
        One row per (strategy, round): ``step_ms``, the median of the round's steps; professor forcing's
        is the share-weighted sum of the medians of its four gate combinations (``ms_g0d0`` …
        ``ms_g1d1``), with ``closed_ms`` and ``open_ms`` (generator gate closed or open, weighted over
        the discriminator's gate) and ``gate_open`` beside it; ``timed`` names the run whose setting was timed.
    """
    runs = study.seed_runs(rule)
    if not runs:
        raise ValueError(f"no final runs under the rule {rule!r}")
    first = study.seeds[0]  # the final comparison's first seed
    configs = {name: runs[(name, first)].config for name in study.runs if (name, first) in runs}
    timed = {name: runs[(name, first)].folder.name for name in configs}
    kept = {}
    if reuse is not None:
        if reuse["round"].nunique() != rounds:
            raise ValueError(f"the reused timings have {reuse['round'].nunique()} rounds, not {rounds}")
        for name in configs:
            rows = reuse[(reuse.strategy == name) & (reuse.timed == timed[name])].sort_values("round")
            if len(rows) == rounds:
                kept[name] = rows.to_dict("records")
    if "professor_forcing" in configs and shares is None:
        shares = gate_shares([r.history for (name, _), r in runs.items() if name == "professor_forcing"])
    timers = {}
    for name in (name for name in configs if name not in kept):
        batcher, iterations = _stream(study, configs[name], rounds * steps)
        if name == "professor_forcing":
            for gates in GATES:
                timers[(name, gates)] = _timer(configs[name], batcher, iterations, gates)
        else:
            timers[(name, None)] = _timer(configs[name], batcher, iterations)
    rows = []
    for round_ in range(rounds):
        measured = {key: float(np.median(timer(steps))) for key, timer in timers.items()}
        for name in configs:
            if name in kept:
                row = dict(kept[name][round_])  # sorted by round
            elif name == "professor_forcing":
                row = {"strategy": name, "round": round_, "timed": timed[name]}
                row.update({gate_column(g): measured[(name, g)] for g in GATES})
            else:
                row = {"strategy": name, "round": round_, "step_ms": measured[(name, None)], "timed": timed[name]}
            if name == "professor_forcing":
                row = _weighted(row, shares)
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
