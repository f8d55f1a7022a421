"""The poster's Discussion and Conclusion, claim by claim, judged on the study's runs at a stated level.

Each claim is a set of paired comparisons (:class:`Claim`): strategy A's value at
seed *s* against strategy B's at seed *s* (or two measures of one strategy). Each
comparison is tested by exact one-sided t-tests on its paired values (exact when
they are normal; :func:`p_values`), one for each way it can go, at level
:data:`ALPHA` (2.5 %, the one-sided level of a two-sided 95 % interval). A claim is

* **supported** when every comparison it needs goes its way (the largest of their
  p-values at most the level);
* **contradicted** when at least one goes the other way (for "minimal difference":
  lies outside the ±2 % band), with Holm's correction over the claim's comparisons;
* **inconclusive** otherwise;
* **untested (n runs: ...)** when fewer than :data:`melodyreg.protocol.MIN_SEEDS` seeds pair up: a
  few runs describe those runs, not what holds in general. The verdict then
  says which way those runs go (:data:`CLAIMED_WAY`, :data:`OTHER_WAY` or
  :data:`BOTH_WAYS`, from the mean of each comparison), and the evidence is shown.

The claims of a table form a family: :func:`verdicts` corrects each way's p-values by
Holm's procedure over the judged claims, so that the chance of any wrong verdict in the
table, of either kind, is at most the level for each kind
(:mod:`melodyreg.evaluation.significance`).

Each kind of claim is read in one place: :func:`measured` says what a comparison
measures per replicate, :func:`reading` where an interval (or a mean) of it lies
against the kind's thresholds, :func:`margin` how far one value lies from them.
Sentences about leaders and the baseline are :mod:`melodyreg.report.observations`'.

The evidence shows each comparison's mean with its 95 % t-interval (uncorrected, for reading;
the verdicts use the corrected tests).

Measured quantities, one row per (strategy, seed) (see :mod:`melodyreg.evaluation.evidence`):
``matched_auc`` (one network's hidden states at the same positions of the same real melodies,
teacher-forced against free-running after a shared real opening; 0.5 = indistinguishable),
``matched_memo_auc`` (training vs test melodies at those positions, both teacher-forced: memorization),
and the poster's unmatched versions ``state_auc`` (training windows vs melodies generated from middle C)
and ``memo_auc`` (training vs test windows), judged in secondary rows (:attr:`Claim.secondary`),
``train_nll`` (teacher-forced NLL on a fixed subset of training windows), ``nll``
(test NLL per event), ``log_likelihood`` (mean over the generated melodies, the
poster's table). Step times come from isolated timing rounds (``step_ms`` per
(strategy, round); professor forcing's weighted by its gate-open share).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from melodyreg import constants as C
from melodyreg.evaluation import intervals, significance
from melodyreg.prose import counted
from melodyreg.protocol import MIN_SEEDS

SMALL = 0.02  # relative difference below which two losses count as "minimal difference"
LEVEL_HIGH, LEVEL_LOW = 0.75, 0.6  # claim 1 ("clear disparity"): supported above, contradicted below this AUC
CLAIMED_WAY, OTHER_WAY, BOTH_WAYS = "the claimed way", "the other way", "both ways"  # where untested runs go
SHORT = C.STRATEGY_SHORT
B, D, S, P = "baseline", "dropout", "scheduled_sampling", "professor_forcing"
G = "seqgan"  # the poster's future work: judged where a study trains it
NAMES = {
    "matched_auc": "AUC",
    "matched_auc-matched_memo_auc": "AUC − memorization AUC",
    "state_auc": "AUC (poster's positions)",
    "state_auc-memo_auc": "AUC − memorization AUC (poster's positions)",
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
        secondary: a second reading of a claim judged above (the poster's unmatched hidden states):
            shown and judged, in a family of its own, and left out of the robustness map.
    """

    text: str
    comparisons: tuple[tuple[str, str, str, int], ...]
    kind: str = "paired"
    source: str = "runs"
    digits: int = 3
    note: str = ""
    brief: str = ""
    secondary: bool = False


MATCHED = "same positions of the same melodies, after a shared real opening"
POSTER_POSITIONS = "the poster's positions: melodies generated from middle C against training windows"
CLAIMS = (
    Claim(
        "Clear disparity between training and generation hidden states for baseline and dropout",
        (("matched_auc", B, B, 1), ("matched_auc", D, D, 1)),
        kind="levels",
        note=f"{MATCHED}; 0.5 = none; supported above {LEVEL_HIGH}, contradicted below {LEVEL_LOW}",
        brief="states differ (baseline, dropout)",
    ),
    Claim(
        "Scheduled sampling and professor forcing bring training and generation states closer",
        tuple(("matched_auc", x, y, -1) for x in (S, P) for y in (B, D)),
        note=f"AUC of teacher-forced vs free-running states, {MATCHED}: 0.5 = indistinguishable, lower = closer",
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
        tuple(("matched_auc", S, x, -1) for x in (B, D, P)),
        note=f"{MATCHED}; lower AUC = more similar",
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
        tuple(("matched_auc-matched_memo_auc", x, x, 1) for x in (B, D, S, P)),
        note=(
            f"AUC of teacher-forced vs free-running states minus AUC of training vs test melodies (both "
            f"teacher-forced), all at the {MATCHED.split(', ')[0]} past a real opening"
        ),
        brief="mismatch > memorization",
    ),
    Claim(
        "Huszár's bias of scheduled sampling is not an issue",
        (("nll", S, B, 0),),
        kind="not worse",
        note="scheduled sampling's test NLL at most 2 % above the baseline's",
        brief="SS not worse than baseline (Huszár)",
    ),
    Claim(
        "A sequence-level adversarial objective (SeqGAN, the poster's future work) beats the token-level "
        "regularizers (test NLL)",
        tuple(("nll", G, x, -1) for x in (D, S, P)),
        note="judged also on the quality–diversity frontier against the temperature-tuned baseline",
        brief="SeqGAN beats the regularizers (NLL)",
    ),
)
SEQGAN_CLAIM = 12  # index in CLAIMS: "A sequence-level adversarial objective (SeqGAN ...) beats ..."
# the state claims again at the positions the poster compared, as secondary rows
UNMATCHED = {"matched_auc": "state_auc", "matched_memo_auc": "memo_auc"}


def _unmatched(value: str) -> str:
    """A measure at the poster's positions in place of its matched version (``"x-y"`` measures too)."""
    return "-".join(UNMATCHED.get(part, part) for part in value.split("-"))


CLAIMS += tuple(
    Claim(
        f"{claim.text}, at the poster's positions (secondary)",
        tuple((_unmatched(value), a, b, wanted) for value, a, b, wanted in claim.comparisons),
        kind=claim.kind,
        digits=claim.digits,
        note=POSTER_POSITIONS,
        brief=f"{claim.brief} (poster's positions)",
        secondary=True,
    )
    for claim in CLAIMS
    if any(part in UNMATCHED for value, *_ in claim.comparisons for part in value.split("-"))
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


RELATIVE = ("minimal", "not worse")  # the kinds that compare a relative difference with SMALL


def measured(claim: Claim, comparison: tuple[str, str, str, int], frame: pd.DataFrame, index: str) -> pd.Series:
    """What one comparison of ``claim`` measures, one value per replicate: the level of strategy ``a``
    (``levels``), the relative difference ``(a − b) / b`` (``minimal``, ``not worse``) or the difference
    ``a − b`` (``paired``)."""
    value, a, b, _ = comparison
    if claim.kind == "levels":
        return frame.loc[frame.strategy == a, value].dropna()
    if claim.kind in RELATIVE:
        return _relative(frame, value, a, b, index)
    return _differences(frame, value, a, b, index)


def reading(claim: Claim, wanted: int, low: float, high: float) -> int:
    """Whether an interval ``[low, high]`` of :func:`measured` goes the claimed way (+1), the other way (-1)
    or neither (0). A mean reads as the interval ``[mean, mean]``. The one place each kind's thresholds are read.
    """
    if claim.kind == "levels":
        return 1 if low > LEVEL_HIGH else -1 if high < LEVEL_LOW else 0
    if claim.kind == "minimal":
        return 1 if -SMALL < low and high < SMALL else -1 if low >= SMALL or high <= -SMALL else 0
    if claim.kind == "not worse":
        return 1 if high < SMALL else -1 if low > SMALL else 0
    return intervals.sign(low, high) * wanted


def margin(claim: Claim, wanted: int, x: float) -> float:
    """How far one value of :func:`measured` lies on the claimed side of the claim's threshold (negative:
    the other side): above :data:`LEVEL_HIGH` for ``levels``, inside ±:data:`SMALL` for ``minimal``,
    below +:data:`SMALL` for ``not worse``, the wanted sign for ``paired``."""
    if claim.kind == "levels":
        return x - LEVEL_HIGH
    if claim.kind == "minimal":
        return SMALL - abs(x)
    if claim.kind == "not worse":
        return SMALL - x
    return x * wanted


def _evidence(claim: Claim, comparison: tuple[str, str, str, int], ci: tuple[float, float, float], first: bool) -> str:
    """One comparison's evidence for the verdicts table (``first``: the first of its claim)."""
    value, a, b, _ = comparison
    name = NAMES.get(value, value)
    if claim.kind in RELATIVE:
        return f"{name}, ({SHORT[a]} − {SHORT[b]}) / {SHORT[b]}: {intervals.format_ci(*(100 * x for x in ci), 1)} %"
    if claim.kind == "levels":
        return f"{name} {SHORT[a]}: {intervals.format_ci(*ci)}"
    label = f"{SHORT[a]}: {name}" if a == b else f"{SHORT[a]} − {SHORT[b]}"
    if a != b and first:  # the measure once, before the first difference
        label = f"{name}, {label}"
    return f"{label}: {intervals.format_ci(*ci, claim.digits)}"


ALPHA = (1 - intervals.LEVEL) / 2  # each one-sided test's level: a two-sided 95 % interval clear of a threshold


def _above(values: np.ndarray, threshold: float) -> float:
    return significance.one_sided_pvalue(values, threshold, above=True)


def _below(values: np.ndarray, threshold: float) -> float:
    return significance.one_sided_pvalue(values, threshold, above=False)


def p_values(claim: Claim, wanted: int, values: np.ndarray) -> tuple[float, float]:
    """One comparison's exact one-sided t-test p-values: that it goes the claimed way, and the other way.

    The ways are :func:`reading`'s, read as hypotheses about the mean: the wanted sign (``paired``), above
    :data:`LEVEL_HIGH` or below :data:`LEVEL_LOW` (``levels``), inside ±:data:`SMALL` (``minimal``, two
    one-sided tests: both must hold) or outside it (either side, doubled), below or above +:data:`SMALL`
    (``not worse``).
    """
    if claim.kind == "levels":
        return _above(values, LEVEL_HIGH), _below(values, LEVEL_LOW)
    if claim.kind == "minimal":
        inside = max(_above(values, -SMALL), _below(values, SMALL))
        outside = min(1.0, 2 * min(_above(values, SMALL), _below(values, -SMALL)))
        return inside, outside
    if claim.kind == "not worse":
        return _below(values, SMALL), _above(values, SMALL)
    return significance.one_sided_pvalue(values, above=wanted > 0), significance.one_sided_pvalue(
        values, above=wanted < 0
    )


def judge(claim: Claim, frame: pd.DataFrame, index: str = "seed") -> tuple[str, str, int, float, float]:
    """Evidence text, verdict, the number of paired replicates, and the claim's p-values for its two ways.

    The claim goes its way when every comparison does (an intersection of tests: the largest of their
    p-values, no correction needed); it goes the other way when any comparison does (a union: Holm's
    correction over its comparisons, the smallest adjusted p-value). The verdict here is at level
    :data:`ALPHA` per way for this claim alone; :func:`verdicts` corrects over the table's claims.
    """
    texts, counts, claimed, other = [], [], [], []
    for comparison in claim.comparisons:
        values = measured(claim, comparison, frame, index).to_numpy(dtype=float)
        counts.append(len(values))
        interval = significance.t_interval(values) if len(values) > 1 else (values.mean(),) * 3
        texts.append(_evidence(claim, comparison, interval, first=not texts))
        way_p, other_p = p_values(claim, comparison[3], values)
        claimed.append(way_p)
        other.append(other_p)
    n = min(counts)
    p_claimed, p_other = max(claimed), float(np.min(significance.holm(other)))
    if n < MIN_SEEDS:
        replicates = counted(n, "run" if index == "seed" else "round")
        verdict = (
            f"untested ({replicates}: {way(directions(claim, frame, index))})" if n else f"untested ({replicates})"
        )
    else:
        verdict = "supported" if p_claimed <= ALPHA else "contradicted" if p_other <= ALPHA else "inconclusive"
    text = "; ".join(texts) + (f" ({claim.note})" if claim.note else "")
    return text, verdict, n, p_claimed, p_other


def involved(claim: Claim) -> set[str]:
    """The strategies a claim compares."""
    return {name for _, a, b, _ in claim.comparisons for name in (a, b)}


def judged_claims(runs: pd.DataFrame, timings: pd.DataFrame | None = None) -> list[Claim]:
    """The claims a table judges: all but the speed claim without timings, and the SeqGAN claim without
    SeqGAN runs (a study of the poster's four strategies)."""
    return [
        claim
        for claim in CLAIMS
        if not (claim.source == "timings" and timings is None)
        and not (G in involved(claim) and G not in set(runs["strategy"]))
    ]


def verdicts(runs: pd.DataFrame, timings: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per claim: the poster's words, the evidence with t-intervals, the verdict and the replicates.

    Each judged claim (at least :data:`melodyreg.protocol.MIN_SEEDS` replicates) has two p-values
    (:func:`judge`); each way is corrected by Holm's procedure over the judged claims of the table
    (:func:`melodyreg.evaluation.significance.holm`), so the chance that any verdict of the table is
    wrong in a given way is at most :data:`ALPHA`. The columns ``p (claimed way)`` and ``p (other way)``
    hold the corrected values (to four decimals; empty for an untested claim). A family is the table's
    judged claims, the secondary rows (:attr:`Claim.secondary`) a family of their own, so that a second
    reading of a claim never weakens the test of the first (the report layer's ``family_note`` says so
    in words).

    Args:
        runs: :attr:`melodyreg.evaluation.evidence.Evidence.runs` (all four strategies).
        timings: step times per (strategy, round) for the speed claim; without them it is left out.
    """
    missing = {B, D, S, P} - set(runs["strategy"])
    if missing:
        raise ValueError(f"the claims compare all four strategies; no runs of {sorted(missing)}")
    rows = []
    for claim in judged_claims(runs, timings):
        frame, index = (runs, "seed") if claim.source == "runs" else (timings, "round")
        text, verdict, n, p_claimed, p_other = judge(claim, frame, index)
        rows.append(
            {
                "poster's claim": claim.text,
                "evidence (mean [interval] over seeds)": text,
                "verdict": verdict,
                "replicates": n,
                "p (claimed way)": p_claimed,
                "p (other way)": p_other,
            }
        )
    table = pd.DataFrame(rows)
    judged = ~table.verdict.str.startswith("untested")
    secondary = pd.Series([claim.secondary for claim in judged_claims(runs, timings)])
    for column in ("p (claimed way)", "p (other way)"):
        table[column] = table[column].where(judged)
        for family in (judged & ~secondary, judged & secondary):  # the poster's claims; their secondary readings
            if family.any():
                table.loc[family, column] = significance.holm(table.loc[family, column].to_numpy(dtype=float))
    supported = judged & (table["p (claimed way)"] <= ALPHA)
    contradicted = judged & ~supported & (table["p (other way)"] <= ALPHA)
    table.loc[judged, "verdict"] = "inconclusive"
    table.loc[supported, "verdict"] = "supported"
    table.loc[contradicted, "verdict"] = "contradicted"
    return table.round({"p (claimed way)": 4, "p (other way)": 4})


def is_secondary(table: pd.DataFrame) -> pd.Series:
    """Which rows of a :func:`verdicts` table are secondary readings (:attr:`Claim.secondary`)."""
    return table["poster's claim"].isin([claim.text for claim in CLAIMS if claim.secondary])


def directions(claim: Claim, frame: pd.DataFrame, index: str = "seed") -> list[int]:
    """Per comparison of ``claim``, whether the mean over the replicates goes the claimed way (+1), the
    other way (-1) or neither (0: a level between the two thresholds). A description, not a verdict."""
    found = []
    for comparison in claim.comparisons:
        mean = float(measured(claim, comparison, frame, index).mean())
        found.append(reading(claim, comparison[3], mean, mean))
    return found


def way(signs: list[int]) -> str:
    """:data:`CLAIMED_WAY` when every comparison goes the claimed way, :data:`OTHER_WAY` when every one goes
    the other, :data:`BOTH_WAYS` otherwise."""
    return CLAIMED_WAY if min(signs) > 0 else OTHER_WAY if max(signs) < 0 else BOTH_WAYS


def direction(claim: Claim, frame: pd.DataFrame) -> tuple[float, bool]:
    """At one seed: the claim's smallest :func:`margin` over its comparisons and whether every comparison
    goes the claimed way."""
    margins = [
        margin(claim, comparison[3], float(measured(claim, comparison, frame, "seed").iloc[0]))
        for comparison in claim.comparisons
    ]
    return min(margins), min(margins) > 0
