"""Step-time tables for readers (melodyreg.evaluation.speed); the timing itself is tested in test_evidence."""

from __future__ import annotations

import pandas as pd

from melodyreg.evaluation import speed


def test_the_step_table_for_readers_has_headings_percent_and_dashes_where_nothing_applies():
    timings = pd.DataFrame(
        {
            "strategy": ["baseline", "baseline", "professor_forcing", "professor_forcing"],
            "round": [0, 1, 0, 1],
            "step_ms": [40.0, 42.0, 70.0, 72.0],
            "closed_ms": [float("nan"), float("nan"), 60.0, 62.0],
            "open_ms": [float("nan"), float("nan"), 250.0, 254.0],
            "gate_open": [float("nan"), float("nan"), 0.05, 0.05],
        }
    )
    shown = speed.step_display(timings).set_index("strategy")
    assert list(shown.columns) == list(speed.STEP_HEADINGS.values())
    assert shown.loc["baseline"].tolist() == ["41.0", "—", "—", "—"]
    assert shown.loc["professor_forcing"].tolist() == ["71.0", "61.0", "252.0", "5.0%"]


def test_seqgan_is_timed_over_its_adversarial_steps_and_the_others_over_all_of_theirs():
    from melodyreg import config
    from melodyreg.evaluation import speed

    run = config.experiment_config("full", "seqgan", sg_d_pretrain=100, sg_steps=300)
    assert speed.timed_span(run) == (100, 399)
    assert speed.timed_span(config.experiment_config("full", "seqgan", sg_steps=0)) == (100, 100)
    assert speed.timed_span(config.experiment_config("full", "professor_forcing")) == (0, 4999)
