"""The evaluation chapter's figures (melodyreg.report.figures): what a profile without a tuning grid shows."""

from types import SimpleNamespace

import pandas as pd

from melodyreg.report import display as show
from melodyreg.report import figures


def comparison(robustness: pd.DataFrame, tuned: bool) -> SimpleNamespace:
    return SimpleNamespace(robustness=robustness, study=SimpleNamespace(tuned=tuned))


def test_without_a_tuning_grid_the_robustness_figures_and_the_chosen_settings_are_left_out():
    c = comparison(pd.DataFrame(), tuned=False)
    assert figures.robustness_map(c) is None and figures.flips(c) is None and figures.hinges(c) is None
    assert figures.robustness_rows(c) is None and figures.chosen(c) is None
    assert show.listed(None, "caption", "rows.csv", name="tbl-x") is None  # a left-out table shows as nothing


def test_the_loss_curves_take_the_title_of_their_phase(monkeypatch):
    drawn = []
    monkeypatch.setattr(figures.regularizers, "curves", lambda study: "curves")
    monkeypatch.setattr(figures.plots, "loss_curves", lambda curves, phase, title: drawn.append((phase, title)))
    figures.loss_curves(comparison(pd.DataFrame(), tuned=True), "train")
    figures.loss_curves(comparison(pd.DataFrame(), tuned=True), "eval")
    assert drawn == [
        ("train", "Training loss, all strategies (moving mean over 50 iterations)"),
        ("eval", "Validation loss, all strategies (teacher-forced, no dropout)"),
    ]
