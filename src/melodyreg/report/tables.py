"""The evaluation's tables for reading: strategies by display label, numbers as mean [interval] over seeds.

The evaluation layer keeps strategies by name (:mod:`melodyreg.evaluation.evidence`'s
frames); the report layer turns a name into its label (:func:`label`) and a column of
per-seed values into ``mean [low, high]`` with the book's bootstrap intervals
(:func:`interval_table`, :func:`paired_table`), as the chapters show them. Frames for charts
(:func:`feature_overview`) keep strategies by name: :mod:`melodyreg.report.plots` labels them.
"""

from __future__ import annotations

import pandas as pd

from melodyreg import constants as C
from melodyreg.evaluation import intervals
from melodyreg.evaluation.evidence import Evidence
from melodyreg.report.display import strategy_label
from melodyreg.report.sentences import strategy_name


def label(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``strategy`` names replaced by their display labels."""
    return frame.assign(strategy=frame["strategy"].map(strategy_label))


def interval_table(runs: pd.DataFrame, columns: dict[str, str], digits: int = 3) -> pd.DataFrame:
    """Per strategy (display label), each of ``columns`` (name → heading) as ``mean [low, high]`` over seeds."""
    table = {}
    for name, heading in columns.items():
        summary = intervals.summarise(runs, name).set_index("strategy")
        table[heading] = {s: intervals.format_ci(r["mean"], r["low"], r["high"], digits) for s, r in summary.iterrows()}
    frame = pd.DataFrame(table)
    frame.insert(0, "seeds", runs.groupby("strategy").size())
    return label(frame.rename_axis("strategy").reset_index())


def paired_table(runs: pd.DataFrame, columns: dict[str, str], digits: int = 3) -> pd.DataFrame:
    """Per strategy but the baseline: each of ``columns`` as the paired difference to the baseline."""
    table = {}
    for name, heading in columns.items():
        diff = intervals.paired(runs, name).set_index("strategy")
        table[heading] = {
            s: intervals.format_ci(r["difference"], r["low"], r["high"], digits) for s, r in diff.iterrows()
        }
    return label(pd.DataFrame(table).rename_axis("strategy").reset_index())


def likelihood_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The poster's "log likelihood" column beside ours (mean [interval] over seeds) and the held-out NLL."""
    table = interval_table(
        runs,
        {
            "log_likelihood": "ours: log-likelihood of a generated melody",
            "log_likelihood_per_event": "ours: per sampled event",
            "nll": "held-out NLL per event",
        },
        digits=3,
    )
    names = {strategy_label(k): v for k, v in C.POSTER_LOG_LIKELIHOOD.items()}
    table.insert(1, "poster", table["strategy"].map(names))
    return table


def feature_overview(evidence: Evidence) -> pd.DataFrame:
    """Mean overlap per (strategy name, feature) over seeds, with the real-vs-real reference as one more set
    (for :func:`melodyreg.report.plots.feature_chart`, which labels the strategies)."""
    overlap = evidence.features.groupby(["strategy", "feature"], as_index=False)["overlap"].mean()
    return pd.concat([overlap, evidence.reference_features[["strategy", "feature", "overlap"]]], ignore_index=True)


def robustness_display(table: pd.DataFrame) -> pd.DataFrame:
    """:func:`melodyreg.evaluation.tuning.robustness` for readers: the claim's few words, strategies in
    words, the chosen setting ticked, margins and the seed spread to three decimals, "holds" as yes or no."""
    return pd.DataFrame(
        {
            "claim": table.brief,
            "strategy": table.strategy.map(strategy_name),
            "setting": table.setting,
            "chosen": table.selected.map(lambda chosen: "✓" if chosen else ""),
            "margin": table.margin.map(lambda v: f"{v:+.3f}"),
            "seed spread": table.seed_spread.map(lambda v: "—" if v != v else f"{v:.3f}"),
            "holds": table.holds.map(lambda held: "yes" if held else "no"),
        }
    )
