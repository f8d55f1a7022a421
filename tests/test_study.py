"""The study's runs: the poster's protocol (defaults × seeds) and the tuned one (grid, choice, seeds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from helpers import TINY_STUDY
from melodyreg import config, protocol
from melodyreg.config import STRATEGIES
from melodyreg.evaluation import histories
from melodyreg.report import regularizers
from melodyreg.runs import study
from melodyreg.typecheck import ConfigError

SLOW = pytest.mark.slow  # trains a study's runs


def folders(path):
    return [p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")]


@SLOW
def test_the_posters_protocol_trains_every_strategy_at_its_default_at_every_seed(tmp_path):
    overrides = {"iterations": 2, "eval_every": 2, "checkpoint_every": 2}
    plain = study.run_study("smoke", num_seeds=2, workers=1, overrides=overrides, runs_dir=tmp_path, tuning=False)
    assert set(plain.seed_runs()) == {(name, seed) for name in STRATEGIES for seed in plain.seeds}
    assert len(plain.seeds) == 2 and plain.grid == [] and not plain.tuned
    assert plain.selected == {"nll": {name: {} for name in STRATEGIES}}
    assert len(folders(tmp_path)) == 2 * len(STRATEGIES)
    # every run trains on the split of the study's first seed
    assert {run.config.split_seed for run in plain.final.values()} == {plain.seed}


@SLOW
def test_the_tuned_protocol_spends_the_same_budget_on_every_strategy(tiny_tuned_study):
    first, tuning, final = tiny_tuned_study
    counts = {name: sum(row["strategy"] == name for row in first.grid) for name in STRATEGIES}
    assert counts == {name: protocol.BUDGET["smoke"] for name in STRATEGIES}  # the baseline included
    # the default runs the chapters show are grid runs, not extra ones
    grid_folders = {row["run"].folder for row in first.grid}
    assert {run.folder for run in first.runs.values()} <= grid_folders
    assert first.final == {} and first.tuned
    # the final comparison: every rule's choice at fresh seeds; no final run is a tuning run
    assert set(tuning.selected) == {"nll", "quality"}
    assert first.seed not in first.seeds
    assert not {run.folder for run in final.final.values()} & grid_folders
    for (rule, name, seed), run in final.final.items():
        assert run.config.split_seed == first.seed
        chosen = config.experiment_config(
            "smoke",
            name,
            seed=seed,
            split_seed=first.seed,
            split_digest=first.parts.digest,
            data=run.config.data,
            **{**TINY_STUDY, **tuning.selected[rule][name]},
        )
        assert run.config == chosen
    assert {seed for (rule, _, seed) in final.final if rule == "nll"} == set(first.seeds)
    # professor forcing as published, at every seed of the comparison, beside the setting its budget chose
    assert set(final.published) == set(first.seeds)
    assert all(
        {k: getattr(run.config.strategy, k) for k in protocol.PUBLISHED_PF} == protocol.PUBLISHED_PF
        for run in final.published.values()
    )


@SLOW
def test_professor_forcings_three_designs_are_trained_once_at_the_first_seed(tiny_tuned_study):
    first = tiny_tuned_study[0]
    assert tuple(first.designs) == protocol.PF_DESIGNS["smoke"]
    assert {run.config.strategy.pf_adversarial for run in first.designs.values()} == set(protocol.PF_DESIGNS["smoke"])
    pf_default = first.runs["professor_forcing"]
    assert first.designs[pf_default.config.strategy.pf_adversarial].folder == pf_default.folder  # not trained twice
    table = histories.design_table(first)
    assert table.run.tolist() == ["baseline"] + [f"professor forcing ({d})" for d in protocol.PF_DESIGNS["smoke"]]
    assert table["adversarial term on (share)"].iloc[1:].between(0, 1).all()
    curves = regularizers.design_curves(first)
    assert set(curves.strategy) == {"baseline"} | {f"Professor forcing ({d})" for d in protocol.PF_DESIGNS["smoke"]}


@SLOW
def test_seqgan_starts_from_the_baseline_validation_nll_chose_and_trains_no_baseline_of_its_own(tiny_tuned_study):
    first, tuning, final = tiny_tuned_study
    chosen = tuning.selected["nll"]["baseline"]
    grid = {row["run"].folder: row for row in first.grid}
    seqgan_rows = [row for row in first.grid if row["strategy"] == "seqgan"]
    assert len(seqgan_rows) == protocol.BUDGET["smoke"]
    for row in seqgan_rows:  # tuning: from the chosen baseline tuning run, whatever SeqGAN's own knobs
        base = grid.get(study.pretraining_run(first, row["run"]).folder, {})
        assert base.get("strategy") == "baseline" and base.get("overrides") == chosen, row["setting"]
    for (rule, name, seed), run in final.final.items():  # final: from the baseline's final run at that seed
        if name == "seqgan":
            assert study.pretraining_run(final, run).folder == final.final[("nll", "baseline", seed)].folder, rule
    # so the store holds the study's runs and nothing else
    others = [*final.runs.values(), *final.designs.values(), *final.final.values(), *final.published.values()]
    studied = set(grid) | {r.folder for r in others}
    assert {p.name for p in folders(first.options["runs_dir"])} == {Path(f).name for f in studied}


def test_seqgan_start_is_the_baseline_setting_of_lowest_validation_nll(monkeypatch):
    scores = {"a": 1.2, "b": 1.1, "c": 1.1, "d": float("nan")}
    monkeypatch.setattr(study, "validation_nll", lambda model, held_out: scores[model])
    monkeypatch.setattr(study, "validation_windows", lambda melodies, window: None)

    class FakeRun:
        def __init__(self, name):
            self.name, self.config = name, config.experiment_config("smoke", "baseline")

        def load_into(self, model):  # the scores above stand for this run's weights in the model
            return self.name

    def row(strategy, name, overrides):
        return {"strategy": strategy, "overrides": overrides, "run": FakeRun(name)}

    rows = [
        row("dropout", "a", {"dropout_rate": 0.3}),  # another strategy's runs are not read
        row("baseline", "a", {}),
        row("baseline", "b", {"learning_rate": 0.0015}),
        row("baseline", "c", {"learning_rate": 0.0009}),  # as low, but later: the first of equals wins
        row("baseline", "d", {"learning_rate": 0.002}),  # a diverged run never wins
    ]
    assert study.seqgan_start(rows, []) == {"learning_rate": 0.0015}
    assert study.seqgan_start(rows[:2], []) == {}
    assert study.seqgan_start(rows[:1], []) == {}  # no baseline tuned: SeqGAN keeps its defaults
    assert study.seqgan_start([row("baseline", "d", {"learning_rate": 0.002})], []) == {}


def test_a_setting_only_the_quality_rule_chose_gets_its_own_seeds_and_a_shared_one_trains_once(
    monkeypatch, folk_corpus, folk_split
):
    seeds = (2017, 2018, 2019, 2020, 2021)
    s = study.Study("full", 2017, folk_corpus, folk_split, runs={}, seeds=seeds, options={})
    monkeypatch.setattr(
        study, "run_config", lambda options, name, seed, extra=None: (name, seed, tuple(sorted((extra or {}).items())))
    )
    trained = []
    monkeypatch.setattr(study, "_ensure", lambda options, configs, corpus, parts: trained.extend(configs) or configs)
    selected = {
        "nll": {"baseline": {}, "dropout": {"dropout_rate": 0.3}},
        "quality": {"baseline": {}, "dropout": {"dropout_rate": 0.5}},
    }
    final = study.train_final(s, selected).final
    quality_seeds = seeds[: protocol.QUALITY_SEEDS["full"]]
    assert {seed for (rule, name, seed) in final if rule == "nll" and name == "dropout"} == set(seeds)
    assert {seed for (rule, name, seed) in final if rule == "quality" and name == "dropout"} == set(quality_seeds)
    assert final[("quality", "dropout", 2017)] == ("dropout", 2017, (("dropout_rate", 0.5),))
    # the baseline's one setting serves both rules, at every seed: each of its runs is asked for once
    assert {seed for (rule, name, seed) in final if rule == "quality" and name == "baseline"} == set(seeds)
    assert final[("quality", "baseline", 2021)] is final[("nll", "baseline", 2021)]
    assert len(trained) == len(set(trained)) == 2 * len(seeds) + len(quality_seeds)


@pytest.mark.parametrize(
    "bad",
    [
        {"seed": -1},
        {"num_seeds": "abc"},
        {"num_seeds": 2.5},
        {"workers": 0},
        {"profile": "nope"},
        {"source": "midi", "path": "/dev/null"},
        {"overrides": {"learning_rate": float("inf")}},
        {"overrides": {"ss_k": 1e999}},
    ],
)
def test_run_study_refuses_a_bad_value_before_it_prepares_a_corpus(monkeypatch, tmp_path, bad):
    def prepare(*args, **kwargs):
        raise AssertionError("the corpus was prepared")

    monkeypatch.setattr(study.dataset, "prepare", prepare)
    with pytest.raises(ConfigError, match=r"^run_study\(\w+=…\) .*(got|not a regular)"):
        study.run_study(**{"runs_dir": tmp_path, **bad})


def test_the_real_example_is_a_seeded_test_melody_that_begins_like_the_generated_ones(folk_corpus, folk_split):
    from melodyreg import constants as C
    from melodyreg.data.melodies import encode

    s = study.Study("smoke", 2017, folk_corpus, folk_split, runs={})
    index, classes = study.real_example(s, steps=32)
    middle_c = encode(C.DEFAULT_PRIMER)[0]
    fitting = [
        i for i in folk_split.test if len(folk_corpus.melodies[i]) >= 32 and folk_corpus.melodies[i][0] == middle_c
    ]
    assert fitting, "the smoke corpus has test melodies that begin on middle C"
    assert index in fitting and len(classes) == 32 and classes[0] == middle_c
    assert study.real_example(s, steps=32)[0] == index  # seeded
    assert study.begins_like_primer(classes) and not study.begins_like_primer(0 * classes)
    assert not study.begins_like_primer(classes[:0])
    empty = study.Study("smoke", 2017, folk_corpus, folk_split.__class__(**{**vars(folk_split), "test": []}), runs={})
    with pytest.raises(ValueError, match="the test side has no melodies"):
        study.real_example(empty)


def test_from_parameters_passes_a_chapters_parameters_to_run_study(monkeypatch):
    called = {}
    monkeypatch.setattr(study, "run_study", lambda profile, **kwargs: called.update(profile=profile, **kwargs))
    parameters = {name: f"<{name}>" for name in study.STUDY_PARAMETERS} | {"iterations": 7, "num_melodies": 10}
    study.from_parameters(parameters)
    assert called == {name: f"<{name}>" for name in study.STUDY_PARAMETERS} | {"overrides": {"iterations": 7}}


def test_from_parameters_names_every_missing_parameter():
    with pytest.raises(KeyError, match="scheduler, iterations"):
        study.from_parameters({name: None for name in study.STUDY_PARAMETERS if name != "scheduler"})
