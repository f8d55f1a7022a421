"""The reproducibility appendix's tables: the environment, and the open choices read from the config."""

from __future__ import annotations

import subprocess

from melodyreg import config, protocol
from melodyreg.report import environment


def test_the_environment_names_python_cpu_commit_and_the_pinned_packages():
    table = environment.environment_table().set_index("item")["value"]
    items = (
        "date of the build (UTC)",
        "commit",
        "Python",
        "CPU",
        "CPU cores",
        "vector extensions",
        "TensorFlow's oneDNN",
    )
    for item in (*items, "tensorflow-cpu", "keras"):
        assert item in table.index and table[item]
    assert table["keras"] != "not installed"


def test_outside_a_git_checkout_the_commit_is_unknown(tmp_path):
    assert environment.commit(tmp_path).startswith("unknown")


def test_the_choices_are_read_from_the_config():
    choices = environment.choices_table().set_index("choice")["our setting"]
    defaults = config.StrategyConfig()
    assert choices["scheduled sampling k"].startswith(f"{defaults.ss_k:g} (ε = 0.02 at iteration 5,000)")
    assert f"p = {defaults.dropout_rate:g}" in choices["dropout"]
    assert choices["learning rate"].startswith(f"{config.TrainConfig().learning_rate:g}")
    assert choices["tuning budget"].startswith(
        f"{protocol.BUDGET['full']} settings per strategy at the full profile, the baseline included"
    )


def test_run_times_list_each_run_once(tmp_path):
    class Run:
        def __init__(self, name, seconds, hardware=None):
            self.folder, self.seconds, self.config = tmp_path / name, seconds, config.ExperimentConfig()
            self.hardware = hardware

    box = {"cpu": "AMD EPYC", "extensions": ["AVX2"], "onednn": False}
    first = Run("a", 10.04, box)
    table = environment.run_times([first, Run("b", 5), first, Run("c", 1, box)])
    assert table.folder.tolist() == ["a", "b", "c"] and table.seconds.tolist() == [10.0, 5.0, 1.0]
    assert table.run[0] == "baseline seed 2017"
    assert table.machine.tolist() == ["AMD EPYC (AVX2; oneDNN off)", "not recorded", "AMD EPYC (AVX2; oneDNN off)"]
    machines = environment.run_machines(table)
    assert machines.values.tolist() == [["AMD EPYC (AVX2; oneDNN off)", 2], ["not recorded", 1]]


def test_without_a_record_the_chapter_times_say_so_in_one_row(tmp_path):
    shown = environment.chapter_times_shown(tmp_path)
    assert shown.chapter.tolist() == ["(not recorded: this page ran outside `make book`)"]
    environment.record_chapter_time("01_data", 12.5, tmp_path)
    assert environment.chapter_times_shown(tmp_path).to_dict("records") == [{"chapter": "01_data", "seconds": 12.5}]


def test_the_reproducibility_glue_counts_runs_machines_and_hours():
    import pandas as pd

    times = pd.DataFrame({"seconds": [1800.0, 5400.0], "machine": ["a", "a"]})
    glued = environment.reproducibility_glue(times, environment.run_machines(times), None)
    assert (glued["repro-runs"], glued["repro-machines"], glued["repro-hours"]) == ("2", "one kind", "2.0")
    assert glued["repro-seed-spread"] == "not available, since no full build with its runs' losses is recorded"
    two = environment.reproducibility_glue(times.assign(machine=["a", "b"]), pd.DataFrame({"m": [1, 2]}), 0.01234)
    assert two["repro-machines"] == "2 kinds" and two["repro-seed-spread"].startswith("a standard deviation of 0.0123")


def test_a_checkout_is_clean_after_a_build_writes_its_findings_and_not_after_a_code_change(tmp_path):
    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "results" / "full").mkdir(parents=True)
    (tmp_path / "results" / "full" / "verdicts.csv").write_text("old\n")
    (tmp_path / "code.py").write_text("x = 1\n")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "first")
    head = environment.commit(tmp_path)
    assert len(head) == 12 and "local changes" not in head
    (tmp_path / "results" / "full" / "verdicts.csv").write_text("new\n")  # what a full build writes
    assert environment.commit(tmp_path) == head
    (tmp_path / "code.py").write_text("x = 2\n")
    assert environment.commit(tmp_path) == f"{head} + local changes"
