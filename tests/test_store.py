"""The artifact store: a folder per run named by strategy and hash, its artifacts, and loading them back."""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pandas as pd
import pytest

from helpers import seeded_model, tiny_config, toy_batch, toy_melodies, weights_of
from melodyreg import hardware
from melodyreg.config import config_hash, data_config
from melodyreg.model import training
from melodyreg.runs import store, sweep

SIDES = (toy_melodies(), toy_melodies(lengths=(30, 20)))  # toy melodies: no corpus to prepare in the fast loop


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One tiny baseline run trained in this process: ``(config, runs_dir, run)``."""
    runs_dir = tmp_path_factory.mktemp("runs")
    run_config = tiny_config("baseline", iterations=6)
    sweep.train_run(run_config, *SIDES, runs_dir, progress=False)
    return run_config, runs_dir, store.load(run_config, runs_dir)


def test_a_run_leaves_its_artifacts(trained):
    run_config, runs_dir, run = trained
    assert run.folder == store.run_folder(run_config, runs_dir)
    for name in ("config.json", "history.csv", "history.json", "weights.npz", "done.json", "checkpoint.npz"):
        assert (run.folder / name).is_file(), name
    assert (run.folder / "config.json").read_text() == run_config.to_json()
    done = json.loads((run.folder / "done.json").read_text())
    assert done["iterations"] == 6 and done["seconds"] == run.seconds > 0
    assert done["hardware"] == run.hardware == hardware.record()  # the machine that finished it
    assert run.finished() == (run.folder / "done.json").stat().st_mtime  # when it finished
    gone = store.Run(run.config, run.folder / "nowhere", run.history, run.seconds)
    assert gone.finished() is None
    assert run.history[run.history.phase == "train"].iteration.tolist() == [1, 2, 3, 4, 5, 6]
    assert run.history[run.history.phase == "eval"].iteration.tolist() == [0, 4, 6]
    pd.testing.assert_frame_equal(
        pd.read_json(run.folder / "history.json", orient="records"), run.history, check_dtype=False
    )


def test_run_folder_is_named_by_strategy_and_hash(tmp_path, monkeypatch):
    run_config = tiny_config("scheduled_sampling")
    folder = store.run_folder(run_config, tmp_path)
    fields = dataclasses.asdict(run_config)  # SeqGAN's knobs, added later, count only away from their defaults
    fields["strategy"] = {k: v for k, v in fields["strategy"].items() if not k.startswith("sg_")}
    key = config_hash({"config": fields, "training_version": store.TRAINING_VERSION})
    assert folder == tmp_path / f"scheduled_sampling-{key}"
    monkeypatch.setattr(store, "TRAINING_VERSION", store.TRAINING_VERSION + 1)
    assert store.run_folder(run_config, tmp_path) != folder  # new training code, new runs
    monkeypatch.undo()
    assert len(config_hash(run_config)) == 12 and int(config_hash(run_config), 16) >= 0
    assert store.run_folder(tiny_config("scheduled_sampling"), tmp_path) == folder  # stable
    changed = [
        tiny_config("scheduled_sampling", ss_k=20.0),
        tiny_config("scheduled_sampling", iterations=13),
        tiny_config("scheduled_sampling", seed=1),
        tiny_config("scheduled_sampling", data=data_config("smoke", test_fraction=0.2)),
        tiny_config("scheduled_sampling", split_digest="0123456789ab"),  # other melodies
        dataclasses.replace(run_config, model=dataclasses.replace(run_config.model, layers=(8, 9))),
    ]
    names = {store.run_folder(c, tmp_path).name for c in changed}
    assert len(names) == len(changed) and folder.name not in names
    assert all(name.startswith("scheduled_sampling-") for name in names)


def test_seqgan_s_own_knobs_count_in_its_key_even_at_their_defaults(tmp_path):
    run_config = tiny_config("seqgan")
    fields = dataclasses.asdict(run_config)  # every field: a knob SeqGAN gains later moves its runs
    key = config_hash({"config": fields, "training_version": store.TRAINING_VERSION})
    assert store.run_folder(run_config, tmp_path) == tmp_path / f"seqgan-{key}"


def test_finished_alike_finds_the_settings_whatever_melodies_they_trained_on(trained, tmp_path):
    run_config, runs_dir, run = trained
    elsewhere = dataclasses.replace(run_config, split_digest="0123456789ab")
    assert store.load(elsewhere, runs_dir) is None  # another key ...
    assert store.finished_alike(elsewhere, runs_dir) == [run.folder]  # ... but the same settings
    assert store.finished_alike(tiny_config("baseline", iterations=7), runs_dir) == []
    assert store.finished_alike(run_config, tmp_path) == []
    unfinished = tmp_path / run.folder.name
    unfinished.mkdir()
    (unfinished / "config.json").write_text(run_config.to_json())  # started, never done
    (tmp_path / "baseline-garbage").mkdir()
    (tmp_path / "baseline-garbage" / "config.json").write_text("{not json")
    (tmp_path / "baseline-garbage" / "done.json").write_text("{}")
    assert store.finished_alike(run_config, tmp_path) == []
    assert store.damage_at(run.folder) is None and store.damage_at(unfinished) is None


def test_a_pickled_run_keeps_its_record_and_leaves_its_model_behind(trained):
    import pickle

    _, _, run = trained
    run.model()  # built: it must not travel to a worker
    copy = pickle.loads(pickle.dumps(run))
    assert copy._model is None and run._model is not None
    assert (copy.config, copy.folder, copy.seconds, copy.best_iteration) == (
        run.config,
        run.folder,
        run.seconds,
        run.best_iteration,
    )
    pd.testing.assert_frame_equal(copy.history, run.history)
    for a, b in zip(weights_of(copy.model().variables), weights_of(run.model().variables)):
        np.testing.assert_array_equal(a, b)


def test_run_model_reproduces_the_trained_weights(trained):
    run_config, _, run = trained
    # the run's final checkpoint, restored by the training loop (nothing is left to train)
    strategy, history = training.train(run_config, *SIDES, run.folder, progress=False)
    pd.testing.assert_frame_equal(history, run.history, check_exact=True, check_dtype=False)
    loaded = run.model()
    for a, b in zip(weights_of(loaded.variables), weights_of(strategy.model.variables)):
        np.testing.assert_array_equal(a, b)
    inputs = toy_batch(batch=3, steps=8)["inputs"]
    np.testing.assert_array_equal(loaded(inputs)[0].numpy(), strategy.model(inputs)[0].numpy())
    untrained = seeded_model(run_config.model, seed=run_config.seed)
    assert not np.allclose(loaded(inputs)[0].numpy(), untrained(inputs)[0].numpy())
