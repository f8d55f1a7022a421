"""The evaluation chapter's charts and tables that need more than one call: one function per figure.

A chapter cell then reads ``show.figure(figures.tsne(evaluated), "fig-tsne", caption)``: which runs,
which measures and what a missing grid shows are decided here, where they are tested, and the
chapter keeps only its narrative and captions. Each takes the chapter's
:class:`~melodyreg.evaluation.comparison.Comparison`; a table or chart that a profile cannot make
(no tuning grid at ``poster``) is ``None``, which :mod:`melodyreg.report.display` shows as a note.
"""

from __future__ import annotations

import altair as alt
import pandas as pd

from melodyreg.evaluation import intervals, speed, states, tuning
from melodyreg.evaluation.comparison import Comparison
from melodyreg.report import findings, plots, regularizers, tables


def tsne(c: Comparison) -> alt.Chart:
    """t-SNE panels of teacher-forced against free-running hidden states, one per strategy (first seed, the
    poster's positions; :func:`melodyreg.evaluation.states.hidden_state_sets`)."""
    hidden = states.hidden_state_sets(c.study, c.evidence.samples, c.evidence.sample_runs, per_side=c.per_side)
    return plots.tsne_chart(states.tsne_frame(hidden, c.study.seed))


def state_auc(c: Comparison) -> alt.Chart:
    """The classifier AUC between teacher-forced and free-running states at matched positions, per seed and
    strategy, against 0.5."""
    return plots.interval_chart(
        c.nll_runs,
        "matched_auc",
        "Teacher-forced vs free-running hidden states at matched positions: classifier AUC",
        "ROC AUC (0.5 = indistinguishable)",
        reference=0.5,
    )


def own_likelihood(c: Comparison) -> alt.Chart:
    """The poster's log-likelihood of a model's own melodies against the sampling temperature."""
    return plots.curve_chart(
        intervals.summarise(c.sweep, "own_ll", by=["strategy", "temperature"]),
        "temperature",
        "sampling temperature",
        "The poster's measure across temperatures",
        "log-likelihood of a generated melody (own model)",
    )


def exposure(c: Comparison) -> alt.Chart:
    """Exposure bias (own minus another melody's beginning) against the length of the beginning."""
    return plots.exposure_chart(
        intervals.summarise(c.evidence.exposure, "excess", by=["strategy", "prefix"]),
        f"Exposure bias: NLL after own minus after another melody's beginning ({c.coverage})",
    )


def robustness_map(c: Comparison) -> alt.Chart | None:
    """Every claim at every tuning setting (``None`` without a tuning grid)."""
    return plots.robustness_chart(c.robustness, "Each claim at every tuning setting") if len(c.robustness) else None


def flips(c: Comparison) -> pd.DataFrame | None:
    """:func:`melodyreg.evaluation.tuning.flips` of the robustness map (``None`` without a tuning grid)."""
    return tuning.flips(c.robustness) if len(c.robustness) else None


def hinges(c: Comparison) -> pd.DataFrame | None:
    """:func:`melodyreg.evaluation.tuning.hinges` of the robustness map (``None`` without a tuning grid)."""
    return tuning.hinges(c.robustness) if len(c.robustness) else None


def robustness_rows(c: Comparison) -> pd.DataFrame | None:
    """The robustness map as rows formatted for reading (``None`` without a tuning grid)."""
    return tables.robustness_display(c.robustness) if len(c.robustness) else None


def held_out_nll(c: Comparison) -> alt.Chart:
    """Held-out NLL per event, per seed and strategy, with the intervals over seeds."""
    return plots.interval_chart(c.nll_runs, "nll", "Held-out NLL per event", "nats per event (lower is better)")


def sample_likelihood(c: Comparison) -> alt.Chart:
    """The poster's log-likelihood of each generated melody under its own model."""
    return plots.likelihood_chart(regularizers.sample_frame(c.evidence.samples))


def features(c: Comparison) -> alt.Chart:
    """Overlap of generated with held-out melodies per symbolic feature, with real training melodies for
    reference."""
    return plots.feature_chart(
        tables.feature_overview(c.evidence),
        "Overlap with held-out melodies per feature (mean over seeds; 1 = as close as real melodies)",
    )


def frontier(c: Comparison) -> alt.Chart:
    """Quality (overlap with test melodies) against diversity across sampling temperatures."""
    return plots.frontier_chart(c.sweep, "overlap", "intra_ratio", "Quality against diversity")


def diversity(c: Comparison) -> pd.DataFrame:
    """Quality and diversity at temperature 1, mean [interval] over seeds."""
    return tables.interval_table(c.sweep[c.sweep.temperature == 1.0], findings.DIVERSITY)


def step_times(c: Comparison) -> pd.DataFrame:
    """Milliseconds per training step at the chosen settings, by display label."""
    return tables.label(speed.step_display(c.timings))


def loss_curves(c: Comparison, phase: str) -> alt.Chart:
    """Training (``train``, moving mean over 50 iterations) or validation (``eval``) loss of every strategy's
    first-seed run."""
    titles = {
        "train": "Training loss, all strategies (moving mean over 50 iterations)",
        "eval": "Validation loss, all strategies (teacher-forced, no dropout)",
    }
    return plots.loss_curves(regularizers.curves(c.study), phase, titles[phase])


def chosen(c: Comparison) -> pd.DataFrame | None:
    """The setting each rule chose per strategy (``None`` at a profile that does not tune)."""
    return findings.chosen_settings(c) if c.study.tuned else None


def longest_exposure(c: Comparison) -> pd.DataFrame:
    """The three continuation costs after the longest beginning, mean [interval] over seeds."""
    return tables.interval_table(findings.longest_exposure(c.evidence.exposure), findings.EXPOSURE)
