"""The study's run list: strategies × seeds, with or without the profile's sensitivity sweeps."""

from __future__ import annotations

import pytest

from melodyreg import config
from melodyreg.config import STRATEGIES
from melodyreg.runs import study

pytestmark = pytest.mark.slow  # trains a study's runs


def test_run_study_trains_strategies_times_seeds_and_the_sweeps_only_when_asked(tmp_path):
    overrides = {"iterations": 2, "eval_every": 2, "checkpoint_every": 2}
    plain = study.run_study("smoke", num_seeds=2, workers=1, overrides=overrides, runs_dir=tmp_path, sweeps=False)
    assert set(plain.seed_runs) == {(name, seed) for name in STRATEGIES for seed in plain.seeds}
    assert len(plain.seeds) == 2 and plain.sensitivity == []
    assert len([p for p in tmp_path.iterdir() if p.is_dir() and not p.name.startswith(".")]) == 2 * len(STRATEGIES)

    swept = study.run_study("smoke", num_seeds=2, workers=1, overrides=overrides, runs_dir=tmp_path)
    knobs = {row["knob"] for row in swept.sensitivity}
    assert knobs == set(config.SENSITIVITY["smoke"])
    defaults = [row for row in swept.sensitivity if row["default"]]
    assert all(row["run"].folder == swept.seed_runs[(row["strategy"], swept.seed)].folder for row in defaults)
    # the seed runs were reused, not retrained; only the sweeps' own settings were added
    others = {row["run"].folder for row in swept.sensitivity if not row["default"]}
    folders = [p for p in tmp_path.iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert len(folders) == 2 * len(STRATEGIES) + len(others)
