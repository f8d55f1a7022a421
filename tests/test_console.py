"""The terminal: progress lines per run and per sweep, durations, TensorFlow's log level."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

import pytest

from melodyreg import console


class FakeTerminal(io.StringIO):
    """A stream that is not a terminal (a CI log): lines, never redrawn."""

    def isatty(self) -> bool:
        return False


@pytest.mark.parametrize(
    "seconds, text", [(0, "0s"), (12.4, "12s"), (65, "1m05s"), (3599.6, "1h00m"), (3720, "1h02m"), (-3, "0s")]
)
def test_duration(seconds, text):
    assert console.duration(seconds) == text


def test_a_run_writes_a_line_at_every_tenth_and_one_when_done():
    stream = FakeTerminal()
    bar = console.RunProgress("baseline seed 1", 100, stream=stream)
    for done in range(1, 101):
        bar.update(done, loss=2.0, eval_loss=1.5 if done % 20 == 0 else None)
    bar.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 10  # 10, 20, ..., 90, then the summary at 100
    assert lines[0].startswith("baseline seed 1: 10/100 it, loss 2.000") and "ETA" in lines[0]
    assert "valid 1.500" in lines[1]  # the latest held-out loss is carried along
    assert lines[-1].startswith("baseline seed 1: 100/100 it, loss 2.000, valid 1.500 (done in ")


def test_a_resumed_run_counts_from_where_it_stopped():
    stream = FakeTerminal()
    bar = console.RunProgress("dropout seed 1", 1000, initial=600, stream=stream)
    assert bar.eta() is None  # nothing run in this session yet
    bar.update(700, loss=1.0)
    assert stream.getvalue().startswith("dropout seed 1: 700/1,000 it")
    assert bar.eta() is not None and bar.eta() >= 0


def test_a_disabled_run_writes_nothing():
    stream = FakeTerminal()
    bar = console.RunProgress("x", 10, stream=stream, enabled=False)
    for done in range(1, 11):
        bar.update(done, loss=1.0)
    bar.close()
    assert stream.getvalue() == ""


def test_a_tally_counts_finished_and_failed_runs():
    stream = FakeTerminal()
    tally = console.RunTally(2, stream=stream)
    tally.finished("baseline seed 1")
    tally.finished("dropout seed 1", failed=True)
    tally.close()
    lines = stream.getvalue().splitlines()
    assert lines[0] == "training 2 runs"
    assert lines[1].startswith("[1/2 runs, ") and lines[1].endswith("] finished: baseline seed 1")
    assert lines[2].startswith("[2/2 runs, ") and lines[2].endswith("] FAILED: dropout seed 1")


def test_tensorflow_is_quiet_unless_verbose_and_a_users_level_is_kept(monkeypatch):
    monkeypatch.setenv(console.TF_LOG_LEVEL, "")  # registers the variable's state, restored afterwards
    monkeypatch.delenv(console.TF_LOG_LEVEL)
    console.quiet_tensorflow()
    assert console.os.environ[console.TF_LOG_LEVEL] == "3"
    monkeypatch.setenv(console.TF_LOG_LEVEL, "1")
    console.quiet_tensorflow()
    assert console.os.environ[console.TF_LOG_LEVEL] == "1"
    assert logging.getLogger("tensorflow").getEffectiveLevel() == logging.ERROR  # its Python warnings too
    console.quiet_tensorflow(verbose=True)
    assert console.os.environ[console.TF_LOG_LEVEL] == "0"
    assert logging.getLogger("tensorflow").level == logging.NOTSET
    console.quiet_tensorflow()


def test_the_terminal_is_the_processs_own_stderr():
    assert console.terminal() is (console.sys.__stderr__ or console.sys.stderr)
    assert not console.live(FakeTerminal())


def test_the_import_filter_drops_absl_start_up_lines_and_keeps_the_rest_in_order(capfd):
    with console.filtered_stderr():
        os.write(2, b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n")
        os.write(2, b"I0000 00:00:1796376185.939244    2104 port.cc:153] oneDNN custom operations are on.\n")
        os.write(2, b"first line of ours\n")
        os.write(2, b"W1204 09:21:06.123456   77 cpu_feature_guard.cc:227] This TensorFlow binary is optimized\n")
        os.write(2, b"F1204 09:21:06.123456   77 op.cc:1] a fatal line is kept\n")
        os.write(2, b"second line of ours\n")
    assert (
        capfd.readouterr().err
        == "first line of ours\nF1204 09:21:06.123456   77 op.cc:1] a fatal line is kept\n" + ("second line of ours\n")
    )


def test_the_import_filter_passes_on_what_was_held_when_the_block_raises(capfd):
    with pytest.raises(RuntimeError), console.filtered_stderr():
        os.write(2, b"kept\n")
        raise RuntimeError("x")
    assert capfd.readouterr().err == "kept\n"


@pytest.mark.slow  # three fresh interpreters importing TensorFlow: 15 s of the fast suite
@pytest.mark.parametrize("onednn", ["1", "0"])
def test_importing_tensorflow_after_melodyreg_prints_nothing_unless_verbose(onednn):
    """TF_ENABLE_ONEDNN_OPTS=1 makes TensorFlow log as it does on CPUs with AVX-512 VNNI or BF16."""
    env = {k: v for k, v in os.environ.items() if k != console.TF_LOG_LEVEL} | {"TF_ENABLE_ONEDNN_OPTS": onednn}
    code = "import melodyreg, tensorflow as tf; tf.constant(1.0) + 1.0"
    quiet = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == ""
    if onednn == "1":  # the filter hides lines that exist: --verbose shows them
        loud = subprocess.run(
            [sys.executable, "-c", code], env=env | {console.TF_LOG_LEVEL: "0"}, capture_output=True, text=True
        )
        assert "oneDNN custom operations are on" in loud.stderr
