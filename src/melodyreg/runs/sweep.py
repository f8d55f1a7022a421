"""Training the runs a study needs, and measuring them: one in this process, or many side by side on Dask.

:func:`ensure_runs` is the entry point: finished runs are loaded from the store
(:mod:`melodyreg.runs.store`), the missing ones trained by :func:`train_run`
(the training loop of :mod:`melodyreg.model.training`, then the store), here or
on Dask workers. Runs never talk to each other, except that a SeqGAN run starts from its
pre-training (baseline) run, so a sweep is a bag of tasks with that one dependency
(:class:`Dispatcher` holds a SeqGAN run back until its pre-training run in the same sweep has finished): each task
trains one config into the artifact store and returns its folder. By default a
``dask.distributed.LocalCluster`` with one single-threaded worker process per
core runs them (two TensorFlow processes of one thread each get about twice the
throughput of one process on this 2-core machine). Give ``scheduler`` the
address of a running Dask scheduler (``tcp://host:8786``) to use a cluster
instead; its workers must have this package installed and see ``runs_dir``
(a shared file system).

A rerun skips what is finished: :func:`ensure_runs` passes only the missing runs
to :func:`train_all`, and a run that was interrupted resumes from its last
checkpoint. A failing run does not stop the others; every failure is reported
together at the end, after the finished runs have been written.

:func:`map_jobs` runs other independent work on stored runs (the evaluation's
measurements) the same way: one single-threaded process per core.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Sequence
from pathlib import Path

from melodyreg import console
from melodyreg.config import ExperimentConfig
from melodyreg.data.dataset import Corpus
from melodyreg.data.splits import Split
from melodyreg.model import seqgan, training
from melodyreg.runs import store

# Relative cost of one iteration per strategy (benchmarks/train_step.py): long runs start first.
# SeqGAN's: one adversarial step at its default knobs, rollouts included (measured at 7.3 on this CPU); its
# pre-training run is costed as the baseline run it is.
COST = {"baseline": 1.0, "dropout": 1.0, "scheduled_sampling": 1.5, "professor_forcing": 2.1, "seqgan": 7.3}
# Professor forcing's step at its default (quarter-note discriminator, gates on) costs 2.1 baseline steps
# (README, quiet probe: 84 against 41 ms); a discriminator reading every step costs 1.5 times that (129 ms),
# and with its gates off the adversarial backward pass runs at every step (1.3 times: 171 against 129 ms).
PF_EVERY_STEP, PF_GATES_OFF = 1.5, 1.3


class SweepError(RuntimeError):
    """Some runs of a sweep failed; the others finished and are in the store."""


def cost(config: ExperimentConfig) -> float:
    """Expected relative cost of training ``config`` (for ordering the queue)."""
    if config.strategy.name == "seqgan":
        return cost(seqgan.pretraining(config)) + COST["seqgan"] * seqgan.iterations(config) * config.train.batch_size
    factor = COST[config.strategy.name]
    if config.strategy.name == "professor_forcing":
        s = config.strategy
        factor *= (PF_EVERY_STEP if s.pf_pool == 1 else 1.0) * (PF_GATES_OFF if s.pf_gate_low <= 0 else 1.0)
    return factor * config.train.iterations * config.train.batch_size


def train_run(
    config: ExperimentConfig,
    train_melodies,
    eval_melodies,
    runs_dir: Path = store.RUNS_DIR,
    *,
    threads: int | None = None,
    progress: bool = True,
    slot: int = 0,
) -> Path:
    """Train (or resume) one run in this process and store its artifacts; returns its folder.

    The run's lock is held throughout: a second process asking for the same run
    waits, then finds it finished and returns at once. A SeqGAN run starts from
    its pre-training run, the stored baseline of the same seed and settings
    (:func:`melodyreg.model.seqgan.pretraining`), trained first if it is missing.
    """
    training.configure_threads(threads)
    initial = None
    if config.strategy.name == "seqgan":
        base = seqgan.pretraining(config)
        train_run(base, train_melodies, eval_melodies, runs_dir, threads=threads, progress=progress, slot=slot)
        initial = store.load(base, runs_dir).weights()
    with store.locked(config, runs_dir):
        if store.load(config, runs_dir) is not None:  # finished by another process meanwhile
            return store.run_folder(config, runs_dir)
        folder = store.open_folder(config, runs_dir)
        strategy, history = training.train(
            config, train_melodies, eval_melodies, folder, progress=progress, slot=slot, initial=initial
        )
        # training time summed over sessions, so a resumed run reports its whole cost
        seconds, best = training.Checkpoint(folder).summary()  # one read of the final checkpoint
        return store.save(
            config,
            [v.numpy() for v in strategy.model.variables],
            history,
            seconds,
            runs_dir,
            best=(best.iteration, best.weights),
        )


def queue(configs: Sequence[ExperimentConfig]) -> list[ExperimentConfig]:
    """The distinct runs of ``configs`` in the order one worker would start them (:class:`Dispatcher`): the
    most expensive first, a SeqGAN run after its pre-training run when that is in ``configs`` too."""
    dispatch, order = Dispatcher(configs), []
    while (config := dispatch.next()) is not None:
        order.append(config)
        dispatch.finished(config)
    return order


class Dispatcher:
    """Which run a free worker takes next: the dearest ready one (longest first ends a stage on short runs).

    A SeqGAN run whose pre-training run is in the same sweep is ready once that run has finished, so no
    worker waits on its lock; the pre-training run then ranks by its own cost plus its dearest SeqGAN
    run's adversarial phase, so that it starts early enough for the SeqGAN runs not to end the stage.
    Ties keep the order given.
    """

    def __init__(self, configs: Sequence[ExperimentConfig]):
        self.waiting = list(dict.fromkeys(configs))
        distinct = set(self.waiting)
        self.needs = {
            c: seqgan.pretraining(c)
            for c in self.waiting
            if c.strategy.name == "seqgan" and seqgan.pretraining(c) in distinct
        }
        own = {c: cost(c) - (cost(self.needs[c]) if c in self.needs else 0.0) for c in self.waiting}
        self.rank = dict(own)
        for config, base in self.needs.items():
            self.rank[base] = max(self.rank[base], own[base] + own[config])
        self.done: set[ExperimentConfig] = set()

    def next(self) -> ExperimentConfig | None:
        """The next run to start (taken off the waiting list), or ``None`` if every waiting run waits."""
        ready = [c for c in self.waiting if c not in self.needs or self.needs[c] in self.done]
        if not ready:
            return None
        best = max(ready, key=self.rank.__getitem__)  # the first of equals
        self.waiting.remove(best)
        return best

    def finished(self, config: ExperimentConfig, failed: bool = False) -> list[ExperimentConfig]:
        """``config``'s run ended. If it failed, the SeqGAN runs waiting for it as their pre-training run are
        taken off the waiting list and returned: they cannot start from it (and retraining it in each of them
        would repeat the failure while another worker waited on its lock)."""
        self.done.add(config)
        if not failed:
            return []
        dropped = [c for c in self.waiting if self.needs.get(c) == config]
        self.waiting = [c for c in self.waiting if c not in dropped]
        return dropped


def _worker_slot() -> int:
    """The terminal line for this Dask worker's runs: 1 + its index (line 0 counts the runs)."""
    from dask.distributed import get_worker

    name = get_worker().name
    return 1 + name if isinstance(name, int) else 1


def _train_task(config: ExperimentConfig, sides, runs_dir: str, progress: bool) -> str:
    train_melodies, eval_melodies = sides
    folder = train_run(
        config, train_melodies, eval_melodies, Path(runs_dir), threads=1, progress=progress, slot=_worker_slot()
    )
    return str(folder)


def _key(config: ExperimentConfig, runs_dir) -> str:
    return f"train-{store.run_folder(config, runs_dir).name}"


# Environment variables Dask's nannies set in every worker process that we leave unset. Dask sets
# MALLOC_TRIM_THRESHOLD_=65536 to hand freed memory back to the OS sooner; setting it also switches off
# glibc's adaptive mmap threshold, so every tensor buffer above 128 KiB is mmapped and unmapped again.
# On this CPU that made a training step 2.3 times slower (a third of the workers' time went to the
# kernel); our workers hold one model each and need no trimming.
UNSET_WORKER_ENV = ("MALLOC_TRIM_THRESHOLD_",)
# Environment variables set in every worker process before it starts (so before `distributed` sets up its
# logging at import): only critical lines of Dask's own logs reach the terminal. Otherwise a worker whose
# heartbeat races the scheduler's shutdown on a busy machine prints an ERROR with a traceback into the
# build's output; a job's own error still reaches the caller through its future.
WORKER_ENV = {"DASK_LOGGING__DISTRIBUTED": "critical"}


def local_cluster(workers: int | None = None):
    """A ``LocalCluster`` of ``workers`` single-threaded processes (default: one per core), no dashboard,
    with :data:`WORKER_ENV` set and :data:`UNSET_WORKER_ENV` left unset in every worker.

    The scheduler's HTTP server (health and metrics, served even without a dashboard) takes a free
    port, so a second cluster on the machine does not collide with the first on port 8787.
    """
    import dask
    from dask.distributed import LocalCluster

    environ = {
        **{f"distributed.nanny.pre-spawn-environ.{name}": None for name in UNSET_WORKER_ENV},
        **{f"distributed.nanny.pre-spawn-environ.{name}": value for name, value in WORKER_ENV.items()},
    }
    with dask.config.set(environ):
        return LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"},
        )


def train_all(
    configs: Sequence[ExperimentConfig],
    train_melodies,
    eval_melodies,
    runs_dir: Path,
    *,
    scheduler: str | None = None,
    workers: int | None = None,
    progress: bool = True,
) -> list[Path]:
    """Train every config on Dask, most expensive first; returns the run folders in the order given.

    A run is handed to Dask only when a worker thread is free, the dearest ready one first (:class:`Dispatcher`).

    Args:
        configs: runs to train (all on the same two sides of the split).
        train_melodies, eval_melodies: encoded melodies, sent to each worker once.
        runs_dir: the artifact store (must be reachable by every worker).
        scheduler: address of a Dask scheduler; ``None`` starts a local cluster.
        workers: processes of the local cluster (ignored with ``scheduler``).
        progress: show each run's progress and a tally of finished runs on the terminal.

    Raises:
        SweepError: one or more runs failed (their errors are listed; the others finished).
    """
    from dask.distributed import Client, as_completed

    if not configs:
        return []
    cluster = None if scheduler else local_cluster(min(workers or os.cpu_count() or 1, len(configs)))
    failures, folders = [], {}
    try:
        with Client(scheduler or cluster) as client:
            [sides] = client.scatter([(list(train_melodies), list(eval_melodies))], broadcast=True)
            # one task per distinct run, handed out only as a worker frees up (Dispatcher: the dearest ready
            # run first), so the order holds whatever Dask would do with a queue of its own: handed every
            # task at once, it splits them between the workers up front and a worker can be left with
            # short runs while long ones wait behind the other
            dispatch = Dispatcher(configs)
            futures, running, active = {}, as_completed(), set()
            tally = console.RunTally(len(dispatch.waiting), enabled=progress)

            def fill() -> None:  # the worker threads are counted each time: a scheduler's workers may come and go
                while len(active) < max(1, sum(client.nthreads().values())) and (config := dispatch.next()):
                    future = client.submit(
                        _train_task, config, sides, str(runs_dir), progress, pure=False, key=_key(config, runs_dir)
                    )
                    futures[future] = config
                    active.add(future)
                    running.add(future)

            fill()
            for future in running:
                config = futures[future]
                active.discard(future)
                failed = False
                try:
                    folders[_key(config, runs_dir)] = Path(future.result())
                    tally.finished(config.label())
                except (Exception, asyncio.CancelledError) as error:  # report every failed run, keep the others
                    failed = True
                    failures.append(f"{config.strategy.name} (seed {config.seed}): {type(error).__name__}: {error}")
                    tally.finished(config.label(), failed=True)
                for dropped in dispatch.finished(config, failed=failed):
                    failures.append(f"{dropped.strategy.name} (seed {dropped.seed}): its pre-training run failed")
                    tally.finished(dropped.label(), failed=True)
                fill()
            tally.close()
    finally:
        if cluster is not None:
            cluster.close()
    if failures:
        raise SweepError(f"{len(failures)} of {len(dict.fromkeys(configs))} runs failed:\n" + "\n".join(failures))
    return [folders[_key(c, runs_dir)] for c in configs]


def _job_task(function: Callable, job, shared: dict):
    return function(job, **shared)


def map_jobs(
    function: Callable,
    jobs: Sequence,
    shared: dict,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    action: str = "measuring",
    labels: Sequence[str] | None = None,
    progress: bool = True,
) -> list:
    """``function(job, **shared)`` for every job, results in the order of ``jobs``: side by side on Dask.

    Used to measure stored runs: a job reads its run from the store and returns numbers, so jobs are
    independent and their results do not depend on where or in which order they ran (every random
    choice is keyed by the run's seed, and every worker computes with one thread).

    Args:
        function: a module-level function (workers import it by name).
        shared: keyword arguments of every call, sent to each worker once.
        workers: processes of the local cluster (default: one per core, at most one per job); 1 runs
            the jobs here, one after another.
        scheduler: address of a Dask scheduler to run on instead (its workers need this package).
        action, labels: for the progress on the terminal (:class:`melodyreg.console.RunTally`): what is done to
            each job (``measuring 57 runs``), and each job's name in the line that counts it done (default: its
            number).

    Raises:
        Exception: the first job's error that failed (the others' results are dropped).
    """
    workers = max(1, min(workers or os.cpu_count() or 1, len(jobs)))
    names = list(labels) if labels is not None else [f"job {number}" for number in range(1, len(jobs) + 1)]
    tally = console.RunTally(len(jobs), enabled=progress, action=action, done="done")
    cluster = None
    try:
        if scheduler is None and workers == 1:
            results = []
            for job, name in zip(jobs, names, strict=True):
                results.append(function(job, **shared))
                tally.finished(name)
            return results
        from dask.distributed import Client, as_completed

        cluster = None if scheduler else local_cluster(workers)
        with Client(scheduler or cluster) as client:
            # one thread per worker, as in training; set before a job's imports start TensorFlow's runtime
            client.run(training.configure_threads, 1)
            [sent] = client.scatter([shared], broadcast=True)
            futures = [client.submit(_job_task, function, job, sent, pure=False) for job in jobs]
            named = dict(zip(futures, names, strict=True))
            for future in as_completed(futures):
                tally.finished(named[future], failed=future.status == "error")
            return client.gather(futures)
    finally:
        tally.close()
        if cluster is not None:
            cluster.close()


def ensure_runs(
    configs: list[ExperimentConfig],
    corpus: Corpus,
    parts: Split,
    *,
    runs_dir: Path = store.RUNS_DIR,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = True,
) -> list[store.Run]:
    """Finished runs for every config: loaded if done, otherwise trained (resuming where possible).

    Args:
        configs: the runs wanted; they must all use ``corpus`` and ``parts`` (their
            ``split_digest`` is ``parts.digest``).
        workers: processes for runs trained here (default: one per core, at
            most one per run); 1 trains in this process, more run on a Dask
            ``LocalCluster``.
        scheduler: address of a Dask scheduler to train on instead of a local cluster.

    Returns:
        The runs, in the order of ``configs``.

    Raises:
        ValueError: a config names another split than ``parts``.
        SweepError: some runs failed (the others are stored).
    """
    unpinned = [c for c in configs if c.split_digest != parts.digest]
    if unpinned:  # a run is keyed by its melodies: one made for another split must not be loaded or trained here
        raise ValueError(
            f"{unpinned[0].label()} names the split {unpinned[0].split_digest or '(none)'}, but its melodies come "
            f"from the split {parts.digest}: make configs with split_digest=parts.digest"
        )
    missing = [c for c in dict.fromkeys(configs) if store.load(c, runs_dir) is None]
    # a SeqGAN run's missing pre-training run trains as a run of its own, ahead of the SeqGAN runs that share it
    bases = [seqgan.pretraining(c) for c in missing if c.strategy.name == "seqgan"]
    missing += [b for b in dict.fromkeys(bases) if b not in missing and store.load(b, runs_dir) is None]
    if missing:
        # training evaluates on the validation side; the test side is never seen before the verdicts
        train_melodies, eval_melodies = parts.melodies(corpus, "train"), parts.melodies(corpus, "valid")
        workers = max(1, min(workers or os.cpu_count() or 1, len(missing)))
        if workers == 1 and scheduler is None:
            tally = console.RunTally(len(missing), enabled=progress)
            for config in missing:
                train_run(config, train_melodies, eval_melodies, runs_dir, progress=progress, slot=1)
                tally.finished(config.label())
            tally.close()
        else:
            train_all(
                missing,
                train_melodies,
                eval_melodies,
                runs_dir,
                scheduler=scheduler,
                workers=workers,
                progress=progress,
            )
    return [store.load(c, runs_dir) for c in configs]
