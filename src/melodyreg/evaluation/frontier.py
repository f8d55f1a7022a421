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
* :func:`verdicts` turns the margins into one row per regularizer: at the
  temperature chosen on validation melodies, does it beat the temperature-tuned
  baseline on test melodies, judged over seeds and corrected over regularizers.
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
from melodyreg.evaluation import diversity, intervals, significance
from melodyreg.model import generation
from melodyreg.prose import counted
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
    valid_events: Sequence[Sequence[int]] | None = None,
    judge_of: dict[int, object | None] | None = None,
    temperatures: Sequence[float] = TEMPERATURES,
    num: int = SWEEP_MELODIES["poster"],
    steps: int = 128,
    progress=None,
) -> pd.DataFrame:
    """Quality and diversity of every model's melodies at every temperature.

    Args:
        models: ``{(strategy, seed): trained model}``.
        real_events: test melodies (note-seq events) to compare with: what the verdicts judge on.
        valid_events: validation melodies, to measure the same sets against (``..._valid`` columns):
            what a regularizer's temperature is chosen on (:func:`verdicts`).
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
    for number, ((strategy, seed), model) in enumerate(models.items(), start=1):
        if progress:
            at = f"{len(temperatures)} temperatures"
            progress(f"temperature sweep {number}/{len(models)}: {strategy} seed {seed}, {at}")
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
                    **(
                        {f"{k}_valid": v for k, v in diversity.set_measures(events, valid_events).items()}
                        if valid_events is not None
                        else {}
                    ),
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


def margins(frame: pd.DataFrame, reference: str = "baseline", side: str = "test") -> pd.DataFrame:
    """Each regularizer point's quality minus the reference's at the same diversity, per seed, measured
    against the ``side`` (``test``, or ``valid`` with :func:`sweep`'s ``valid_events``).

    The reference at a seed is the upper envelope of its points (:func:`envelope`); a point more
    diverse than every reference point gets no margin (NaN): nothing there to compare with.

    Returns:
        One row per (strategy, seed, temperature) of every strategy but ``reference``: its
        ``diversity``, ``quality`` and ``margin``.
    """
    suffix = "" if side == "test" else "_valid"
    if side not in ("test", "valid") or f"{QUALITY}{suffix}" not in frame:
        raise ValueError(f"no {side!r} measures in the sweep (columns: {sorted(frame.columns)})")
    quality, diversity_ = f"{QUALITY}{suffix}", f"{DIVERSITY}{suffix}"
    axes = (
        frame.drop(columns=[QUALITY, DIVERSITY], errors="ignore").rename(
            columns={quality: QUALITY, diversity_: DIVERSITY}
        )
        if suffix
        else frame
    )
    rows = []
    for (strategy, seed), points in axes.groupby(["strategy", "seed"]):
        if strategy == reference:
            continue
        diversities, qualities = envelope(axes[(axes.strategy == reference) & (axes.seed == seed)])
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
    """Does each regularizer beat the temperature-tuned ``reference`` on the curve?

    The temperature is chosen on validation melodies, and test melodies only judge: for each
    regularizer, the temperature whose mean validation margin over the seeds is largest
    (:func:`margins` with ``side="valid"``), then the test margins at that temperature, one per seed,
    by exact one-sided t-tests at 2.5 % each way (the one-sided level of a 95 % interval),
    Holm-corrected over the regularizers (one family). **yes**: the test margin lies above 0; **no**:
    below 0; **inconclusive** otherwise; **untested (n runs: where they lie)** below
    :data:`melodyreg.protocol.MIN_SEEDS` paired seeds. A sweep without validation measures chooses
    on test and says so in ``chosen on``.

    Returns:
        One row per regularizer: ``strategy``, ``verdict``, ``best temperature`` (the one chosen),
        ``best margin`` (its mean test margin with a 95 % t-interval), ``p (yes)`` and ``p (no)``
        (Holm-corrected), ``chosen on`` and ``seeds``.
    """
    chosen_on = "valid" if f"{QUALITY}_valid" in frame else "test"
    found = margins(frame, reference).dropna(subset=["margin"])
    choosing = margins(frame, reference, chosen_on).dropna(subset=["margin"])
    rows = []
    for strategy in [s for s in dict.fromkeys(frame.strategy) if s != reference]:
        points, options = found[found.strategy == strategy], choosing[choosing.strategy == strategy]
        seeds = points.seed.nunique()
        if seeds == 0 or options.empty:
            rows.append({"strategy": strategy, "verdict": "no comparable points", "best temperature": np.nan,
                         "best margin": "n/a", "p (yes)": np.nan, "p (no)": np.nan, "chosen on": chosen_on,
                         "seeds": 0})  # fmt: skip
            continue
        best = float(options.groupby("temperature").margin.mean().idxmax())
        at = points[points.temperature == best].margin.to_numpy(dtype=float)
        mean, low, high = significance.t_interval(at) if len(at) > 1 else (float(at.mean()),) * 3
        p_yes = significance.one_sided_pvalue(at, above=True)
        p_no = significance.one_sided_pvalue(at, above=False)
        if seeds < MIN_SEEDS:
            where = f"above it at temperature {best:g}" if mean > 0 else f"below it at temperature {best:g}"
            verdict = f"untested ({counted(seeds, 'run')}: {where})"
        else:
            verdict = ""  # judged below, over the family
        rows.append(
            {
                "strategy": strategy,
                "verdict": verdict,
                "best temperature": best,
                "best margin": intervals.format_ci(mean, low, high),
                "p (yes)": p_yes,
                "p (no)": p_no,
                "chosen on": chosen_on,
                "seeds": seeds,
            }
        )
    table = pd.DataFrame(rows)
    if table.empty:
        return table
    judged = table.verdict == ""
    for column in ("p (yes)", "p (no)"):
        table[column] = table[column].where(judged)
        table.loc[judged, column] = significance.holm(table.loc[judged, column].to_numpy(dtype=float))
    level = (1 - intervals.LEVEL) / 2
    yes, no = judged & (table["p (yes)"] <= level), judged & (table["p (no)"] <= level)
    table.loc[judged, "verdict"] = "inconclusive"
    table.loc[yes, "verdict"] = "yes"
    table.loc[no & ~yes, "verdict"] = "no"
    return table.round({"p (yes)": 4, "p (no)": 4})


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
    choice as the evaluation's feature comparison), and as many validation openings, on which each
    regularizer's temperature is chosen (:func:`verdicts`).

    Returns:
        ``(sweep, lengths)``: see :func:`sweep` and :func:`length_points`.
    """
    runs = study.seed_runs(rule)
    models = {key: run.model() for key, run in runs.items()}
    judge_of = judges({seed: model for (name, seed), model in models.items() if name == "baseline"})
    real = openings(study.melodies("test"), steps, reference_melodies, study.seed)
    valid = openings(study.melodies("valid"), steps, reference_melodies, study.seed)
    frame = sweep(
        models,
        real,
        valid_events=valid,
        judge_of=judge_of,
        temperatures=temperatures,
        num=num,
        steps=steps,
        progress=progress,
    )
    return frame, length_points(models, judge_of=judge_of, num=length_melodies(num))
