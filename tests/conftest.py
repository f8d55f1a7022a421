"""The tests' fixtures, and the guards that keep tests off the network and out of the user's workspace.

The fixtures (a MAESTRO-shaped release, the smoke corpus and its split, a tiny tuned
study) are built from the builders in ``helpers.py``, which test modules import
directly.

The run store and the corpus cache of the whole session (the book test's kernels
included) live in a temporary folder: ``MELODYREG_RUNS_DIR`` and
``MELODYREG_CACHE_DIR`` are set before the package is imported. After the
session, :func:`pytest_sessionfinish` fails the run if ``runs/``, ``data/cache/``,
``_build/`` or ``book/`` of the checkout changed.
"""

from __future__ import annotations

import os
import tempfile

SESSION_STORE = tempfile.mkdtemp(prefix="melodyreg-tests-")
os.environ["MELODYREG_RUNS_DIR"] = os.path.join(SESSION_STORE, "runs")
os.environ["MELODYREG_CACHE_DIR"] = os.path.join(SESSION_STORE, "cache")
os.environ["MELODYREG_RESULTS_DIR"] = os.path.join(SESSION_STORE, "results")
if os.environ.get("PYTEST_XDIST_WORKER"):  # `make fast` runs parallel workers: one TensorFlow thread each
    os.environ.setdefault("TF_NUM_INTRAOP_THREADS", "1")
    os.environ.setdefault("TF_NUM_INTEROP_THREADS", "1")

import ipaddress  # noqa: E402
import shutil  # noqa: E402
import socket  # noqa: E402

import pytest  # noqa: E402

# the builders the fixtures and guards below use; test modules import builders from helpers themselves
from helpers import (  # noqa: E402
    TINY_STUDY,
    MaestroFixture,
    build_maestro,
    maestro_config,
    workspace_changes,
    workspace_snapshot,
)

# ---------------------------------------------------------------------------
# The user's workspace is never touched
# ---------------------------------------------------------------------------


def pytest_sessionstart(session):
    session.config._workspace_before = workspace_snapshot()


def pytest_sessionfinish(session, exitstatus):
    shutil.rmtree(SESSION_STORE, ignore_errors=True)
    before = getattr(session.config, "_workspace_before", None)
    if before is None:
        return
    changes = workspace_changes(before, workspace_snapshot())
    if changes:
        print(f"\nthe tests changed the workspace ({len(changes)} files), first ones: {changes[:10]}")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


# ---------------------------------------------------------------------------
# No connections to other machines
# ---------------------------------------------------------------------------


def _is_loopback(host) -> bool:
    try:
        return ipaddress.ip_address("127.0.0.1" if host == "localhost" else host).is_loopback
    except ValueError:  # a host name other than localhost
        return False


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Fail any test that connects to another machine (Unix sockets and loopback stay allowed)."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
            raise RuntimeError(f"network access attempted in a test: {address!r}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture
def maestro(tmp_path) -> MaestroFixture:
    """A MAESTRO-shaped release (folder and zip) in ``tmp_path``."""
    return build_maestro(tmp_path)


@pytest.fixture(scope="session")
def folk_corpus(tmp_path_factory):
    """The smoke profile's real corpus (music21's miscFolk), prepared once per session."""
    from melodyreg import config
    from melodyreg.data import dataset

    return dataset.prepare(
        config.data_config("smoke"), cache_dir=tmp_path_factory.mktemp("corpus-cache"), workers=1, progress=False
    )


@pytest.fixture(scope="session")
def folk_split(folk_corpus):
    """The seeded split of :func:`folk_corpus` by tune (seed 2017, the runs' default)."""
    from melodyreg.data import splits

    return splits.split(folk_corpus, 2017)


@pytest.fixture(scope="session")
def folk_sides(folk_corpus, folk_split):
    """``(training melodies, evaluation melodies)`` of :func:`folk_split`."""
    return folk_split.melodies(folk_corpus, "train"), folk_split.melodies(folk_corpus, "valid")


@pytest.fixture(scope="session")
def tiny_tuned_study(tmp_path_factory):
    """The smoke profile's tuned protocol at toy size: the grid, both rules' choices, two seeds.

    Returns ``(study before the final comparison, tuning, study with it)``.
    """
    from melodyreg.evaluation.tuning import tune
    from melodyreg.runs import study

    runs_dir = tmp_path_factory.mktemp("tuned-runs")
    first = study.run_study("smoke", workers=1, overrides=TINY_STUDY, runs_dir=runs_dir)
    tuning = tune(first, num=4, steps=24, reference_melodies=12, progress=False)
    return first, tuning, study.train_final(first, tuning.selected)


@pytest.fixture
def maestro_corpus(maestro, tmp_path):
    """The fake MAESTRO archive prepared (one worker, cache in ``tmp_path``)."""
    from melodyreg.data import dataset

    return dataset.prepare(maestro_config(maestro.zip), cache_dir=tmp_path / "cache", workers=1, progress=False)
