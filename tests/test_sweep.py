"""Sweeps on Dask: a tiny strategy × seed sweep on a LocalCluster, reruns skip finished runs, failures are reported."""

from __future__ import annotations

import dataclasses
import io
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import tiny_config
from melodyreg.model import seqgan
from melodyreg.runs import store, sweep


@pytest.fixture(scope="module")
def cluster():
    """A two-worker LocalCluster shared by the tests of this module."""
    with sweep.local_cluster(2) as local:
        yield local


@pytest.mark.slow  # starts a Dask cluster: 10 s of the fast suite
def test_workers_keep_glibcs_adaptive_malloc(cluster):
    """Dask's default MALLOC_TRIM_THRESHOLD_ made every training step 2.3 times slower; workers go without it."""
    import os

    from dask.distributed import Client

    with Client(cluster) as client:
        environments = client.run(lambda: {name: os.environ.get(name) for name in sweep.UNSET_WORKER_ENV})
    assert len(environments) == 2
    assert all(value is None for env in environments.values() for value in env.values())


@pytest.mark.slow  # shares the module's Dask cluster
def test_workers_print_only_critical_lines_of_dask_s_own_logs(cluster):
    """A worker's heartbeat that races the scheduler's shutdown logs an ERROR with a traceback; on a busy
    machine it reached the build's output. Workers keep Dask's logs to critical lines."""
    import logging

    from dask.distributed import Client

    with Client(cluster) as client:
        levels = client.run(lambda: logging.getLogger("distributed.worker").getEffectiveLevel())
    assert len(levels) == 2 and set(levels.values()) == {logging.CRITICAL}


def _squared_where(job, *, offset):
    return job * job + offset, os.getpid()


@pytest.mark.slow  # uses the Dask cluster
def test_jobs_run_in_the_workers_and_come_back_in_order(cluster, monkeypatch):
    import sys

    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the workers cannot import a test module
    terminal = io.StringIO()
    monkeypatch.setattr(sweep.console, "terminal", lambda: terminal)
    results = sweep.map_jobs(
        _squared_where,
        [3, 1, 2, 5],
        {"offset": 10},
        scheduler=cluster.scheduler_address,
        labels=["three", "one", "two", "five"],
    )
    assert [value for value, _ in results] == [19, 11, 14, 35]
    assert os.getpid() not in {pid for _, pid in results}
    lines = terminal.getvalue().splitlines()  # each job counted on the terminal as it comes back, in any order
    assert lines[0] == "measuring 4 runs"
    assert sorted(line.split("] done: ")[1] for line in lines[1:]) == ["five", "one", "three", "two"]
    assert [line.split(" runs, ")[0] for line in lines[1:]] == ["[1/4", "[2/4", "[3/4", "[4/4"]


def test_one_worker_runs_the_jobs_here_in_order():
    assert sweep.map_jobs(_squared_where, [3, 1], {"offset": 0}, workers=1, progress=False) == [
        (9, os.getpid()),
        (1, os.getpid()),
    ]


def test_measuring_jobs_reports_each_on_the_terminal_not_the_notebook(monkeypatch, capsys):
    terminal = io.StringIO()
    monkeypatch.setattr(sweep.console, "terminal", lambda: terminal)
    sweep.map_jobs(_squared_where, [3, 1], {"offset": 0}, workers=1, action="scoring", labels=["three", "one"])
    lines = terminal.getvalue().splitlines()
    assert lines[0] == "scoring 2 runs"
    assert lines[1].startswith("[1/2 runs, ") and lines[1].endswith("] done: three")
    assert lines[2].startswith("[2/2 runs, ") and lines[2].endswith("] done: one")
    assert capsys.readouterr().err == ""  # a chapter's stderr is its page: nothing lands there


@pytest.mark.slow
def test_a_tiny_sweep_runs_on_a_local_cluster(cluster, folk_corpus, folk_split, folk_sides, tmp_path, monkeypatch):
    configs = [
        tiny_config(name, iterations=3, seed=seed, split_digest=folk_split.digest)
        for name in ("baseline", "scheduled_sampling")
        for seed in (1, 2)
    ]
    runs = sweep.ensure_runs(
        configs, folk_corpus, folk_split, runs_dir=tmp_path, scheduler=cluster.scheduler_address, progress=False
    )
    assert [r.config for r in runs] == configs  # in the order asked for, whatever order they finished in
    assert len({r.folder for r in runs}) == 4
    for run, config in zip(runs, configs):
        assert run.folder == store.run_folder(config, tmp_path)
        assert json.loads((run.folder / "done.json").read_text())["iterations"] == 3
        assert run.history[run.history.phase == "train"].iteration.tolist() == [1, 2, 3]
    # seeds differ, so do the trained weights
    first, second = (np.load(r.folder / "weights.npz") for r in runs[:2])
    assert not np.array_equal(first["v0"], second["v0"])
    # a run trained on a worker equals the same run trained in this process
    (local,) = sweep.ensure_runs(
        configs[:1], folk_corpus, folk_split, runs_dir=tmp_path / "here", workers=1, progress=False
    )
    for key, value in np.load(local.folder / "weights.npz").items():
        np.testing.assert_array_equal(value, first[key])

    # a rerun finds every run finished and trains nothing
    def no_training(*args, **kwargs):
        raise AssertionError("a finished run was sent to Dask again")

    monkeypatch.setattr(sweep, "train_all", no_training)
    again = sweep.ensure_runs(
        configs, folk_corpus, folk_split, runs_dir=tmp_path, scheduler=cluster.scheduler_address, progress=False
    )
    assert [r.folder for r in again] == [r.folder for r in runs]


def test_ensure_runs_trains_once_then_loads(folk_corpus, folk_split, tmp_path, monkeypatch):
    run_config, runs_dir = tiny_config("baseline", iterations=3, split_digest=folk_split.digest), tmp_path
    (run,) = sweep.ensure_runs([run_config], folk_corpus, folk_split, runs_dir=runs_dir, workers=1, progress=False)

    def no_training(*args, **kwargs):
        raise AssertionError("train_run was called for a finished run")

    monkeypatch.setattr(sweep, "train_run", no_training)
    again = sweep.ensure_runs(
        [run_config, run_config], folk_corpus, folk_split, runs_dir=runs_dir, workers=1, progress=False
    )
    assert [r.folder for r in again] == [run.folder, run.folder]
    pd.testing.assert_frame_equal(again[0].history, run.history, check_exact=True)
    assert again[0].seconds == run.seconds
    # a run that is not finished is trained
    with pytest.raises(AssertionError, match="train_run was called"):
        sweep.ensure_runs(
            [tiny_config("baseline", iterations=7, split_digest=folk_split.digest)],
            folk_corpus,
            folk_split,
            runs_dir=runs_dir,
            workers=1,
            progress=False,
        )
    assert store.load(tiny_config("baseline", iterations=7, split_digest=folk_split.digest), runs_dir) is None


def test_the_default_engine_is_a_local_cluster(folk_corpus, folk_split, tmp_path, monkeypatch):
    """Without a scheduler, runs train on a Dask client of a ``LocalCluster`` of single-threaded worker
    processes, one per run up to ``workers``, closed afterwards; with one, on a client of that scheduler.

    Dask's ``LocalCluster`` and ``Client`` are stand-ins here that record what they were given: the engine is
    chosen before anything trains, so nothing starts (a real cluster trains in the slow tests above)."""
    import dask.distributed

    clusters, engines = [], []

    class Cluster:
        def __init__(self, **options):
            self.options, self.closed = options, False
            clusters.append(self)

        def close(self):
            self.closed = True

    class Chosen(Exception):
        """The stand-in client was asked for: the engine is chosen."""

    def client(engine):
        engines.append(engine)
        raise Chosen

    monkeypatch.setattr(dask.distributed, "LocalCluster", Cluster)
    monkeypatch.setattr(dask.distributed, "Client", client)
    configs = [tiny_config("dropout", iterations=2, seed=seed, split_digest=folk_split.digest) for seed in (1, 2)]
    with pytest.raises(Chosen):
        sweep.ensure_runs(configs, folk_corpus, folk_split, runs_dir=tmp_path, workers=4, progress=False)
    (cluster,) = clusters
    assert engines == [cluster] and cluster.closed  # the client ran on the local cluster, closed after it failed
    assert cluster.options["n_workers"] == 2  # one worker per run to train, not the 4 allowed
    assert cluster.options["threads_per_worker"] == 1 and cluster.options["processes"] is True
    address = "tcp://127.0.0.1:8786"
    with pytest.raises(Chosen):
        sweep.ensure_runs(configs, folk_corpus, folk_split, runs_dir=tmp_path, scheduler=address, progress=False)
    assert engines[-1] == address and len(clusters) == 1  # a scheduler given: no local cluster


@pytest.mark.slow
def test_failed_runs_are_reported_together(cluster, folk_sides, tmp_path):
    configs = [tiny_config("baseline", iterations=2, seed=seed) for seed in (1, 2)]
    with pytest.raises(sweep.SweepError, match=r"2 of 2 runs failed(.|\n)*no training melodies"):
        sweep.train_all(configs, [], folk_sides[1], tmp_path, scheduler=cluster.scheduler_address, progress=False)


@pytest.mark.slow
def test_a_failing_run_does_not_stop_the_others(cluster, folk_sides, tmp_path):
    good = tiny_config("baseline", iterations=2, seed=3)
    # a config the strategy factory refuses (dropout in the model of a "baseline" run)
    bad = dataclasses.replace(good, model=dataclasses.replace(good.model, dropout_rate=0.5), seed=4)
    with pytest.raises(sweep.SweepError, match=r"1 of 2 runs failed(.|\n)*baseline \(seed 4\)"):
        sweep.train_all([good, bad, good], *folk_sides, tmp_path, scheduler=cluster.scheduler_address, progress=False)
    assert (store.run_folder(good, tmp_path) / "done.json").is_file()
    assert not (store.run_folder(bad, tmp_path) / "done.json").exists()


def test_a_run_is_keyed_by_its_melodies_and_never_used_with_another_split(folk_corpus, folk_split, tmp_path):
    from melodyreg.data import splits

    other = splits.split(folk_corpus, 2018)
    assert other.digest != folk_split.digest
    mine = tiny_config("baseline", iterations=2, split_digest=folk_split.digest)
    theirs = dataclasses.replace(mine, split_digest=other.digest)
    assert store.run_folder(mine, tmp_path) != store.run_folder(theirs, tmp_path)  # same settings, other data
    for config in (theirs, tiny_config("baseline", iterations=2)):  # made for another split, or for none
        with pytest.raises(ValueError, match=f"but its melodies come from the split {folk_split.digest}"):
            sweep.ensure_runs([config], folk_corpus, folk_split, runs_dir=tmp_path, workers=1, progress=False)
    assert not any(tmp_path.iterdir())  # refused before anything was trained


def test_regrouping_the_tunes_trains_anew_and_keeps_the_runs_of_the_old_grouping(
    folk_corpus, folk_split, tmp_path, monkeypatch
):
    """The run key holds the split's digest: a change of grouping (here, the near-copy rule switched off)
    that moves melodies between sides retrains, and the runs of the old grouping stay as they were."""
    from melodyreg.data import splits

    assert folk_split.near_duplicates >= 1  # the smoke corpus has a near-copy for the rule to merge
    before = tiny_config("baseline", iterations=2, split_digest=folk_split.digest)
    (old,) = sweep.ensure_runs([before], folk_corpus, folk_split, runs_dir=tmp_path, workers=1, progress=False)
    grouped = splits.duplicate_groups
    monkeypatch.setattr(
        splits,
        "duplicate_groups",
        lambda corpus, opening=splits.OPENING_STEPS, near=None: grouped(corpus, opening, None),
    )
    regrouped = splits.split(folk_corpus, 2017)
    assert regrouped.near_duplicates == 0 and regrouped.digest != folk_split.digest
    after = dataclasses.replace(before, split_digest=regrouped.digest)
    (new,) = sweep.ensure_runs([after], folk_corpus, regrouped, runs_dir=tmp_path, workers=1, progress=False)
    assert new.folder != old.folder  # the same settings on other melodies are a new run, trained anew
    assert store.load(before, tmp_path).folder == old.folder  # and the old grouping's run is still there
    assert store.load(after, tmp_path).folder == new.folder


@pytest.mark.slow  # starts a Dask cluster and waits for stand-in runs
def test_runs_start_in_queue_order_as_workers_free_up(monkeypatch, tmp_path):
    """Runs reach Dask one at a time as a worker frees up, so they start in :func:`sweep.queue`'s order."""
    from dask.distributed import LocalCluster

    configs = [tiny_config("baseline", iterations=n) for n in (3, 9, 5, 7, 1, 8)]
    order = [c.train.iterations for c in sweep.queue(configs)]
    log = tmp_path / "started.txt"

    def task(config, sides, runs_dir, progress):  # a stand-in run: the first one long, the others short
        with open(log, "a") as handle:
            handle.write(f"{config.train.iterations}\n")
        time.sleep(4.0 if config.train.iterations == order[0] else 0.1)
        return str(Path(runs_dir) / config.label())

    monkeypatch.setattr(sweep, "_train_task", task)  # workers in this process (threads), reached over TCP
    in_process = {"processes": False, "protocol": "tcp", "host": "127.0.0.1", "dashboard_address": None}
    with LocalCluster(
        n_workers=2, threads_per_worker=1, scheduler_kwargs={"dashboard_address": ":0"}, **in_process
    ) as cluster:
        folders = sweep.train_all(configs, [], [], tmp_path, scheduler=cluster.scheduler_address, progress=False)
    assert folders == [tmp_path / c.label() for c in configs]
    started = [int(line) for line in log.read_text().split()]
    # while one worker trains the long run, the other takes every other run in the queue's order (a queue
    # split between the workers up front would leave some of them waiting behind the long run)
    assert set(started[:2]) == set(order[:2]) and started[2:] == order[2:]


def test_a_seqgan_run_waits_for_its_pretraining_run_which_starts_early():
    base, adversarial = tiny_config("baseline"), tiny_config("seqgan")
    assert seqgan.pretraining(adversarial) == base
    dear, cheap = tiny_config("professor_forcing"), tiny_config("dropout")
    alone = tiny_config("seqgan", seed=5)  # its pre-training run is not in the sweep: it trains it itself
    dispatch = sweep.Dispatcher([cheap, adversarial, dear, base, alone])
    # the baseline run ranks with the adversarial phase that waits for it, ahead of runs dearer on their own
    assert dispatch.rank[base] == sweep.cost(base) + sweep.cost(adversarial) - sweep.cost(base)
    assert dispatch.rank[alone] == sweep.cost(alone)
    started = [dispatch.next() for _ in range(3)]
    assert adversarial not in started and set(started) == {alone, dear, base}
    assert started == sorted(started, key=dispatch.rank.__getitem__, reverse=True)
    assert dispatch.next() == cheap  # the SeqGAN run is not ready yet
    assert dispatch.next() is None
    dispatch.finished(base)
    assert dispatch.next() == adversarial and dispatch.next() is None and dispatch.waiting == []


def test_a_failed_pretraining_run_fails_the_seqgan_runs_that_wait_for_it():
    base = tiny_config("baseline")
    first, second = tiny_config("seqgan"), tiny_config("seqgan", sg_steps=7)
    other = tiny_config("dropout")
    dispatch = sweep.Dispatcher([first, second, base, other])
    assert dispatch.rank[base] == sweep.cost(base) + max(
        sweep.cost(c) - sweep.cost(base) for c in (first, second)
    )  # a baseline two SeqGAN runs wait for ranks with the dearer one
    assert dispatch.next() == base
    assert dispatch.finished(base, failed=True) == [first, second]  # they cannot start from it
    assert dispatch.next() == other and dispatch.next() is None and dispatch.waiting == []
    ok = sweep.Dispatcher([first, base])
    assert ok.next() == base and ok.finished(base) == [] and ok.next() == first


def test_a_seqgan_runs_missing_pretraining_run_joins_the_sweep(monkeypatch, folk_corpus, folk_split, tmp_path):
    sent = []
    monkeypatch.setattr(sweep, "train_all", lambda configs, *args, **kwargs: sent.extend(configs))
    first, second = (tiny_config("seqgan", split_digest=folk_split.digest, sg_steps=n) for n in (6, 7))
    sweep.ensure_runs([first, second], folk_corpus, folk_split, runs_dir=tmp_path, workers=2, progress=False)
    assert sent == [first, second, seqgan.pretraining(first)]  # trained once, ahead of both (Dispatcher)


def test_expensive_runs_are_queued_first():
    cheap, dear = tiny_config("baseline"), tiny_config("professor_forcing")
    middle, long_cheap = tiny_config("scheduled_sampling"), tiny_config("baseline", iterations=1000)
    assert sweep.cost(dear) > sweep.cost(middle) > sweep.cost(cheap)
    # distinct runs only, most expensive first: iterations count as much as the strategy
    assert sweep.queue([cheap, middle, cheap, dear, long_cheap]) == [long_cheap, dear, middle, cheap]
    assert sweep.queue([]) == [] and sweep.train_all([], [], [], "unused") == []
    # professor forcing with a discriminator reading every step, its gates off, goes first of its kind
    every_step = tiny_config("professor_forcing", pf_pool=1)
    open_every_step = tiny_config("professor_forcing", pf_pool=1, pf_gate_low=0.0, pf_gate_high=1.0)
    assert sweep.queue([dear, every_step, open_every_step]) == [open_every_step, every_step, dear]
