"""What the chapters on each regularizer say: curves, notes and glue from hand-made histories."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from melodyreg import config
from melodyreg.report import regularizers


def run(train_loss, eval_loss, strategy: str = "baseline", **columns):
    """A run whose history trains at iterations 1..n and evaluates at 1..m, with its strategy's config."""
    train = pd.DataFrame({"phase": "train", "iteration": range(1, len(train_loss) + 1), "loss": train_loss, **columns})
    held = pd.DataFrame({"phase": "eval", "iteration": range(1, len(eval_loss) + 1), "loss": eval_loss})
    history = pd.concat([train, held.assign(perplexity=1.0, accuracy=0.5)], ignore_index=True)
    return SimpleNamespace(
        history=history, seconds=1.0, folder=strategy, config=config.experiment_config("poster", strategy)
    )


def test_the_curves_name_each_strategy_and_smooth_only_the_training_loss():
    s = SimpleNamespace(runs={"dropout": run([4.0, 2.0], [3.0, 1.0], "dropout")})
    curves = regularizers.curves(s, smooth=2)
    assert set(curves.strategy) == {"dropout"}  # by name: the chart shows the label
    assert curves[curves.phase == "train"].loss.tolist() == [4.0, 3.0]
    assert curves[curves.phase == "eval"].loss.tolist() == [3.0, 1.0]


def test_the_melody_glue_counts_the_sampled_events_without_the_primer():
    assert regularizers.melody_glue(10, 128, 1.0) == {
        "melody-count": "10",
        "melody-steps": "128",
        "melody-temperature": "1",
        "melody-sampled": "127",
    }


def test_the_dropout_glue_reads_the_gap_rounded_as_it_is_shown():
    s = SimpleNamespace(runs={"baseline": run([1.0], [1.2004]), "dropout": run([1.0], [1.2001], "dropout")})
    glued = regularizers.dropout_glue(s)
    assert glued["dropout-gap"] == "-0.000"
    assert glued["dropout-gap-reading"] == "the two fit held-out melodies equally well to three decimals"
    s.runs["dropout"] = run([1.0], [1.25], "dropout")
    assert regularizers.dropout_glue(s)["dropout-gap-reading"] == "positive, so dropout fits held-out melodies worse"


def test_the_validation_path_says_where_the_loss_was_lowest_and_whether_it_rose():
    rose = run([1.0] * 3, [2.0, 1.5, 1.7], epsilon=[1.0, 0.6, 0.3]).history
    assert regularizers.validation_path(rose).startswith("Its validation loss was lowest, 1.500, at iteration 2, and")
    assert "as ε fell below 0.5" in regularizers.validation_path(rose)
    flat = run([1.0] * 3, [2.0, 1.5, 1.52], epsilon=[1.0, 0.6, 0.3]).history
    assert regularizers.validation_path(flat) == "Its validation loss ends near its lowest, 1.500 (iteration 2)."


def test_the_professor_forcing_glue_reads_its_gates_and_cites_the_designs_only_where_trained():
    gates = {"gate_generator": [0.0, 1.0, 0.0, 0.0], "gate_discriminator": [1.0] * 4, "d_accuracy": [0.5] * 4}
    gates["grad_norm"] = [1.0, 6.0, 2.0, 3.0]
    runs = {"baseline": run([1.0] * 4, [1.1]), "professor_forcing": run([1.0] * 4, [1.3], "professor_forcing", **gates)}
    glued = regularizers.professor_forcing_glue(SimpleNamespace(profile="poster", runs=runs, designs={}))
    assert (glued["pf-gate-on"], glued["pf-gate-mostly"], glued["pf-grad-on"], glued["pf-grad-clipped"]) == (
        "25.0%",
        "mostly teacher forcing",
        "6.00",
        "100%",
    )
    assert glued["pf-designs-cited"].data.startswith("The `poster` profile trains professor forcing one way")
    assert "in this run, 25.0% of the iterations" in regularizers.gates_caption(SimpleNamespace(runs=runs))


def test_notes_for_prose_describe_the_runs_settings():
    run = SimpleNamespace(config=config.experiment_config("poster", "baseline"))
    s = SimpleNamespace(runs={"baseline": run})
    assert regularizers.model_note(s) == "two LSTM layers of 64 units, 5,000 iterations of batch 32"
    assert regularizers.validation_note(s) == "every 100 iterations, on 512 windows of 128 steps"
    run.config = config.experiment_config("smoke", "baseline", layers=(32, 16, 8))
    assert regularizers.model_note(s) == "three LSTM layers of 32, 16 and 8 units, 60 iterations of batch 8"


def test_the_designs_chart_is_drawn_only_where_the_designs_were_trained():
    assert regularizers.designs_chart(SimpleNamespace(designs={})) is None
    runs = {"baseline": run([1.0, 2.0], [1.0])}
    designs = {"raw": run([1.5, 2.5], [1.0], "professor_forcing")}
    spec = regularizers.designs_chart(SimpleNamespace(runs=runs, designs=designs)).to_dict()
    strategies = {row["strategy"] for rows in spec["datasets"].values() for row in rows}
    assert strategies == {"Baseline", "Professor forcing (raw)"}


def test_the_gate_reading_says_professor_forcing_fell_behind_only_when_it_did():
    from melodyreg.report.regularizers import _gate_reading

    assert "ends behind the baseline" in _gate_reading(True, True)
    assert "level with or ahead of the baseline" in _gate_reading(True, False)
    assert "behind" not in _gate_reading(True, False) and "behind" not in _gate_reading(False, True)


def test_the_seqgan_glue_reads_its_adversarial_steps_and_its_cost_against_professor_forcing():
    # 100 discriminator pre-training updates (no reward), then 300 adversarial steps: reward late 0.40 on average
    reward = [float("nan")] * 100 + [0.2] * 270 + [0.4] * 30
    accuracy = [0.9] * 370 + [0.7] * 30
    sg = run([1.0] * 400, [1.30, 1.25, 1.28], "seqgan", reward=reward, d_accuracy=accuracy)
    sg.seconds = 300.0
    pf = run([1.0], [1.2], "professor_forcing")
    pf.seconds = 200.0
    glued = regularizers.seqgan_glue(SimpleNamespace(runs={"seqgan": sg, "professor_forcing": pf}))
    assert glued["sg-steps"] == "300" and glued["sg-d-pretrain"] == "100" and glued["sg-rollouts"] == "4"
    assert glued["sg-d-steps"] == "1 discriminator update"
    assert glued["sg-reward-late"] == "0.40" and glued["sg-d-accuracy-late"] == "0.70"
    assert glued["sg-valid-start"] == "1.300" and glued["sg-valid"] == "1.280"
    assert glued["sg-valid-reading"].startswith("it fell")
    assert regularizers._likelihood_reading(1.0504, 1.0496).startswith("it did not move")  # both show 1.050
    assert regularizers._likelihood_reading(1.05, 1.106).startswith("it rose")
    assert glued["sg-pf-ratio"] == "1.50"
    assert glued["sg-widths"] == "2, 4, 8 and 16" and glued["sg-filters"] == "32" and glued["sg-delay"] == "0.8"
    assert glued["sg-dearest"] == "300 steps, 8 rollouts and a stride of 8"
    caption = regularizers.seqgan_caption(SimpleNamespace(runs={"seqgan": sg}))
    assert "(iteration 101, after 100 pre-training updates of the discriminator)" in caption
