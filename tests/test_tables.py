"""The evaluation's tables for reading, from hand-made per-seed frames."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from melodyreg.report import tables

ORDER = ["baseline", "dropout", "scheduled_sampling", "professor_forcing"]


def runs(seeds=(0, 1, 2), **columns) -> pd.DataFrame:
    """One row per (strategy, seed); each column's per-strategy level plus 0.01 × seed."""
    return pd.DataFrame(
        [
            {"strategy": name, "seed": s, **{c: v[i] + 0.01 * s for c, v in columns.items()}}
            for s in seeds
            for i, name in enumerate(ORDER)
        ]
    )


def test_label_replaces_names_by_display_labels_and_keeps_unknown_ones():
    frame = pd.DataFrame({"strategy": ["scheduled_sampling", "real (training melodies)"], "x": [1, 2]})
    assert tables.label(frame).strategy.tolist() == ["Scheduled sampling", "real (training melodies)"]
    assert frame.strategy.iloc[0] == "scheduled_sampling"  # a copy, the input unchanged


def test_the_interval_table_gives_seeds_and_mean_with_interval_per_strategy():
    table = tables.interval_table(runs(nll=[1.0, 1.1, 1.2, 1.3]), {"nll": "NLL"})
    assert table.strategy.tolist() == ["Baseline", "Dropout", "Scheduled sampling", "Professor forcing"]
    assert table.seeds.tolist() == [3, 3, 3, 3]
    assert table.NLL.iloc[0].startswith("1.010 [")  # the mean of 1.00, 1.01 and 1.02


def test_the_paired_table_differs_from_the_baseline_seed_by_seed():
    table = tables.paired_table(runs(nll=[1.0, 1.1, 1.2, 1.3]), {"nll": "Δ NLL"})
    assert table.strategy.tolist() == ["Dropout", "Scheduled sampling", "Professor forcing"]
    assert table["Δ NLL"].tolist()[0] == "0.100"  # the same difference at every seed: no interval to show


def test_the_likelihood_table_sets_the_posters_values_beside_ours():
    frame = runs(log_likelihood=[-280.0, -235.0, -205.0, -226.0], log_likelihood_per_event=[-2.0] * 4, nll=[1.0] * 4)
    table = tables.likelihood_table(frame)
    assert list(table.columns[:2]) == ["strategy", "poster"]
    assert table.poster.tolist() == [-280.3, -235.5, -205.4, -226.2]


def test_the_feature_overview_adds_real_music_as_one_more_set():
    features = pd.DataFrame(
        [{"strategy": n, "seed": s, "feature": "pitch_count", "overlap": 0.5 + 0.1 * s} for n in ORDER for s in (0, 1)]
    )
    reference = pd.DataFrame({"strategy": ["real (training melodies)"], "feature": ["pitch_count"], "overlap": [0.9]})
    overview = tables.feature_overview(SimpleNamespace(features=features, reference_features=reference))
    assert len(overview) == 5 and overview.overlap.round(2).tolist() == [0.55, 0.55, 0.55, 0.55, 0.9]
    assert overview.strategy.tolist()[:2] == ["baseline", "dropout"]  # by name: the chart labels them


def test_the_robustness_table_reads_as_words():
    table = pd.DataFrame(
        [
            {"brief": "SS short", "strategy": "scheduled_sampling", "setting": "ss_k = 1000", "holds": True},
            {"brief": "SS short", "strategy": "scheduled_sampling", "setting": "ss_k = 500", "holds": False},
        ]
    ).assign(selected=[True, False], margin=[0.01234, -0.2], seed_spread=[0.02, float("nan")])
    shown = tables.robustness_display(table)
    assert shown.to_dict("records") == [
        {"claim": "SS short", "strategy": "scheduled sampling", "setting": "ss_k = 1000", "chosen": "✓",
         "margin": "+0.012", "seed spread": "0.020", "holds": "yes"},
        {"claim": "SS short", "strategy": "scheduled sampling", "setting": "ss_k = 500", "chosen": "",
         "margin": "-0.200", "seed spread": "—", "holds": "no"},
    ]  # fmt: skip
