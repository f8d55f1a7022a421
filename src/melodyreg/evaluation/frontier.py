"""The quality–diversity frontier: every strategy across sampling temperatures.

Lowering the softmax temperature of any model makes its melodies more
predictable: "quality" measures and the poster's log-likelihood of own samples
rise while diversity falls (Caccia et al. 2020, *Language GANs Falling Short*).
A remedy for exposure bias only wins if it beats the **temperature-tuned
baseline** somewhere on the whole curve: at the same diversity, more quality.

* :func:`sweep` samples, for every run (strategy × seed) and temperature, one
  batch of melodies and measures it (:mod:`melodyreg.evaluation.diversity`), with
  the NLL under a baseline of another seed (a judge that did not generate them)
  and the log-likelihood the generating model gives its own samples.
* :func:`margins` puts each regularizer's points against the baseline of the
  same seed: the quality margin at equal diversity, against the best quality
  any of the baseline's temperatures reaches there (:func:`envelope`).
* :func:`verdicts` turns the margins into one row per regularizer: does it beat
  the temperature-tuned baseline anywhere, judged over seeds.
* :func:`length_points` measures melodies of two lengths (the poster's 128 steps
  and the extraction's longest melody, 512) with measures that need no real
  melodies of that length: the judge's NLL, the model's own log-likelihood and
  the distinct interval patterns.
* :func:`study_frontier` does all of it for a study's final comparison.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from melodyreg.data.windows import openings
from melodyreg.evaluation import diversity, intervals
from melodyreg.model import generation
from melodyreg.prose import counted, strategy_name
from melodyreg.protocol import MIN_SEEDS, SWEEP_MELODIES

TEMPERATURES = (0.5, 0.7, 0.85, 1.0, 1.15, 1.3)
QUALITY, DIVERSITY = "overlap", "intra_ratio"  # the frontier's axes
LENGTHS = (128, 512)  # the poster's melody length and the extraction's longest melody
LENGTH_MELODIES = 32


def _judged_nll(judge, sampled) -> float:
    """The judge's NLL per sampled event of a batch (NaN without a judge)."""
    return float("nan") if judge is None else diversity.cross_nll(judge, sampled.classes, sampled.primer_length)


def judges(baselines: dict[int, object]) -> dict[int, object | None]:
    """For each seed, the judge of its melodies: the baseline of the next seed (cyclically).

    A seed's samples are never scored by a model of the same seed; with one seed there is no judge.
    """
    seeds = sorted(baselines)
    if len(seeds) < 2:
        return dict.fromkeys(seeds)
    return {s: baselines[seeds[(i + 1) % len(seeds)]] for i, s in enumerate(seeds)}


def sweep(
    models: dict[tuple[str, int], object],
    real_events: Sequence[Sequence[int]],
    *,
    judge_of: dict[int, object | None] | None = None,
    temperatures: Sequence[float] = TEMPERATURES,
    num: int = SWEEP_MELODIES["poster"],
    steps: int = 128,
    progress=None,
) -> pd.DataFrame:
    """Quality and diversity of every model's melodies at every temperature.

    Args:
        models: ``{(strategy, seed): trained model}``.
        real_events: held-out melodies (note-seq events) to compare with.
        judge_of: ``{seed: model}`` scoring that seed's melodies (see :func:`judges`); missing or
            ``None``: no cross-model NLL (NaN).
        temperatures: sampling temperatures.
        num, steps: melodies per batch and their length (primer included).
        progress: called with a message per run, or ``None``.

    Returns:
        One row per (strategy, seed, temperature): ``overlap`` (quality), ``overlap_intra``,
        ``intra_ratio`` and ``distinct_4grams`` (diversity), ``cross_nll`` (per event, under
        the judge), ``own_ll`` (Magenta's log-likelihood of a melody under its own model) and
        ``own_ll_per_event``.
    """
    judge_of = judge_of or {}
    rows = []
    for (strategy, seed), model in models.items():
        if progress:
            progress(f"temperature sweep: {strategy} seed {seed}")
        judge = judge_of.get(seed)
        for temperature in temperatures:
            sampled = generation.generate(model, num=num, steps=steps, temperature=temperature, seed=seed)
            events = [sampled.events(i) for i in range(num)]
            rows.append(
                {
                    "strategy": strategy,
                    "seed": seed,
                    "temperature": float(temperature),
                    **diversity.set_measures(events, real_events),
                    "cross_nll": _judged_nll(judge, sampled),
                    "own_ll": float(sampled.log_likelihood.mean()),
                    "own_ll_per_event": float(sampled.log_probs.mean()),
                }
            )
    return pd.DataFrame(rows)


def envelope(curve: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The reference's best quality at each diversity: its Pareto points, by increasing diversity.

    A point is kept when no other point of the curve is at least as diverse with more quality.
    Temperature does not order a curve on these axes (a very cold model writes sparse melodies
    whose features can differ more than those of warmer ones), so the reference is its upper
    envelope, not the line through its temperatures.
    """
    points = sorted(zip(curve[DIVERSITY], curve[QUALITY]), key=lambda p: -p[0])
    kept, best = [], -np.inf
    for d, q in points:
        if q > best:
            kept.append((d, q))
            best = q
    kept.reverse()
    return np.array([d for d, _ in kept]), np.array([q for _, q in kept])


def reference_quality(d: float, diversities: np.ndarray, qualities: np.ndarray) -> float:
    """The envelope's quality at diversity ``d``: interpolated between its points, its best quality
    below them (a less diverse set gains no quality), NaN beyond the most diverse point."""
    if not len(diversities) or d > diversities[-1]:
        return float("nan")
    return float(np.interp(d, diversities, qualities))  # np.interp holds the first value below the range


def margins(frame: pd.DataFrame, reference: str = "baseline") -> pd.DataFrame:
    """Each regularizer point's quality minus the reference's at the same diversity, per seed.

    The reference at a seed is the upper envelope of its points (:func:`envelope`); a point more
    diverse than every reference point gets no margin (NaN): nothing there to compare with.

    Returns:
        One row per (strategy, seed, temperature) of every strategy but ``reference``: its
        ``diversity``, ``quality`` and ``margin``.
    """
    rows = []
    for (strategy, seed), points in frame.groupby(["strategy", "seed"]):
        if strategy == reference:
            continue
        diversities, qualities = envelope(frame[(frame.strategy == reference) & (frame.seed == seed)])
        for _, point in points.iterrows():
            d = point[DIVERSITY]
            rows.append(
                {
                    "strategy": strategy,
                    "seed": seed,
                    "temperature": point.temperature,
                    "diversity": d,
                    "quality": point[QUALITY],
                    "margin": point[QUALITY] - reference_quality(d, diversities, qualities),
                }
            )
    return pd.DataFrame(rows, columns=["strategy", "seed", "temperature", "diversity", "quality", "margin"])


def verdicts(frame: pd.DataFrame, reference: str = "baseline") -> pd.DataFrame:
    """Does each regularizer beat the temperature-tuned ``reference`` anywhere on the curve?

    At each temperature the margins (:func:`margins`) are averaged over the seeds that have one,
    with a bootstrap interval. **yes**: at some temperature the interval lies above 0; **no**: at
    every temperature with a margin it lies below 0; **inconclusive** otherwise; **untested (n
    runs: where they lie)** below :data:`melodyreg.protocol.MIN_SEEDS` paired seeds, saying whether
    the runs at hand rise above the baseline's envelope at some temperature (the best) or stay below it.

    Returns:
        One row per regularizer: ``strategy``, ``verdict``, ``best temperature`` and ``best margin``
        (the largest mean margin, with its interval), ``seeds``.
    """
    found = margins(frame, reference).dropna(subset=["margin"])
    rows = []
    for strategy in [s for s in dict.fromkeys(frame.strategy) if s != reference]:
        points = found[found.strategy == strategy]
        seeds = points.seed.nunique()
        if seeds == 0:
            rows.append({"strategy": strategy, "verdict": "no comparable points", "best temperature": np.nan,
                         "best margin": "n/a", "seeds": 0})  # fmt: skip
            continue
        summary = []
        for temperature, at in points.groupby("temperature"):
            mean, low, high = intervals.bootstrap_ci(at.margin.to_numpy())
            summary.append((temperature, mean, low, high, at.seed.nunique()))
        best = max(summary, key=lambda row: row[1])
        signs = [intervals.sign(low, high) for _, _, low, high, n in summary if n >= MIN_SEEDS]
        if seeds < MIN_SEEDS:
            # worded as the claims' verdicts, with where these runs lie against the baseline's envelope
            where = f"above it at temperature {best[0]:g}" if best[1] > 0 else "below it at every temperature"
            verdict = f"untested ({counted(seeds, 'run')}: {where})"
        elif any(s > 0 for s in signs):
            verdict = "yes"
        elif signs and all(s < 0 for s in signs):
            verdict = "no"
        else:
            verdict = "inconclusive"
        rows.append(
            {
                "strategy": strategy,
                "verdict": verdict,
                "best temperature": best[0],
                "best margin": intervals.format_ci(best[1], best[2], best[3]),
                "seeds": seeds,
            }
        )
    return pd.DataFrame(rows)


def summary(table: pd.DataFrame) -> str:
    """One sentence for prose from :func:`verdicts`, e.g. ``Dropout: no; scheduled sampling: yes.``"""
    if table.empty:
        return "No regularizer was compared."
    parts = [f"{strategy_name(row.strategy)}: {row.verdict}" for row in table.itertuples()]
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def length_points(
    models: dict[tuple[str, int], object],
    *,
    judge_of: dict[int, object | None] | None = None,
    lengths: Sequence[int] = LENGTHS,
    num: int = LENGTH_MELODIES,
) -> pd.DataFrame:
    """Melodies of each length at temperature 1, measured without real melodies of that length.

    Returns:
        One row per (strategy, seed, steps): ``cross_nll`` (per sampled event, under the judge),
        ``own_ll_per_event`` and ``distinct_4grams``.
    """
    judge_of = judge_of or {}
    rows = []
    for (strategy, seed), model in models.items():
        judge = judge_of.get(seed)
        for steps in lengths:
            sampled = generation.generate(model, num=num, steps=steps, seed=seed)
            rows.append(
                {
                    "strategy": strategy,
                    "seed": seed,
                    "steps": int(steps),
                    "cross_nll": _judged_nll(judge, sampled),
                    "own_ll_per_event": float(sampled.log_probs.mean()),
                    "distinct_4grams": diversity.distinct_ngrams([sampled.events(i) for i in range(num)]),
                }
            )
    return pd.DataFrame(rows)


def length_melodies(num: int) -> int:
    """Melodies per run and length in the length points of a sweep of ``num`` melodies per temperature."""
    return min(num, LENGTH_MELODIES)


def study_frontier(
    study,
    *,
    rule: str = "nll",
    num: int = SWEEP_MELODIES["poster"],
    steps: int = 128,
    temperatures: Sequence[float] = TEMPERATURES,
    reference_melodies: int = 100,
    progress=None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The temperature sweep and the length points of a study's final comparison under ``rule``.

    Each seed's melodies are judged by the baseline of the next seed (:func:`judges`); the
    real melodies are ``reference_melodies`` test openings of ``steps`` steps (the same seeded
    choice as the evaluation's feature comparison).

    Returns:
        ``(sweep, lengths)``: see :func:`sweep` and :func:`length_points`.
    """
    runs = study.seed_runs(rule)
    models = {key: run.model() for key, run in runs.items()}
    judge_of = judges({seed: model for (name, seed), model in models.items() if name == "baseline"})
    real = openings(study.melodies("test"), steps, reference_melodies, study.seed)
    frame = sweep(models, real, judge_of=judge_of, temperatures=temperatures, num=num, steps=steps, progress=progress)
    return frame, length_points(models, judge_of=judge_of, num=length_melodies(num))
