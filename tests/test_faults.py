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

import dataclasses
import functools
import os
import random
import signal
import string
import subprocess
import sys
import textwrap
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import CORRUPT_MIDI, build_maestro, scale_notes, tiny_config, toy_melodies, write_midi
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
    from helpers import tiny_config, toy_melodies
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


def _timed_training(runs_dir: Path, folder: Path) -> tuple[float, float]:
    """Run the tiny training to its end; seconds from the start until its run folder appears (the training
    begins) and until the process ends. The kills are drawn in between, so they land on any machine."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parent), *sys.path])}
    start = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(runs_dir)], env=env)
    begun = None
    while process.poll() is None:
        if begun is None and folder.exists():
            begun = time.perf_counter() - start
        if time.perf_counter() - start > 600:  # as _train_in_subprocess's wait: a hung child fails the test
            process.kill()
            pytest.fail("the tiny training did not end within 600 s")
        time.sleep(0.005)
    assert process.returncode == 0 and begun is not None
    return begun, time.perf_counter() - start


@pytest.mark.slow
def test_training_killed_at_random_moments_resumes_to_the_same_run(tmp_path):
    config = tiny_config("scheduled_sampling", iterations=60, checkpoint_every=4, eval_every=10)
    whole = store.run_folder(config, tmp_path / "whole")
    begun, ended = _timed_training(tmp_path / "whole", whole)
    rng = random.Random(12)  # the kill moments are drawn, and repeat from run to run of the suite
    killed = tmp_path / "killed"
    kills = 0
    for _ in range(6):  # within the first 80 % of the training (later ones may come after a resumed end)
        if (
            _train_in_subprocess(killed, kill_after=rng.uniform(begun, begun + 0.8 * (ended - begun)))
            == -signal.SIGKILL
        ):
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
    ["train", "-s", "name=dropout"],
    ["train", "-s", "num_classes=5"],
    ["train", "--profile", "huge"],
    ["train", "--seed", "x"],
    ["book", "--profile", "nope"],
    ["book", "-p", "iterations=abc"],
    ["book", "-p", "unknown=1"],
    ["book", "--only", "99_missing"],
    ["book", "-p", "source=midi", "-p", "path=/no/such/folder"],
    ["book", "-p", "seed={[1]: 2}"],
    ["book", "-p", "path={text}"],
    ["generate", "--strategy", "dropout"],
    ["generate", "--primer", "10"],
    ["generate", "--steps", "1"],
    ["prepare", "--source", "midi", "--path", "/no/such/folder"],
    ["prepare", "--source", "maestro"],
    ["prepare", "--source", "maestro", "--path", "{text}"],
    ["download-maestro", "--release", "v9"],
    ["download-maestro", "--dest", "{file}"],
    ["frobnicate"],
]
# The cases of issue 24, each with what its one line must say: the option as written, and the value.
# `{text}`, `{empty}`, `{file}` and `{fifo}` are a text file, an empty folder, a file and a FIFO (see `inputs`).
NAMED_REFUSALS = [
    (["book", "-p", "num_seeds=abc"], "-p num_seeds must be an integer from 1 to 100 or None, got 'abc'"),
    (["book", "-p", "num_seeds=2.5"], "-p num_seeds must be an integer from 1 to 100 or None, got 2.5"),
    (["book", "-p", "num_seeds=1000000"], "-p num_seeds must be an integer from 1 to 100 or None, got 1000000"),
    (["book", "--profile", "smoke", "-p", "profile=nope", "--only", "01_data"], "-p profile='nope' disagrees with"),
    (["book", "--profile", "smoke", "-p", "profile=full"], "-p profile='full' disagrees with --profile smoke"),
    (["book", "-p", "temperature=-1"], "-p temperature must be a finite number from 0.01 to 100, got -1"),
    (["book", "-p", "temperature=0"], "-p temperature must be a finite number from 0.01 to 100, got 0"),
    (["book", "-p", "temperature=1e999"], "-p temperature must be a finite number from 0.01 to 100, got inf"),
    (["book", "-p", "num_melodies=0"], "-p num_melodies must be an integer from 1 to 1000, got 0"),
    (["book", "-p", "num_melodies=-5"], "-p num_melodies must be an integer from 1 to 1000, got -5"),
    (["book", "-p", "melody_steps=0"], "-p melody_steps must be an integer from 2 to 2048, got 0"),
    (["book", "-p", "workers=-3"], "-p workers must be an integer from 1 to 2147483647 or None, got -3"),
    (["book", "-p", "seed=-1"], "-p seed must be an integer from 0 to 4294967295, got -1"),
    (["book", "-p", "scheduler=bogus"], "-p scheduler must be a Dask scheduler address such as tcp://host:8786"),
    (["book", "-p", "tsne_states=-1"], "-p tsne_states must be an integer from 10 to 100000 or None, got -1"),
    (["book", "-p", "source=midi", "-p", "path={text}"], "-p path '{text}' is not a MIDI file (.mid or .midi)"),
    (["book", "-p", "source=midi", "-p", "path={empty}"], "-p path '{empty}' is a folder with no .mid or .midi files"),
    (["train", "--seed", "-1"], "--seed must be an integer from 0 to 4294967295, got -1"),
    (["train", "--seed", "99999999999999999999"], "--seed must be an integer from 0 to 4294967295, got 9999"),
    (["train", "--runs-dir", "{file}"], "--runs-dir '{file}' is a regular file, not a folder"),
    (["train", "-s", "learning_rate=1e999"], "-s learning_rate must be a finite number, got inf"),
    (["train", "--strategy", "scheduled_sampling", "-s", "ss_k=1e999"], "-s ss_k must be a finite number, got inf"),
    (["generate", "--temperature", "nan"], "--temperature must be a finite number from 0.01 to 100, got nan"),
    (["generate", "--temperature", "1e-300"], "--temperature must be a finite number from 0.01 to 100, got 1e-300"),
    (["generate", "--temperature", "inf"], "--temperature must be a finite number from 0.01 to 100, got inf"),
    (["train", "--workers", "-1"], "--workers must be an integer from 1 to 2147483647, got -1"),
    (["generate", "--out", ""], "--out must be a folder (existing, or a name one can be made at), got ''"),
    (["prepare", "--source", "midi", "--path", "/dev/null"], "--path '/dev/null' is a character device, not a regular"),
    (["prepare", "--source", "midi", "--path", "{fifo}"], "--path '{fifo}' is a FIFO, not a regular file or a folder"),
]
BAD_COMMAND_LINES += [argv for argv, _ in NAMED_REFUSALS]


def make_inputs(folder: Path) -> dict[str, str]:
    """The paths the command lines above name by placeholder, made in ``folder``."""
    (folder / "empty").mkdir(parents=True)
    (folder / "notes.txt").write_text("not a tune")
    os.mkfifo(folder / "pipe")
    return {
        "text": str(folder / "notes.txt"),
        "file": str(folder / "notes.txt"),
        "empty": str(folder / "empty"),
        "fifo": str(folder / "pipe"),
    }


def filled(argv: list[str], inputs: dict[str, str]) -> list[str]:
    """``argv`` with each ``{placeholder}`` of ``inputs`` replaced by its path."""
    for key, path in inputs.items():
        argv = [word.replace(f"{{{key}}}", path) for word in argv]
    return argv


class Started(BaseException):
    """Raised where a command would start work: everything it was given passed the checks."""


@pytest.fixture
def no_work(monkeypatch):
    """Every place where a command starts work (a corpus, training, a book build, a download) raises Started."""
    from melodyreg.data import maestro
    from melodyreg.report import build

    def start(*args, **kwargs):
        raise Started

    for owner, name in [(dataset, "prepare"), (sweep, "ensure_runs"), (build, "build"), (maestro, "download")]:
        monkeypatch.setattr(owner, name, start)


def one_error_line(argv: list[str], capsys) -> str | None:
    """The one ``error:`` line a command line ends with (exit status 2), or ``None`` if it would start work."""
    try:
        cli.main(argv)
    except Started:
        assert capsys.readouterr() == ("", ""), argv
        return None
    except SystemExit as exit_:
        out, err = capsys.readouterr()
        lines = err.strip().splitlines()
        assert exit_.code == 2 and len(lines) == 1 and lines[0].startswith("error: ") and out == "", (argv, err)
        return lines[0]
    raise AssertionError(f"{argv} neither failed nor started work")


@pytest.mark.parametrize("argv", BAD_COMMAND_LINES, ids=lambda a: " ".join(a))
def test_a_bad_command_line_is_one_error_line_and_exit_2(argv, capsys, tmp_path, no_work):
    assert one_error_line(filled(argv, make_inputs(tmp_path)), capsys) is not None, "accepted: it would start work"


@pytest.mark.parametrize("argv, message", NAMED_REFUSALS, ids=lambda a: " ".join(a) if isinstance(a, list) else "")
def test_a_refusal_names_the_option_and_the_value(argv, message, capsys, tmp_path, no_work):
    inputs = make_inputs(tmp_path)
    assert filled([message], inputs)[0] in one_error_line(filled(argv, inputs), capsys)


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
    inputs = make_inputs(tmp_path / "inputs")
    for argv in BAD_COMMAND_LINES:
        done = subprocess.run(
            [sys.executable, "-m", "melodyreg", *filled(argv, inputs)],
            capture_output=True,
            text=True,
            timeout=120,
            env=env,
        )
        lines = done.stderr.strip().splitlines()
        assert done.returncode == 2 and len(lines) == 1 and lines[0].startswith("error: "), (argv, done.stderr)
        assert done.stdout == ""
    assert not (tmp_path / "runs").exists() and not (tmp_path / "cache").exists()  # nothing started


# ---------------------------------------------------------------------------
# Random values for every option, setting and parameter
# ---------------------------------------------------------------------------

# Zero, negative, huge, non-finite and not numbers at all, given to every option
EDGE_VALUES = [
    *("", " ", "0", "-0", "1", "-1", "-5", "2.5", "-2.5", "0.0", "1e-300", "1e300", "1e999", "-1e999"),
    *("inf", "-inf", "nan", "NaN", "Infinity", str(2**31), str(2**32), str(2**63), "9" * 30, "-" + "9" * 30),
    *("9" * 5000, "None", "True", "[]", "()", "[1, 'a']", "{[1]: 2}", "(" * 300, "'quoted'", "x" * 300, "a\nb"),
]
STRATEGY_OF = {"ss": "scheduled_sampling", "pf": "professor_forcing", "dropout": "dropout"}


def random_values(rng: random.Random, count: int) -> list[str]:
    """``count`` values: random text, integers and floats of every magnitude, non-finite numbers."""
    alphabet = string.printable + "é♪\u202e\u00a0"
    values = []
    for _ in range(count):
        kind = rng.randrange(4)
        if kind == 0:
            values.append("".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 30))))
        elif kind == 1:
            values.append(str(rng.choice((-1, 1)) * rng.randrange(10 ** rng.randrange(1, 40))))
        elif kind == 2:
            values.append(repr(rng.choice((-1.0, 1.0)) * rng.random() * 10.0 ** rng.randrange(-320, 309)))
        else:
            values.append(rng.choice(("nan", "-nan", "inf", "-inf", "1e999", "-1e999", "1e-999")))
    return values


def every_option(midi_folder: str, maestro_zip: str) -> list[tuple[str, Callable[[str], list[str]], str | None]]:
    """Every option, ``-s`` setting and ``-p`` parameter: ``(the name its error must contain, argv of a value,
    a valid value or ``None``)``, each given where it is read (``--path`` with each source)."""
    from melodyreg.report import build

    def option(command: list[str], name: str, valid: str | None):
        return (name, lambda value: [*command, f"{name}={value}"], valid)

    targets = [option(["prepare"], "--profile", "smoke"), option(["prepare"], "--source", "essen")]
    targets += [option(["prepare", "--source", "midi"], "--path", midi_folder), option(["prepare"], "--path", None)]
    targets += [option(["prepare", "--source", "maestro"], "--path", maestro_zip)]
    targets += [option(["prepare"], "--workers", "2"), option(["train"], "--strategy", "dropout")]
    targets += [option(["train"], "--seed", "3"), option(["train"], "--runs-dir", "runs")]
    generate = ["generate", "--train-if-missing"]
    targets += [option(generate, "--num", "3"), option(generate, "--steps", "16"), option(generate, "--primer", "62")]
    targets += [option(generate, "--temperature", "0.5"), option(generate, "--out", "melodies")]
    targets += [option(["book"], "--profile", "smoke"), option(["book"], "--only", "01_data")]
    targets += [option(["download-maestro"], "--dest", "maestro"), option(["download-maestro"], "--release", "v1.0.0")]
    defaults = {
        f.name: f.default
        for cls in (config.ModelConfig, config.TrainConfig, config.StrategyConfig)
        for f in dataclasses.fields(cls)
    }
    for key in config.SETTINGS:
        strategy = STRATEGY_OF.get(key.split("_")[0], "baseline")
        targets.append(
            (
                key,
                lambda value, k=key, s=strategy: ["train", "--strategy", s, "-s", f"{k}={value}"],
                repr(defaults[key]),
            )
        )
    for key, default in build.chapter_parameters().items():
        context = ["-p", "source=midi"] if key == "path" else []
        valid = repr(midi_folder if key == "path" else default)
        targets.append((key, lambda value, k=key, c=context: ["book", *c, "-p", f"{k}={value}"], valid))
    return targets


def test_random_values_for_every_option_end_in_work_or_one_named_error(tmp_path, monkeypatch, capsys, no_work):
    """Zero, negative, huge, non-finite and random values, given to every option, setting and parameter, end
    either in work starting (a valid value) or in exit status 2 with one line naming the option; never in a
    traceback, a started kernel, a corpus or a download."""
    from melodyreg.report import build

    monkeypatch.setattr(build, "chapter_parameters", functools.cache(build.chapter_parameters))  # read once
    monkeypatch.setattr(cli, "parser", functools.cache(cli.parser))  # built once: it is most of the time
    write_midi(tmp_path / "midi" / "tune.mid", scale_notes(C_MAJOR))
    targets = every_option(str(tmp_path / "midi"), str(build_maestro(tmp_path).zip))
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    rng = random.Random(24)  # the values are drawn, and repeat from run to run of the suite
    outcomes = Counter()
    for name, argv_of, valid in targets:
        if valid is not None:  # the values below are refused for themselves, not for where they are given
            assert one_error_line(argv_of(valid), capsys) is None, f"{name}={valid} should be valid"
        for value in EDGE_VALUES + random_values(rng, 20):
            line = one_error_line(argv_of(value), capsys)
            assert line is None or name in line, (argv_of(value), line)
            outcomes["refused" if line else "valid"] += 1
    assert sorted(tmp_path.rglob("*")) == before  # nothing written: no run folder, no corpus, no MIDI file
    assert len(targets) >= 50 and outcomes["refused"] > outcomes["valid"] > 0


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
