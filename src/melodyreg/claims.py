"""The poster's Discussion and Conclusion, claim by claim, checked against the numbers of this run.

Each claim is a rule over measured quantities; the verdict is computed, never
written by hand. With one seed per strategy, a verdict says what this run
shows, not what holds in general (more seeds give intervals).

Measured quantities (see :mod:`melodyreg.study`):
    separability: accuracy of a classifier telling training from generation
        hidden states (0.5 = indistinguishable);
    train loss / eval loss: final training loss (mean over the last 10 % of
        iterations) and held-out NLL per event;
    log-likelihood: mean over the generated melodies (the poster's table);
    training seconds: wall time of each run.
"""

from __future__ import annotations

import pandas as pd

SMALL = 0.02  # relative difference below which two losses count as "minimal difference"


def _verdict(condition: bool, opposite: bool) -> str:
    return "supported" if condition else "contradicted" if opposite else "inconclusive"


def verdicts(losses: pd.DataFrame, likelihood: pd.DataFrame, separability: pd.DataFrame) -> pd.DataFrame:
    """One row per claim: what the poster says, what this run measured, and the verdict.

    Args:
        losses: :func:`melodyreg.study.final_losses`.
        likelihood: per strategy ``strategy`` (internal name) and ``log_likelihood`` (mean).
        separability: :func:`melodyreg.study.state_separability`.
    """
    loss = losses.set_index("strategy")
    ll = likelihood.set_index("strategy")["log_likelihood"]
    sep = separability.set_index("strategy")["separability"]
    b, d, s, p = "baseline", "dropout", "scheduled_sampling", "professor_forcing"
    rows = []

    def add(claim, measured, condition, opposite):
        rows.append({"poster's claim": claim, "this run": measured, "verdict": _verdict(condition, opposite)})

    add("Clear disparity between training and generation hidden states for baseline and dropout",
        f"separability baseline {sep[b]:.2f}, dropout {sep[d]:.2f} (0.5 = none)",
        sep[b] >= 0.75 and sep[d] >= 0.75, sep[b] < 0.6 and sep[d] < 0.6)
    add("Scheduled sampling and professor forcing bring training and generation states closer",
        f"separability SS {sep[s]:.2f}, PF {sep[p]:.2f} vs baseline {sep[b]:.2f}, dropout {sep[d]:.2f}",
        max(sep[s], sep[p]) < min(sep[b], sep[d]), min(sep[s], sep[p]) > max(sep[b], sep[d]))
    rel = abs(loss.loc[d, "eval loss"] - loss.loc[b, "eval loss"]) / loss.loc[b, "eval loss"]
    add("Minimal difference between baseline and dropout",
        f"held-out NLL baseline {loss.loc[b, 'eval loss']:.3f}, dropout {loss.loc[d, 'eval loss']:.3f} "
        f"({rel:.1%} apart; minimal = under {SMALL:.0%})", rel < SMALL, rel >= SMALL)
    add("Scheduled sampling and professor forcing do worse in training",
        f"training loss baseline {loss.loc[b, 'train loss']:.3f}, SS {loss.loc[s, 'train loss']:.3f}, "
        f"PF {loss.loc[p, 'train loss']:.3f}",
        min(loss.loc[s, "train loss"], loss.loc[p, "train loss"]) > loss.loc[b, "train loss"],
        max(loss.loc[s, "train loss"], loss.loc[p, "train loss"]) < loss.loc[b, "train loss"])
    add("Scheduled sampling does slightly better in evaluation (a regularizing effect)",
        f"held-out NLL SS {loss.loc[s, 'eval loss']:.3f} vs baseline {loss.loc[b, 'eval loss']:.3f}",
        loss.loc[s, "eval loss"] < loss.loc[b, "eval loss"], loss.loc[s, "eval loss"] >= loss.loc[b, "eval loss"])
    best = ll.idxmax()
    add("Scheduled sampling generates melodies with the highest log-likelihood",
        f"highest: {best} ({ll[best]:.1f}); SS {ll[s]:.1f}", best == s, best != s)
    add("Scheduled sampling and professor forcing outperform baseline and dropout (log-likelihood)",
        f"SS {ll[s]:.1f}, PF {ll[p]:.1f} vs baseline {ll[b]:.1f}, dropout {ll[d]:.1f}",
        min(ll[s], ll[p]) > max(ll[b], ll[d]), max(ll[s], ll[p]) < min(ll[b], ll[d]))
    closest = sep.idxmin()
    add("Scheduled sampling shows the highest similarity between training and generation states",
        f"lowest separability: {closest} ({sep[closest]:.2f}); SS {sep[s]:.2f}", closest == s, closest != s)
    add("Scheduled sampling trains faster than professor forcing",
        f"{loss.loc[s, 'training seconds']:.0f} s vs {loss.loc[p, 'training seconds']:.0f} s",
        loss.loc[s, "training seconds"] < loss.loc[p, "training seconds"],
        loss.loc[s, "training seconds"] >= loss.loc[p, "training seconds"])
    fit = loss["eval loss"].idxmin()
    add("Scheduled sampling is the most effective regularizer (judged here by held-out NLL)",
        f"lowest held-out NLL: {fit} ({loss.loc[fit, 'eval loss']:.3f})", fit == s, fit != s)
    return pd.DataFrame(rows)
