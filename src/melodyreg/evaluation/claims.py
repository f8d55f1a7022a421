"""The poster's Discussion and Conclusion, claim by claim, judged on the study's runs with intervals.

Each claim becomes a set of paired comparisons between strategies over the
training seeds (strategy A at seed *s* against strategy B at seed *s*). A
comparison counts when the 95 % bootstrap interval of the mean difference
excludes zero. A claim is

* **supported** when every comparison it needs goes its way with an interval
  that excludes zero;
* **contradicted** when at least one goes the other way with an interval that
  excludes zero (for "minimal difference": when the interval lies wholly outside
  the ±2 % band);
* **inconclusive** otherwise.

With one seed the intervals are single points, so every non-zero difference
"counts": a verdict then describes that run, not what holds in general. The
intervals are expanded percentile bootstrap intervals (:mod:`melodyreg.evaluation.intervals`),
about 92 % coverage at 5 seeds for normal data; an exact sign-flip test could
not reach p < 0.05 with 5 paired seeds at all (its smallest p-value is 1/16).

Measured quantities, one row per (strategy, seed) (see :mod:`melodyreg.evaluation.evidence`):
``state_auc`` (training vs generation hidden states, 0.5 = indistinguishable),
``train_loss``, ``nll`` (held-out NLL per event), ``log_likelihood`` (mean over
the generated melodies, the poster's table) and ``seconds`` (training wall time).
"""

from __future__ import annotations

import pandas as pd

from melodyreg.evaluation import intervals

SMALL = 0.02  # relative difference below which two losses count as "minimal difference"
SHORT = {"baseline": "baseline", "dropout": "dropout", "scheduled_sampling": "SS", "professor_forcing": "PF"}
B, D, S, P = "baseline", "dropout", "scheduled_sampling", "professor_forcing"


def _pair(runs: pd.DataFrame, value: str, a: str, b: str) -> tuple[float, float, float]:
    wide = runs.pivot_table(index="seed", columns="strategy", values=value, aggfunc="first")[[a, b]].dropna()
    if wide.empty:
        raise ValueError(f"{a!r} and {b!r} share no seed")
    return intervals.bootstrap_ci((wide[a] - wide[b]).to_numpy())


def _level(runs: pd.DataFrame, value: str, name: str) -> tuple[float, float, float]:
    return intervals.bootstrap_ci(runs.loc[runs.strategy == name, value].dropna().to_numpy())


def _judge(comparisons: list[tuple[str, str, str, int]], runs: pd.DataFrame, digits: int) -> tuple[str, str]:
    """``comparisons``: (value, a, b, wanted sign of a − b). Returns (evidence text, verdict)."""
    texts, signs = [], []
    for value, a, b, wanted in comparisons:
        mean, low, high = _pair(runs, value, a, b)
        texts.append(f"{SHORT[a]} − {SHORT[b]}: {intervals.format_ci(mean, low, high, digits)}")
        signs.append(intervals.sign(low, high) * wanted)
    verdict = "contradicted" if min(signs) < 0 else "supported" if min(signs) > 0 else "inconclusive"
    return "; ".join(texts), verdict


def verdicts(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: the poster's words, the evidence with intervals, and the verdict.

    Args:
        runs: :attr:`melodyreg.evaluation.evidence.Evidence.runs` (all four strategies).
    """
    missing = {B, D, S, P} - set(runs["strategy"])
    if missing:
        raise ValueError(f"the claims compare all four strategies; no runs of {sorted(missing)}")
    rows = []

    def add(claim: str, evidence: str, verdict: str) -> None:
        rows.append(
            {"poster's claim": claim, "evidence (mean [95 % interval] over seeds)": evidence, "verdict": verdict}
        )

    # 1. disparity for baseline and dropout: AUC clearly above chance
    levels = {n: _level(runs, "state_auc", n) for n in (B, D)}
    text = "; ".join(f"AUC {SHORT[n]}: {intervals.format_ci(*levels[n])}" for n in (B, D))
    # supported if both are clearly above 0.75; contradicted if either is clearly below 0.6
    verdict = (
        "supported"
        if min(levels[n][1] for n in levels) > 0.75
        else "contradicted"
        if min(levels[n][2] for n in levels) < 0.6
        else "inconclusive"
    )
    add(
        "Clear disparity between training and generation hidden states for baseline and dropout",
        text + " (0.5 = none; supported above 0.75, contradicted below 0.6)",
        verdict,
    )
    add(
        "Scheduled sampling and professor forcing bring training and generation states closer",
        *_judge([("state_auc", x, y, -1) for x in (S, P) for y in (B, D)], runs, 3),
    )
    # 3. minimal difference: the relative paired difference inside ±SMALL
    wide = runs.pivot_table(index="seed", columns="strategy", values="nll", aggfunc="first")[[D, B]].dropna()
    mean, low, high = intervals.bootstrap_ci(((wide[D] - wide[B]) / wide[B]).to_numpy())
    verdict = (
        "supported"
        if -SMALL < low and high < SMALL
        else "contradicted"
        if low >= SMALL or high <= -SMALL
        else "inconclusive"
    )
    add(
        "Minimal difference between baseline and dropout",
        "held-out NLL, (dropout − baseline) / baseline: "
        f"{intervals.format_ci(100 * mean, 100 * low, 100 * high, 1)} % "
        f"(minimal = within ±{SMALL:.0%})",
        verdict,
    )
    text, verdict = _judge([("train_loss", x, B, +1) for x in (S, P)], runs, 3)
    add(
        "Scheduled sampling and professor forcing do worse in training",
        text + " (each strategy's training loss as logged: scheduled sampling's on its mixed inputs)",
        verdict,
    )
    add(
        "Scheduled sampling does slightly better in evaluation (a regularizing effect)",
        *_judge([("nll", S, B, -1)], runs, 3),
    )
    add(
        "Scheduled sampling generates melodies with the highest log-likelihood",
        *_judge([("log_likelihood", S, x, +1) for x in (B, D, P)], runs, 1),
    )
    add(
        "Scheduled sampling and professor forcing outperform baseline and dropout (log-likelihood)",
        *_judge([("log_likelihood", x, y, +1) for x in (S, P) for y in (B, D)], runs, 1),
    )
    add(
        "Scheduled sampling shows the highest similarity between training and generation states",
        *_judge([("state_auc", S, x, -1) for x in (B, D, P)], runs, 3),
    )
    text, verdict = _judge([("seconds", S, P, -1)], runs, 0)
    add(
        "Scheduled sampling trains faster than professor forcing (wall seconds)",
        text + " s (runs sharing the machine's cores; benchmarks/train_step.py times steps alone)",
        verdict,
    )
    add(
        "Scheduled sampling is the most effective regularizer (judged here by held-out NLL)",
        *_judge([("nll", S, x, -1) for x in (B, D, P)], runs, 3),
    )
    return pd.DataFrame(rows)
