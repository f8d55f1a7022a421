"""Fault injection: kills, damaged artifacts, bad command lines and broken inputs, each detected and recovered.

* a tiny training killed with SIGKILL at random moments, then resumed, ends with
  the weights and history of an uninterrupted run, bit for bit;
* every finished artifact and every checkpoint, truncated, deleted, changed or
  filled with NaN, is caught by the store, moved aside, and retrained or resumed
  to the same weights;
* every bad command line ends with exit status 2 and one ``error:`` line;
* a folder of broken inputs is prepared without a crash, every entry named.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from conftest import CORRUPT_MIDI, scale_notes, tiny_config, toy_melodies, write_midi
from melodyreg import cli, config
from melodyreg.data import dataset
from melodyreg.model import training
from melodyreg.runs import store, sweep

C_MAJOR = (60, 62, 64, 65, 67, 69, 71, 72)


def weights(folder: Path) -> dict[str, np.ndarray]:
    with np.load(folder / "weights.npz") as archive:
        return {key: archive[key] for key in archive.files}


def assert_same_weights(a: Path, b: Path) -> None:
    first, second = weights(a), weights(b)
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def sides():
    return toy_melodies(), toy_melodies(lengths=(30, 20))


# ---------------------------------------------------------------------------
# Kills
# ---------------------------------------------------------------------------

KILL_SCRIPT = textwrap.dedent(
    """
    import sys
    from conftest import tiny_config, toy_melodies
    from melodyreg.runs import sweep

    config = tiny_config("scheduled_sampling", iterations=60, checkpoint_every=4, eval_every=10)
    sweep.train_run(config, toy_melodies(), toy_melodies(lengths=(30, 20)), sys.argv[1], progress=False)
    """
)


def _train_in_subprocess(runs_dir: Path, kill_after: float | None = None) -> int:
    """Run the tiny training in a new process; with ``kill_after``, SIGKILL it after that many seconds."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(runs_dir)], env=env)
    if kill_after is None:
        return process.wait(timeout=600)
    time.sleep(kill_after)
    process.send_signal(signal.SIGKILL)
    return process.wait(timeout=60)


@pytest.mark.slow
def test_training_killed_at_random_moments_resumes_to_the_same_run(tmp_path):
    config = tiny_config("scheduled_sampling", iterations=60, checkpoint_every=4, eval_every=10)
    assert _train_in_subprocess(tmp_path / "whole") == 0
    whole = store.run_folder(config, tmp_path / "whole")
    rng = random.Random(12)  # the kill moments are drawn, and repeat from run to run of the suite
    killed = tmp_path / "killed"
    kills = 0
    for _ in range(6):
        if _train_in_subprocess(killed, kill_after=rng.uniform(3.0, 9.0)) == -signal.SIGKILL:
            kills += 1
        if (store.run_folder(config, killed) / "done.json").exists():
            break
    assert kills >= 1, "no kill landed: the training finished before every kill"
    assert _train_in_subprocess(killed) == 0  # resume (or find the run finished)
    resumed = store.load(config, killed)
    assert resumed is not None
    assert_same_weights(whole, resumed.folder)
    pd.testing.assert_frame_equal(
        pd.read_csv(whole / "history.csv").drop(columns="seconds", errors="ignore"),
        resumed.history.drop(columns="seconds", errors="ignore"),
        check_exact=True,
    )


# ---------------------------------------------------------------------------
# Damaged artifacts
# ---------------------------------------------------------------------------


def truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: max(1, path.stat().st_size // 2)])


def delete(path: Path) -> None:
    path.unlink()


def flip(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle] ^= 0xFF
    path.write_bytes(bytes(data))


def nan_weights(path: Path) -> None:
    with np.load(path) as archive:
        arrays = {key: archive[key] for key in archive.files}
    arrays["v0"] = np.full_like(arrays["v0"], np.nan)
    with open(path, "wb") as handle:
        np.savez(handle, **arrays)


DAMAGE = {"truncated": truncate, "deleted": delete, "flipped": flip}
FINISHED = ("weights.npz", "history.csv", "history.json", "done.json")
FINISHED_FAULTS = [(name, how) for name in FINISHED for how in DAMAGE]
FINISHED_FAULTS.append(("weights.npz", "nan"))


@pytest.fixture(scope="module")
def reference_run(tmp_path_factory):
    """A tiny finished run and a pristine copy of its folder's files."""
    runs_dir = tmp_path_factory.mktemp("reference")
    config = tiny_config("baseline", iterations=8, checkpoint_every=4)
    folder = sweep.train_run(config, *sides(), runs_dir, progress=False)
    return config, {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def _restore(config, files: dict[str, bytes], runs_dir: Path) -> Path:
    folder = store.run_folder(config, runs_dir)
    folder.mkdir(parents=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("name, how", FINISHED_FAULTS, ids=lambda v: str(v))
def test_a_damaged_finished_run_is_moved_aside_and_recovered(reference_run, tmp_path, name, how, capsys):
    config, files = reference_run
    folder = _restore(config, files, tmp_path)
    assert store.load(config, tmp_path) is not None  # the pristine copy verifies
    (nan_weights if how == "nan" else DAMAGE[how])(folder / name)
    assert store.load(config, tmp_path) is None  # detected: never used
    warning = capsys.readouterr().err.strip().splitlines()
    if (name, how) == ("done.json", "deleted"):  # not damage: a run without done.json is simply unfinished
        assert warning == [] and not list(tmp_path.glob("*.corrupt-*"))
    else:
        assert len(warning) == 1 and warning[0].startswith(f"warning: run {folder.name} failed verification")
        (aside,) = tmp_path.glob(f"{folder.name}.corrupt-*")
        assert not (folder / "done.json").exists() and (aside / "done.json").exists()
    # recovered: resumed from the final checkpoint, the same weights as before
    recovered = sweep.train_run(config, *sides(), tmp_path, progress=False)
    assert (recovered / "weights.npz").read_bytes() == files["weights.npz"]
    assert store.load(config, tmp_path) is not None


CHECKPOINT_FAULTS = [("checkpoint.npz", how) for how in (*DAMAGE, "nan")] + [("both", "truncated")]


@pytest.mark.slow
@pytest.mark.parametrize("name, how", CHECKPOINT_FAULTS, ids=lambda v: str(v))
def test_a_damaged_checkpoint_falls_back_and_the_run_ends_the_same(reference_run, tmp_path, name, how, capsys):
    config, files = reference_run
    training.train(config, *sides(), tmp_path / "partial", progress=False, stop_after=6)  # checkpoints at 4 and 6
    partial = tmp_path / "partial"
    assert (partial / "checkpoint.npz").exists() and (partial / "checkpoint.prev.npz").exists()
    for target in ("checkpoint.npz", "checkpoint.prev.npz") if name == "both" else (name,):
        (nan_weights if how == "nan" else DAMAGE[how])(partial / target)
    strategy, history = training.train(config, *sides(), partial, progress=False)
    err = capsys.readouterr().err
    if how != "deleted":
        assert "warning: checkpoint" in err and "damaged" in err
    if name == "both":
        assert "training starts from iteration 0" in err
    trained = np.load(_restore(config, files, tmp_path / "reference") / "weights.npz")
    for i, variable in enumerate(strategy.model.variables):
        np.testing.assert_array_equal(variable.numpy(), trained[f"v{i}"])
    assert [r["iteration"] for r in history.to_dict("records") if r["phase"] == "train"] == list(range(1, 9))


def test_a_diverged_run_is_never_stored_as_finished(tmp_path):
    config = tiny_config("baseline", iterations=2)
    bad = [np.full((2, 2), np.nan)]
    with pytest.raises(ValueError, match=r"diverged: its weights are not finite"):
        store.save(config, bad, pd.DataFrame({"iteration": [1]}), 1.0, tmp_path)
    assert not (store.run_folder(config, tmp_path) / "done.json").exists()


@pytest.mark.slow
def test_two_builds_asking_for_one_run_train_it_once(tmp_path, monkeypatch):
    config = tiny_config("baseline", iterations=4)
    calls, real_train = [], training.train

    def counted(*args, **kwargs):
        calls.append(threading.get_ident())
        return real_train(*args, **kwargs)

    monkeypatch.setattr(training, "train", counted)
    results = []
    threads = [
        threading.Thread(target=lambda: results.append(sweep.train_run(config, *sides(), tmp_path, progress=False)))
        for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert len(results) == 2 and results[0] == results[1]
    assert len(calls) == 1  # the second waited for the lock, then found the run finished
    assert store.load(config, tmp_path) is not None


# ---------------------------------------------------------------------------
# Bad command lines
# ---------------------------------------------------------------------------

BAD_COMMAND_LINES = [
    ["train", "--strategy", "nonsense"],
    ["train", "--strategy", "scheduled_sampling", "-s", "ss_k=abc"],
    ["train", "-s", "layers=16"],
    ["train", "-s", "iterations=20.5"],
    ["train", "-s", "nope=1"],
    ["train", "-s", "iterations"],
    ["train", "--profile", "huge"],
    ["train", "--seed", "x"],
    ["book", "--profile", "nope"],
    ["book", "-p", "iterations=abc"],
    ["book", "-p", "unknown=1"],
    ["book", "--only", "99_missing"],
    ["book", "-p", "source=midi", "-p", "path=/no/such/folder"],
    ["generate", "--strategy", "dropout"],
    ["generate", "--primer", "10"],
    ["generate", "--steps", "1"],
    ["prepare", "--source", "midi", "--path", "/no/such/folder"],
    ["prepare", "--source", "maestro"],
    ["download-maestro", "--release", "v9"],
    ["frobnicate"],
]


@pytest.mark.parametrize("argv", BAD_COMMAND_LINES, ids=lambda a: " ".join(a))
def test_a_bad_command_line_is_one_error_line_and_exit_2(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        cli.main(argv)
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert exit_.value.code == 2, err
    assert len(lines) == 1 and lines[0].startswith("error: "), err
    assert out == ""


@pytest.mark.slow
@pytest.mark.parametrize("onednn", ["1", "0"], ids=["oneDNN on", "oneDNN off"])
def test_bad_command_lines_in_a_real_process_print_no_traceback_and_start_nothing(tmp_path, onednn):
    """Run both ways: TensorFlow logs at import where oneDNN is on (CPUs with AVX-512 VNNI or BF16)."""
    env = {
        **os.environ,
        "MELODYREG_RUNS_DIR": str(tmp_path / "runs"),
        "MELODYREG_CACHE_DIR": str(tmp_path / "cache"),
        "TF_ENABLE_ONEDNN_OPTS": onednn,
    }
    for argv in BAD_COMMAND_LINES:
        done = subprocess.run(
            [sys.executable, "-m", "melodyreg", *argv], capture_output=True, text=True, timeout=120, env=env
        )
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), (argv, done.stderr)
        assert done.stdout == ""
    assert not (tmp_path / "runs").exists() and not (tmp_path / "cache").exists()  # nothing started


def test_debug_shows_the_traceback():
    with pytest.raises(config.ConfigError, match="iterations must be an integer"):
        cli.main(["--debug", "train", "-s", "iterations=20.5"])
    with pytest.raises(config.ConfigError, match="iterations must be an integer"):
        cli.main(["train", "-s", "iterations=20.5", "--debug"])


# ---------------------------------------------------------------------------
# Broken inputs
# ---------------------------------------------------------------------------


def broken_folder(folder: Path) -> set[str]:
    """A MIDI folder of good and broken entries; returns the names of all its entries."""
    long = scale_notes(C_MAJOR)
    write_midi(folder / "good.mid", long)
    write_midi(folder / "nested" / "good.MIDI", scale_notes(C_MAJOR[::-1]))
    (folder / "empty.mid").write_bytes(b"")
    (folder / "corrupt.mid").write_bytes(CORRUPT_MIDI)
    good = (folder / "good.mid").read_bytes()
    (folder / "truncated.mid").write_bytes(good[: len(good) // 2])
    (folder / "header-only.mid").write_bytes(good[:14])
    write_midi(folder / "drums.mid", long, is_drum=True)
    write_midi(folder / "zero-length.mid", [(60, 4, 4), (62, 8, 8)])
    write_midi(folder / "short.mid", [(60, 0, 4)])
    (folder / "notes.txt").write_text("not a tune")
    (folder / "tune.abc").write_text("X:1\nK:C\nCDEF|")
    (folder / "x.mid").mkdir()
    (folder / "dangling.mid").symlink_to(folder / "absent.mid")
    (folder / "random.midi").write_bytes(bytes(random.Random(3).randrange(256) for _ in range(500)))
    return {p.relative_to(folder.parent).as_posix() for p in folder.rglob("*") if p != folder / "nested"}


def test_a_folder_of_broken_inputs_accounts_for_every_file_by_name(tmp_path):
    folder = tmp_path / "mixed"
    entries = broken_folder(folder)
    data = config.data_config("poster", source="midi", path=str(folder))
    corpus = dataset.prepare(data, cache_dir=None, workers=1, progress=False)
    skipped = corpus.skipped_table()
    named = set(skipped.name)
    with_melodies = {corpus.pieces[i] for i in set(corpus.melody_piece.tolist())}
    assert with_melodies == {"mixed/good.mid", "mixed/nested/good.MIDI"}
    assert named | with_melodies == entries  # every entry is a piece with melodies or a named skip
    assert named.isdisjoint(with_melodies)
    assert len(skipped) == sum(v for k, v in corpus.report.counts.items() if k.split(":")[0] in ("file", "piece"))
    by_name = {Path(n).name: r for n, r in zip(skipped.name, skipped.stage + ": " + skipped.reason)}
    assert by_name["empty.mid"] == "piece: empty file"
    assert by_name["notes.txt"] == "file: ignored: not MIDI"
    assert by_name["x.mid"] == "file: ignored: a folder named like a MIDI file"
    assert by_name["dangling.mid"] == "file: ignored: broken link"
    assert by_name["drums.mid"] == "piece: drums only"
    assert by_name["zero-length.mid"] == "piece: no notes"
    assert by_name["corrupt.mid"].startswith("piece: corrupt MIDI")
