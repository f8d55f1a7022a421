"""The poster's Discussion and Conclusion, claim by claim, judged on the study's runs with intervals.

Each claim is a set of paired comparisons (:class:`Claim`): strategy A's value at
seed *s* against strategy B's at seed *s* (or two measures of one strategy). A
comparison counts when the bootstrap interval of the mean difference excludes
zero. A claim is

* **supported** when every comparison it needs goes its way with an interval
  that excludes zero;
* **contradicted** when at least one goes the other way with an interval that
  excludes zero (for "minimal difference": when the interval lies wholly outside
  the ±2 % band);
* **inconclusive** otherwise;
* **untested (n runs: ...)** when fewer than :data:`melodyreg.protocol.MIN_SEEDS` seeds pair up: one
  or two runs describe those runs, not what holds in general. The verdict then
  says which way those runs go (:data:`CLAIMED_WAY`, :data:`OTHER_WAY` or
  :data:`BOTH_WAYS`, from the mean of each comparison), and the evidence is shown.

The intervals are expanded percentile bootstrap intervals
(:mod:`melodyreg.evaluation.intervals`), whose coverage at a given number of seeds
:func:`melodyreg.evaluation.intervals.coverage` reports.

Measured quantities, one row per (strategy, seed) (see :mod:`melodyreg.evaluation.evidence`):
``state_auc`` (training vs generation hidden states, 0.5 = indistinguishable),
``memo_auc`` (training vs test windows, both teacher-forced: memorization),
``train_nll`` (teacher-forced NLL on a fixed subset of training windows), ``nll``
(test NLL per event), ``log_likelihood`` (mean over the generated melodies, the
poster's table). Step times come from isolated timing rounds (``step_ms`` per
(strategy, round); professor forcing's weighted by its gate-open share).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from melodyreg import constants as C
from melodyreg.evaluation import intervals
from melodyreg.prose import counted, joined, strategy_name
from melodyreg.protocol import MIN_SEEDS

SMALL = 0.02  # relative difference below which two losses count as "minimal difference"
LEVEL_HIGH, LEVEL_LOW = 0.75, 0.6  # claim 1 ("clear disparity"): supported above, contradicted below this AUC
CLAIMED_WAY, OTHER_WAY, BOTH_WAYS = "the claimed way", "the other way", "both ways"  # where untested runs go
SHORT = C.STRATEGY_SHORT
B, D, S, P = "baseline", "dropout", "scheduled_sampling", "professor_forcing"
NAMES = {
    "state_auc": "AUC",
    "memo_auc": "memorization AUC",
    "state_auc-memo_auc": "AUC − memorization AUC",
    "train_nll": "training NLL",
    "nll": "test NLL",
    "log_likelihood": "log-likelihood of generated melodies",
    "step_ms": "ms per step",
}


@dataclass(frozen=True)
class Claim:
    """One claim of the poster as comparisons.

    Attributes:
        text: the poster's claim, in our words.
        comparisons: ``(value, a, b, wanted)``: the claim wants ``value`` of strategy
            ``a`` minus that of ``b`` to have the sign ``wanted``; ``value`` may be
            ``"x-y"`` to compare two measures of strategy ``a`` (``b`` is then ``a``).
        kind: ``paired`` (the rule above), ``levels`` (claim 1: AUC levels),
            ``minimal`` (a relative difference inside ±SMALL) or ``not worse`` (a
            relative difference not above +SMALL).
        source: ``runs`` (rows per seed) or ``timings`` (rows per timing round).
        digits: digits shown; note: what the reader should know about the measure.
        brief: a few words for chart axes, where ``text`` would not fit.
    """

    text: str
    comparisons: tuple[tuple[str, str, str, int], ...]
    kind: str = "paired"
    source: str = "runs"
    digits: int = 3
    note: str = ""
    brief: str = ""


CLAIMS = (
    Claim(
        "Clear disparity between training and generation hidden states for baseline and dropout",
        (("state_auc", B, B, 1), ("state_auc", D, D, 1)),
        kind="levels",
        note=f"0.5 = none; supported above {LEVEL_HIGH}, contradicted below {LEVEL_LOW}",
        brief="states differ (baseline, dropout)",
    ),
    Claim(
        "Scheduled sampling and professor forcing bring training and generation states closer",
        tuple(("state_auc", x, y, -1) for x in (S, P) for y in (B, D)),
        note="AUC of training vs generated states: 0.5 = indistinguishable, lower = closer",
        brief="SS and PF bring states closer",
    ),
    Claim(
        "Minimal difference between baseline and dropout",
        (("nll", D, B, 0),),
        kind="minimal",
        brief="baseline, dropout alike (test NLL)",
    ),
    Claim(
        "Scheduled sampling and professor forcing do worse in training",
        tuple(("train_nll", x, B, 1) for x in (S, P)),
        note="teacher-forced NLL on the same training windows for every strategy",
        brief="SS and PF worse in training",
    ),
    Claim(
        "Scheduled sampling does slightly better in evaluation (a regularizing effect)",
        (("nll", S, B, -1),),
        brief="SS slightly better (test NLL)",
    ),
    Claim(
        "Scheduled sampling generates melodies with the highest log-likelihood",
        tuple(("log_likelihood", S, x, 1) for x in (B, D, P)),
        digits=1,
        brief="SS: highest log-likelihood",
    ),
    Claim(
        "Scheduled sampling and professor forcing outperform baseline and dropout (log-likelihood)",
        tuple(("log_likelihood", x, y, 1) for x in (S, P) for y in (B, D)),
        digits=1,
        brief="SS and PF beat the others (log-lik.)",
    ),
    Claim(
        "Scheduled sampling shows the highest similarity between training and generation states",
        tuple(("state_auc", S, x, -1) for x in (B, D, P)),
        note="lower AUC = more similar",
        brief="SS states most similar",
    ),
    Claim(
        "Scheduled sampling trains faster than professor forcing (time per step)",
        (("step_ms", S, P, -1),),
        source="timings",
        digits=1,
        note="one process and thread each, timing rounds interleaved; PF weighted by its gate-open share",
        brief="SS faster than PF per step",
    ),
    Claim(
        "Scheduled sampling is the most effective regularizer (judged here by test NLL)",
        tuple(("nll", S, x, -1) for x in (B, D, P)),
        brief="SS most effective (test NLL)",
    ),
    Claim(
        "The mismatch between training and generation is larger than memorization",
        tuple(("state_auc-memo_auc", x, x, 1) for x in (B, D, S, P)),
        note="AUC of training vs generated states minus AUC of training vs test windows, both teacher-forced",
        brief="mismatch > memorization",
    ),
    Claim(
        "Huszár's bias of scheduled sampling is not an issue",
        (("nll", S, B, 0),),
        kind="not worse",
        note="scheduled sampling's test NLL at most 2 % above the baseline's",
        brief="SS not worse than baseline (Huszár)",
    ),
)


def _differences(frame: pd.DataFrame, value: str, a: str, b: str, index: str) -> pd.Series:
    if "-" in value:  # two measures of one strategy
        first, second = value.split("-")
        rows = frame[frame.strategy == a].set_index(index)
        return (rows[first] - rows[second]).dropna()
    wide = frame.pivot_table(index=index, columns="strategy", values=value, aggfunc="first")
    if a not in wide or b not in wide:
        raise ValueError(f"no {value!r} for {a!r} and {b!r}")
    both = wide[[a, b]].dropna()
    return both[a] - both[b]


def _relative(frame: pd.DataFrame, value: str, a: str, b: str, index: str) -> pd.Series:
    wide = frame.pivot_table(index=index, columns="strategy", values=value, aggfunc="first")[[a, b]].dropna()
    return (wide[a] - wide[b]) / wide[b]


def judge(claim: Claim, frame: pd.DataFrame, index: str = "seed") -> tuple[str, str, int]:
    """Evidence text, verdict and the number of paired replicates behind one claim."""
    texts, signs, counts = [], [], []
    for value, a, b, wanted in claim.comparisons:
        if claim.kind in ("minimal", "not worse"):
            rel = _relative(frame, value, a, b, index)
            mean, low, high = intervals.bootstrap_ci(rel.to_numpy())
            counts.append(len(rel))
            texts.append(
                f"{NAMES.get(value, value)}, ({SHORT[a]} − {SHORT[b]}) / {SHORT[b]}: "
                f"{intervals.format_ci(100 * mean, 100 * low, 100 * high, 1)} %"
            )
            if claim.kind == "minimal":
                signs.append(1 if -SMALL < low and high < SMALL else -1 if low >= SMALL or high <= -SMALL else 0)
            else:
                signs.append(1 if high < SMALL else -1 if low > SMALL else 0)
        elif claim.kind == "levels":
            values = frame.loc[frame.strategy == a, value].dropna().to_numpy()
            mean, low, high = intervals.bootstrap_ci(values)
            counts.append(len(values))
            texts.append(f"{NAMES.get(value, value)} {SHORT[a]}: {intervals.format_ci(mean, low, high)}")
            signs.append(1 if low > LEVEL_HIGH else -1 if high < LEVEL_LOW else 0)
        else:
            diff = _differences(frame, value, a, b, index)
            mean, low, high = intervals.bootstrap_ci(diff.to_numpy())
            counts.append(len(diff))
            label = f"{SHORT[a]}: {NAMES.get(value, value)}" if a == b else f"{SHORT[a]} − {SHORT[b]}"
            if a != b and not texts:  # the measure once, before the first difference
                label = f"{NAMES.get(value, value)}, {label}"
            texts.append(f"{label}: {intervals.format_ci(mean, low, high, claim.digits)}")
            signs.append(intervals.sign(low, high) * wanted)
    n = min(counts)
    if n < MIN_SEEDS:
        replicates = counted(n, "run" if index == "seed" else "round")
        verdict = (
            f"untested ({replicates}: {way(directions(claim, frame, index))})" if n else f"untested ({replicates})"
        )
    else:
        verdict = "contradicted" if min(signs) < 0 else "supported" if min(signs) > 0 else "inconclusive"
    text = "; ".join(texts) + (f" ({claim.note})" if claim.note else "")
    return text, verdict, n


def verdicts(runs: pd.DataFrame, timings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim: the poster's words, the evidence with intervals, the verdict and the replicates.

    Args:
        runs: :attr:`melodyreg.evaluation.evidence.Evidence.runs` (all four strategies).
        timings: step times per (strategy, round) for the speed claim; without them it is left out.
    """
    missing = {B, D, S, P} - set(runs["strategy"])
    if missing:
        raise ValueError(f"the claims compare all four strategies; no runs of {sorted(missing)}")
    rows = []
    for claim in CLAIMS:
        if claim.source == "timings" and timings is None:
            continue
        frame, index = (runs, "seed") if claim.source == "runs" else (timings, "round")
        text, verdict, n = judge(claim, frame, index)
        rows.append(
            {
                "poster's claim": claim.text,
                "evidence (mean [interval] over seeds)": text,
                "verdict": verdict,
                "replicates": n,
            }
        )
    return pd.DataFrame(rows)


def directions(claim: Claim, frame: pd.DataFrame, index: str = "seed") -> list[int]:
    """Per comparison of ``claim``, whether the mean over the replicates goes the claimed way (+1), the
    other way (-1) or neither (0: a level between the two thresholds). A description, not a verdict."""
    found = []
    for value, a, b, wanted in claim.comparisons:
        if claim.kind == "levels":
            level = float(frame.loc[frame.strategy == a, value].mean())
            found.append(1 if level > LEVEL_HIGH else -1 if level < LEVEL_LOW else 0)
        elif claim.kind in ("minimal", "not worse"):
            rel = float(_relative(frame, value, a, b, index).mean())
            found.append(1 if (abs(rel) if claim.kind == "minimal" else rel) < SMALL else -1)
        else:
            mean = float(_differences(frame, value, a, b, index).mean()) * wanted
            found.append(1 if mean > 0 else -1 if mean < 0 else 0)
    return found


def way(signs: list[int]) -> str:
    """:data:`CLAIMED_WAY` when every comparison goes the claimed way, :data:`OTHER_WAY` when every one goes
    the other, :data:`BOTH_WAYS` otherwise."""
    return CLAIMED_WAY if min(signs) > 0 else OTHER_WAY if max(signs) < 0 else BOTH_WAYS


def direction(claim: Claim, frame: pd.DataFrame) -> tuple[float, bool]:
    """At one seed: the claim's smallest signed margin (its comparisons' differences times their wanted signs,
    the first for ``levels``/relative kinds) and whether every comparison goes the claimed way."""
    margins = []
    for value, a, b, wanted in claim.comparisons:
        if claim.kind == "levels":
            level = float(frame.loc[frame.strategy == a, value].iloc[0])
            margins.append(level - LEVEL_HIGH)
        elif claim.kind in ("minimal", "not worse"):
            rel = float(_relative(frame, value, a, b, "seed").iloc[0])
            margins.append(SMALL - abs(rel) if claim.kind == "minimal" else SMALL - rel)
        else:
            margins.append(float(_differences(frame, value, a, b, "seed").iloc[0]) * wanted)
    return min(margins), min(margins) > 0


def _prose_name(strategy: str) -> str:
    """A strategy as named mid-sentence: ``the baseline``, ``dropout``, ``scheduled sampling``."""
    return "the baseline" if strategy == B else strategy_name(strategy)


def _runs(seeds: int) -> str:
    """``a single run`` or ``n runs``: the paired replicates behind an ordering, for prose."""
    return "a single run" if seeds == 1 else counted(seeds, "run")


def _paired_or_none(runs: pd.DataFrame, value: str, reference: str) -> pd.DataFrame | None:
    """Paired differences to ``reference`` over the strategies that have ``value`` (None: nothing to pair)."""
    usable = runs.dropna(subset=[value])
    if usable.strategy.nunique() < 2 or reference not in set(usable.strategy):
        return None
    try:
        diff = intervals.paired(usable, value, reference=reference)
    except ValueError:  # a strategy shares no seed with the reference
        return None
    return diff if len(diff) else None


def leader(runs: pd.DataFrame, value: str, *, lower: bool = True) -> str:
    """Which strategy leads on ``value`` (mean over seeds), and whether the lead is told apart from the seed noise.

    Below :data:`melodyreg.protocol.MIN_SEEDS` paired seeds the ordering is given as such, never as a verdict.
    Otherwise the leader's paired difference to every other strategy must have an interval
    that excludes zero for the lead to count.

    Args:
        runs: one row per (strategy, seed), as :attr:`melodyreg.evaluation.evidence.Evidence.runs`.
        lower: whether lower values lead (NLL) or higher ones (log-likelihood).

    Returns:
        The leader in the possessive with its reading, for example ``"dropout's, ahead of every
        other strategy with paired intervals that exclude zero"``.
    """
    means = runs.groupby("strategy")[value].mean().dropna()
    if means.empty:
        return "no strategy's (no values)"
    best = means.idxmin() if lower else means.idxmax()
    name = _prose_name(best)
    diff = _paired_or_none(runs, value, best)
    if diff is None:
        return f"{name}'s, with no other strategy on the same seeds to compare"
    seeds = int(diff.seeds.min())
    if seeds < MIN_SEEDS:
        verdict = f"an ordering, not a verdict (no verdict below {MIN_SEEDS} seeds)"
        return f"{name}'s, in {_runs(seeds)} per strategy: {verdict}"
    behind = diff.low > 0 if lower else diff.high < 0
    if behind.all():
        return f"{name}'s, ahead of every other strategy with paired intervals that exclude zero"
    close = joined([_prose_name(s) for s in diff.strategy[~behind]])
    return f"{name}'s by its mean, but its lead over {close} is within the seed noise (paired intervals include zero)"


def against_baseline(runs: pd.DataFrame, value: str, *, lower: bool = True) -> str:
    """One sentence: which strategies beat the baseline on ``value`` beyond the seed noise (paired by seed).

    Below :data:`melodyreg.protocol.MIN_SEEDS` paired seeds it says that the numbers are an ordering, not a verdict.

    Args:
        runs: one row per (strategy, seed) with ``value``, the baseline among the strategies.
        lower: whether lower values are better.
    """
    diff = _paired_or_none(runs, value, B)
    if diff is None:
        return "No strategy shares seeds with the baseline on this measure, so none is compared with it."
    seeds = int(diff.seeds.min())
    if seeds < MIN_SEEDS:
        return f"With {_runs(seeds)} per strategy these numbers are an ordering, not a verdict."
    better = diff.high < 0 if lower else diff.low > 0
    worse = diff.low > 0 if lower else diff.high < 0
    names = {s: _prose_name(s) for s in diff.strategy}
    rest = diff.strategy[~(better | worse)]
    if len(rest) == len(diff):
        verb = "is" if len(names) == 1 else "are"
        return f"Paired by seed, {joined(list(names.values()))} {verb} not told apart from the baseline."
    parts = [
        f"{joined([names[s] for s in diff.strategy[mask]])} {words} the baseline"
        for mask, words in ((better, "better than"), (worse, "worse than"))
        if mask.any()
    ]
    if len(rest):
        parts.append(f"{joined([names[s] for s in rest])} not told apart from it")
    return f"Paired by seed, beyond the seed noise: {'; '.join(parts)}."
