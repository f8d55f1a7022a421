"""The evaluation tables: every run measured once, the same numbers on a rerun, sensible shapes."""

import pandas as pd
import pytest

from conftest import tiny_config
from melodyreg.config import STRATEGIES
from melodyreg.evaluation import evidence
from melodyreg.runs import sweep
from melodyreg.runs.study import Study

pytestmark = pytest.mark.slow  # trains a study's runs


@pytest.fixture(scope="module")
def tiny_study(folk_corpus, folk_split, tmp_path_factory):
    """Two seeds of every strategy and one sensitivity setting, at toy size."""
    runs_dir = tmp_path_factory.mktemp("runs")
    grid = {(name, seed): tiny_config(name, iterations=3, seed=seed) for seed in (2017, 2018) for name in STRATEGIES}
    swept = tiny_config("dropout", iterations=3, seed=2017, dropout_rate=0.25)
    configs = [*grid.values(), swept]
    runs = dict(
        zip(configs, sweep.ensure_runs(configs, folk_corpus, folk_split, runs_dir=runs_dir, workers=1, progress=False))
    )
    seed_runs = {key: runs[c] for key, c in grid.items()}
    sensitivity = [
        {
            "knob": "dropout rate",
            "strategy": "dropout",
            "setting": "0.5 (default)",
            "default": True,
            "run": seed_runs[("dropout", 2017)],
        },
        {"knob": "dropout rate", "strategy": "dropout", "setting": "0.25", "default": False, "run": runs[swept]},
    ]
    return Study(
        "smoke",
        2017,
        folk_corpus,
        folk_split,
        {n: seed_runs[(n, 2017)] for n in STRATEGIES},
        (2017, 2018),
        seed_runs,
        sensitivity,
    )


OPTIONS = {
    "num": 3,
    "steps": 24,
    "per_side": 40,
    "permutations": 20,
    "reference_melodies": 12,
    "prefixes": (1, 4),
    "continuation": 4,
    "exposure_melodies": 6,
    "progress": False,
}


@pytest.fixture(scope="module")
def found(tiny_study):
    return evidence.gather(tiny_study, **OPTIONS)


def test_every_run_is_measured_once(found):
    runs = found.runs
    assert len(runs) == 8 and set(zip(runs.strategy, runs.seed)) == {(n, s) for n in STRATEGIES for s in (2017, 2018)}
    for column in ("nll", "accuracy_note", "state_auc", "mmd_p", "log_likelihood", "train_loss", "seconds"):
        assert runs[column].notna().all(), column
    assert ((runs.state_auc >= 0) & (runs.state_auc <= 1)).all()
    assert (runs.log_likelihood < 0).all()
    assert len(found.exposure) == 8 * 2 and (found.exposure[found.exposure.prefix == 1].gap == 0).all()
    assert len(found.features) == 8 * 9 and len(found.reference_features) == 9
    assert found.sensitivity.setting.tolist() == ["0.5 (default)", "0.25"]
    # the default setting is the seed-2017 dropout run, measured the same way
    default = found.sensitivity.iloc[0]
    dropout = runs[(runs.strategy == "dropout") & (runs.seed == 2017)].iloc[0]
    assert default["nll"] == dropout["nll"] and default["state_auc"] == dropout["state_auc"]


def test_a_rerun_gives_the_same_tables(tiny_study, found):
    again = evidence.gather(tiny_study, **OPTIONS)
    pd.testing.assert_frame_equal(again.runs.drop(columns="seconds"), found.runs.drop(columns="seconds"))
    pd.testing.assert_frame_equal(again.exposure, found.exposure)
    pd.testing.assert_frame_equal(again.features, found.features)


def test_shared_model_measures_like_a_fresh_one(tiny_study):
    run = tiny_study.seed_runs[("scheduled_sampling", 2018)]
    options = {k: v for k, v in OPTIONS.items() if k in ("num", "steps", "per_side", "permutations")}
    from melodyreg.data.windows import Batcher, eval_windows

    held_out = eval_windows(tiny_study.melodies("eval"), run.config.train.window, 10**9)
    batch = Batcher(tiny_study.melodies("train"), run.config.train.window, 5, 2017).batch(0)
    models = {}
    evidence.measure_run(
        tiny_study.seed_runs[("baseline", 2017)],
        tiny_study,
        held_out=held_out,
        state_batch=batch,
        temperature=1.0,
        models=models,
        **options,
    )
    shared, _ = evidence.measure_run(
        run, tiny_study, held_out=held_out, state_batch=batch, temperature=1.0, models=models, **options
    )
    fresh, _ = evidence.measure_run(run, tiny_study, held_out=held_out, state_batch=batch, temperature=1.0, **options)
    assert shared == fresh


def test_tables_for_the_chapter(found):
    table = evidence.interval_table(found.runs, {"nll": "NLL"})
    assert table.strategy.tolist() == ["Baseline", "Dropout", "Scheduled sampling", "Professor forcing"]
    assert (table.seeds == 2).all() and table.NLL.str.contains(r"\[").all()
    paired = evidence.paired_table(found.runs, {"nll": "Δ"})
    assert paired.strategy.tolist() == ["Dropout", "Scheduled sampling", "Professor forcing"]
    likelihood = evidence.likelihood_table(found.runs)
    assert likelihood.poster.tolist() == [-280.3, -235.5, -205.4, -226.2]
    overview = evidence.feature_overview(found)
    assert set(overview.strategy) == {*table.strategy, "real (training melodies)"} and len(overview) == 5 * 9
