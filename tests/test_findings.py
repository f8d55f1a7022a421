"""What the evaluation chapter says, from a hand-made comparison: tables, sentences and glue."""

from __future__ import annotations

import dataclasses
from types import SimpleNamespace

import pandas as pd
import pytest

from melodyreg import protocol
from melodyreg.evaluation import claims
from melodyreg.evaluation.comparison import Comparison
from melodyreg.evaluation.evidence import Evidence
from melodyreg.evaluation.tuning import Tuning
from melodyreg.report import findings, sentences

ORDER = ["baseline", "dropout", "scheduled_sampling", "professor_forcing"]


def measured(seeds=(2017,), rule="nll", **columns) -> pd.DataFrame:
    """One row per (strategy, seed) under ``rule``; each column's value per strategy in ORDER."""
    base = {
        "nll": [1.10, 1.20, 1.30, 1.40],
        "log_likelihood": [-50.0, -40.0, -60.0, -45.0],
        "matched_auc": [0.45, 0.60, 0.70, 0.52],
        "matched_memo_auc": [0.55, 0.48, 0.51, 0.50],
        "matched_melodies": [1200, 1200, 1200, 1200],
        "accuracy_note": [0.4, 0.4, 0.4, 0.4],
        "accuracy_no_event": [0.9, 0.9, 0.9, 0.9],
        "accuracy_note_off": [0.0, 0.0, 0.0, 0.0],
        "gate_open": [float("nan")] * 3 + [0.25],
        "d_accuracy": [float("nan")] * 3 + [0.61234],
        **columns,
    }
    return pd.DataFrame(
        [
            {"rule": rule, "strategy": name, "seed": seed, "setting": "default", **{c: v[i] for c, v in base.items()}}
            for seed in seeds
            for i, name in enumerate(ORDER)
        ]
    )


def run(folder: str, history: pd.DataFrame | None = None):
    train = SimpleNamespace(eval_windows=512, eval_every=100, window=128)
    return SimpleNamespace(folder=folder, history=history, config=SimpleNamespace(train=train))


def comparison(
    *, seeds=(2017,), seed=None, grid=(), frontier=None, robustness=None, quality=None, **fields
) -> Comparison:
    """A comparison of hand-made tables around a study of ``seeds`` (tuned when ``grid`` is given; the study's
    ``seed``, default the first of ``seeds``)."""
    history = pd.DataFrame({"phase": ["eval", "eval"], "loss": [2.0, 1.5], "iteration": [1, 2]})
    study = SimpleNamespace(
        profile="smoke" if grid else "poster",
        seed=seeds[0] if seed is None else seed,
        seeds=tuple(seeds),
        grid=list(grid),
        runs={name: run(f"{name}-0", history) for name in ORDER},
        final={("nll", name, s): run(f"{name}-{s}", history) for name in ORDER for s in seeds},
        tuned=bool(grid),
    )
    runs = pd.concat([measured(seeds), quality if quality is not None else measured(seeds).iloc[:0]])
    table = pd.DataFrame({"strategy": ["dropout"], "overrides": ["{}"], "valid_nll": [1.23456]}) if grid else None
    selected = {"nll": {name: {} for name in ORDER}}
    if grid:
        selected["quality"] = {**selected["nll"], "dropout": {"dropout_rate": 0.25}}
    values = {
        "study": study,
        "tuning": Tuning(table if table is not None else pd.DataFrame(), selected),
        "evidence": Evidence(runs, pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), {}),
        "per_side": 200,
        "sweep": pd.DataFrame(),
        "lengths": pd.DataFrame(),
        "sweep_melodies": 16,
        "length_melodies": 16,
        "frontier": frontier if frontier is not None else pd.DataFrame(columns=["strategy", "verdict", "seeds"]),
        "robustness": robustness if robustness is not None else pd.DataFrame(),
        "timings": pd.DataFrame(),
        "verdicts": pd.DataFrame({"poster's claim": ["a", "b", "c"], "verdict": ["supported", "contradicted", "x"]}),
        "quality_verdicts": None,
        **fields,
    }
    return Comparison(**values)


def test_the_protocol_line_names_the_posters_protocol_without_a_grid():
    line = findings.protocol_line(comparison(seeds=(2017,)))
    assert line.startswith("Profile `poster`: no tuning (the poster's protocol), 1 seed per strategy (2017)")
    assert "4 runs in the final comparison." in line


def test_the_protocol_line_counts_the_tuning_runs_of_a_tuned_study():
    line = findings.protocol_line(comparison(seeds=(2018, 2019), seed=2017, grid=[{}, {}, {}]))
    assert line.startswith(
        "Profile `smoke`: 3 tuning runs at seed 2017, then 2 fresh seeds per strategy (2018, 2019, none a tuning run's)"
    )
    assert "8 runs in the final comparison." in line  # four strategies at two seeds, each its own folder


def test_the_opening_glue_cites_the_tuning_tables_only_where_they_exist():
    untuned = findings.opening_glue(comparison(), 10, 128)
    assert untuned["ll-count"] == "10" and untuned["ll-steps"] == "128"
    assert "poster's protocol" in untuned["tuning-cited"].data
    assert "{numref}`tbl-tuning`" in findings.opening_glue(comparison(grid=[{}]), 10, 128)["tuning-cited"].data
    assert untuned["min-seeds"] == str(protocol.MIN_SEEDS)
    assert untuned["matched-melodies"] == "1,200"


def test_the_tuning_table_drops_the_json_and_rounds_and_is_none_without_a_grid():
    assert findings.tuning_table(comparison().tuning) is None
    table = findings.tuning_table(comparison(grid=[{}]).tuning)
    assert list(table.columns) == ["strategy", "valid NLL (final)"]
    assert table["valid NLL (final)"].iloc[0] == 1.2346 and table.strategy.iloc[0] == "Dropout"


def test_the_chosen_settings_have_one_column_per_rule_and_display_labels(monkeypatch):
    monkeypatch.setattr(findings.protocol, "tuning_settings", lambda *_: {"dropout": ({}, {"dropout_rate": 0.25})})
    chosen = findings.chosen_settings(comparison(grid=[{}]))
    assert list(chosen.columns) == ["strategy", "nll", "quality", findings.EDGE_COLUMN]
    assert chosen.set_index("strategy").loc["Dropout"].tolist() == ["default", "dropout_rate = 0.25", "no"]


def test_the_chosen_settings_flag_a_choice_at_the_edge_of_its_search(monkeypatch):
    c = comparison(grid=[{}])
    c.tuning.selected["quality"]["dropout"] = {"dropout_rate": 0.58}  # smoke's space: 0.05 to 0.6
    monkeypatch.setattr(findings.protocol, "tuning_settings", lambda *_: {"dropout": ({}, {"dropout_rate": 0.58})})
    flagged = findings.chosen_settings(c).set_index("strategy")[findings.EDGE_COLUMN]
    assert flagged["Dropout"] == "quality: dropout_rate 0.58 (highest drawn; bound 0.6)"
    assert (flagged.drop("Dropout") == "no").all()
    assert findings.chosen_edges(c, "nll").empty and len(findings.chosen_edges(c, "quality")) == 1
    c.tuning.selected["nll"]["dropout"] = {"dropout_rate": 0.58}  # both rules chose it: named once
    flagged = findings.chosen_settings(c).set_index("strategy")[findings.EDGE_COLUMN]
    assert flagged["Dropout"] == "nll and quality: dropout_rate 0.58 (highest drawn; bound 0.6)"


def test_an_auc_below_chance_is_named_with_its_value():
    text = findings.below_chance(measured())
    assert "Below 0.5 on average here: baseline's AUC (0.450), dropout's memorization AUC (0.480)." in text


def test_without_an_auc_below_chance_the_sentence_says_so():
    text = findings.below_chance(measured(matched_auc=[0.6] * 4, matched_memo_auc=[0.5] * 4))
    assert text.endswith("No AUC in the table is below 0.5 on average here.")


def test_the_held_out_glue_pairs_the_last_validation_loss_with_the_first_seeds_test_nll():
    assert findings.held_out_glue(comparison(seeds=(7, 8))) == {
        "curve-end-baseline": "1.500",
        "test-nll-baseline-first": "1.100",
        "eval-windows": "512",
        "eval-every": "100",
        "eval-window": "128",
    }


def test_the_lengths_table_stacks_one_block_per_length_with_steps_second():
    lengths = pd.DataFrame(
        [
            {
                "strategy": name,
                "seed": s,
                "steps": n,
                "cross_nll": 1.0,
                "own_ll_per_event": -1.0,
                "distinct_4grams": 0.5,
            }
            for n in (512, 128)
            for name in ORDER[:2]
            for s in (0, 1)
        ]
    )
    table = findings.lengths_table(lengths)
    assert list(table.columns[:2]) == ["strategy", "steps"] and table.steps.tolist() == [128, 128, 512, 512]


def test_the_lengths_caption_warns_only_when_the_sweep_drew_more_melodies():
    lengths = pd.DataFrame({"steps": [128, 512]})
    fewer = findings.lengths_caption(comparison(lengths=lengths, sweep_melodies=100, length_melodies=32))
    assert fewer.startswith("Melodies of 128 and 512 steps at temperature 1 (32 melodies per run and length;")
    assert "its values at 128 steps differ" in fewer
    same = findings.lengths_caption(comparison(lengths=lengths, sweep_melodies=16, length_melodies=16))
    assert same.endswith("not across lengths.")


@pytest.mark.parametrize(
    ("verdicts", "seeds", "expected"),
    [
        (["no", "yes", "yes"], 5, "Scheduled sampling and professor forcing beat the temperature-tuned baseline"),
        (["no", "yes", "no"], 5, "Scheduled sampling beats the temperature-tuned baseline"),
        (["no", "inconclusive", "no"], 5, "No regularizer beats the temperature-tuned baseline"),
        (["untested", "untested", "untested"], 2, "With 2 seeds the frontier verdicts are untested"),
    ],
)
def test_the_frontier_note_names_the_winners_or_says_why_there_are_none(verdicts, seeds, expected):
    table = pd.DataFrame({"strategy": ORDER[1:], "verdict": verdicts, "seeds": [seeds] * 3})
    note = findings.frontier_note(comparison(seeds=tuple(range(seeds)), frontier=table))
    assert note.startswith(expected)


def test_the_exposure_note_gives_each_strategys_excess_after_the_longest_beginning():
    exposure = pd.DataFrame(
        [
            {"strategy": name, "seed": 0, "prefix": p, "excess": 0.1 * i + p / 1000}
            for p in (16, 64)
            for i, name in enumerate(ORDER)
        ]
    )
    note = findings.exposure_note(exposure)
    assert note.startswith("After 64 steps of its own, the excess cost is baseline **0.064**, dropout **0.164**")
    assert note.endswith("Scheduled sampling and professor forcing were built to lower it; dropout was not.")
    assert findings.longest_exposure(exposure).prefix.unique().tolist() == [64]


def test_the_cited_glue_names_the_tables_of_a_tuned_build_and_the_full_profile_otherwise():
    plain = findings.cited_glue(comparison())
    assert "The `poster` profile has no tuning settings to vary" in plain["settings-cited"].data
    assert "the `full` profile also judges them" in plain["verdicts-quality-cited"].data
    tuned = findings.cited_glue(
        comparison(grid=[{}], robustness=pd.DataFrame({"margin": [1.0]}), quality_verdicts=pd.DataFrame())
    )
    assert "{numref}`fig-robustness`" in tuned["settings-cited"].data
    assert "{numref}`tbl-verdicts-quality`" in tuned["verdicts-quality-cited"].data


def test_the_professor_forcing_table_has_one_row_per_run_and_rule():
    table = findings.professor_forcing_runs(pd.concat([measured((0, 1)), measured((0,), rule="quality")]))
    assert table["selected by"].tolist() == ["validation NLL", "validation NLL", "sample quality"]
    assert table["gate open"].iloc[0] == "25.0%" and table["discriminator accuracy"].iloc[0] == 0.612


def test_the_verdicts_seeds_note_gives_the_t_intervals_worth_per_number_of_seeds_most_first():
    quality = measured((0, 1, 2), rule="quality")
    quality = quality[(quality.seed < 2) | quality.strategy.isin(["baseline", "dropout"])]  # the rest at two seeds
    c = comparison(seeds=(0, 1, 2), quality=quality)
    note = findings.verdict_seeds_note(c, "quality")
    assert note == f"{sentences.t_interval_note(3)}; {sentences.t_interval_note(2)}"
    assert findings.verdict_seeds_note(c) == sentences.t_interval_note(3)  # the NLL rule's runs: three seeds each
    assert "2 degrees of freedom" in note and "95%" in note and "simulated" not in note
    assert sentences.t_interval_note(1) == "one seed, so single runs and no interval"
    assert "with 1 degree of freedom" in sentences.t_interval_note(2)


def test_the_contradicted_claims_are_quoted_or_said_to_be_none():
    verdicts = pd.DataFrame({"poster's claim": ["a", "b"], "verdict": ["contradicted", "supported"]})
    assert findings.contradicted(verdicts) == "Contradicted: “a”."
    assert findings.contradicted(verdicts.assign(verdict="supported")) == "No claim is contradicted."


def test_the_closing_glue_counts_the_verdicts_and_gives_each_strategys_means():
    values = findings.closing_glue(comparison(seeds=(0, 1)), None, "nothing in results/full/")
    assert values["eval-claims"] == "3" and values["eval-seeds"] == "2 seeds"
    assert (values["eval-supported"], values["eval-contradicted"], values["eval-inconclusive"]) == ("1", "1", "0")
    assert values["eval-nll-dropout"] == "1.200" and values["eval-ll-dropout"] == "-40.0"
    assert values["eval-recorded"] == "No tuned comparison is recorded yet: nothing in results/full/."
    assert values["eval-full-cost"] == "not recorded yet"
    assert values["record-notice"].data == "Nothing to show yet: nothing in results/full/."
    # the secondary rows (the state claims at the poster's positions) are not counted among the poster's claims
    secondary = pd.DataFrame(
        {"poster's claim": [c.text for c in claims.CLAIMS if c.secondary], "verdict": "contradicted"}
    )
    verdicts = pd.concat([comparison().verdicts, secondary], ignore_index=True)
    counted = findings.closing_glue(comparison(seeds=(0, 1), verdicts=verdicts), None, "nothing")
    assert counted["eval-claims"] == "3" and counted["eval-contradicted"] == "1"
    assert "4 state claims come out as 0 supported, 4 contradicted" in counted["eval-claims-summary"]


def test_the_recorded_parameters_are_read_by_name_and_a_missing_one_is_named():
    namespace = {name: i for i, name in enumerate(findings.RECORDED_PARAMETERS)} | {"workers": 2}
    assert findings.parameters_of(namespace) == {n: i for i, n in enumerate(findings.RECORDED_PARAMETERS)}
    with pytest.raises(KeyError, match="tsne_states"):
        findings.parameters_of({k: v for k, v in namespace.items() if k != "tsne_states"})


def test_the_budget_reading_says_whether_the_order_depends_on_the_budget():
    same = pd.DataFrame(
        {
            "strategy": ["baseline"] * 2 + ["dropout"] * 2,
            "budget": [1, 2, 1, 2],
            "expected best": [1.2, 1.1, 1.3, 1.2],
            "settings": [2] * 4,
        }
    )
    assert findings.budget_reading(same).startswith("From one setting to 2 settings, the strategies keep their order")
    crossed = same.assign(**{"expected best": [1.2, 1.15, 1.25, 1.1]})
    text = findings.budget_reading(crossed)
    assert text.startswith("The order changes with the budget: with one setting drawn it is baseline, dropout")
    assert "with 2 settings dropout, baseline" in text
    assert findings.budget_reading(None) == ""
    # SeqGAN starts from the tuned baseline: ranked apart from the others, and the reading says why
    seqgan = pd.DataFrame({"strategy": ["seqgan"] * 2, "budget": [1, 2], "expected best": [0.1, 0.1], "settings": 2})
    with_seqgan = findings.budget_reading(pd.concat([same, seqgan]))
    assert with_seqgan == findings.budget_reading(same) + " " + findings.SEQGAN_BUDGET_NOTE
    assert findings.budget_reading(seqgan) == findings.SEQGAN_BUDGET_NOTE


def test_the_tuning_glue_reports_edges_only_where_there_is_tuning():
    untuned = findings.tuning_glue(comparison())
    assert untuned == {"budget-reading": "", "budget-edges": ""}
    tuned = findings.tuning_glue(comparison(grid=[{}]))
    assert tuned["budget-edges"] == "No setting the NLL rule chose sits at the edge of its search space."
    assert findings.budget_figure(comparison()) is None


def test_the_published_table_marks_professor_forcing_as_published_beside_the_chosen_setting():
    assert findings.published_table(comparison()) is None  # no published run at the poster's protocol
    chosen = [{"rule": "nll", "strategy": name, "seed": s, "nll": 1.0 + 0.1 * s} for name in ORDER for s in (1, 2)]
    published = [{"rule": "published", "strategy": "professor_forcing", "seed": s, "nll": 1.5} for s in (1, 2)]
    c = comparison(seeds=(1, 2))
    c = dataclasses.replace(c, evidence=dataclasses.replace(c.evidence, runs=pd.DataFrame(chosen + published)))
    table = findings.published_table(c, {"nll": "NLL"})
    assert table.strategy.tolist() == ["Baseline", "Professor forcing", findings.PUBLISHED_LABEL]
    assert table.seeds.tolist() == [2, 2, 2] and table.NLL.iloc[2].startswith("1.500")


def test_the_seqgan_reading_gives_its_verdict_and_its_frontier_row_or_nothing_without_it():
    text = claims.CLAIMS[claims.SEQGAN_CLAIM].text
    verdicts = pd.DataFrame(
        {
            "poster's claim": [text],
            "evidence (mean [interval] over seeds)": [
                "test NLL, SeqGAN − dropout: 0.010 [0.002, 0.018] (judged also …)"
            ],
            "verdict": ["contradicted"],
        }
    )
    frontier = pd.DataFrame(
        {"strategy": ["seqgan"], "verdict": ["no"], "best margin": ["-0.02 [-0.03, -0.01]"], "best temperature": [0.9]}
    )
    assert findings.seqgan_reading(verdicts, frontier) == (
        "SeqGAN, the poster's future work, against the token-level regularizers on test NLL: contradicted "
        "(test NLL, SeqGAN − dropout: 0.010 [0.002, 0.018]); on the quality–diversity frontier against the "
        "temperature-tuned baseline: no (margin -0.02 [-0.03, -0.01] at temperature 0.9)."
    )
    assert findings.seqgan_reading(verdicts.iloc[:0], frontier) == ""


def test_the_chapter_glue_joins_every_part_before_the_closing_section(monkeypatch):
    parts = ("opening_glue", "tuning_glue", "held_out_glue", "cited_glue", "notes_glue")
    for part, key in zip(parts, "abcde", strict=True):
        monkeypatch.setattr(findings, part, lambda *args, key=key: {key: key.upper()})
    assert findings.glue(None, 10, 128) == {"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}


def test_each_pasted_note_is_its_paragraph_as_markdown(monkeypatch):
    notes = {
        "protocol-line": "protocol_line",
        "below-chance": "below_chance",
        "fit-note": "fit_note",
        "reference-note": "reference_note",
        "frontier-note": "frontier_note",
        "exposure-note": "exposure_note",
    }
    for function in notes.values():
        monkeypatch.setattr(findings, function, lambda *args, function=function: f"written by {function}")
    c = SimpleNamespace(nll_runs=None, evidence=SimpleNamespace(exposure=None))
    pasted = findings.notes_glue(c)
    assert {key: note.data for key, note in pasted.items()} == {k: f"written by {f}" for k, f in notes.items()}


def test_seqgan_s_adversarial_phase_is_read_against_its_own_pre_training():
    runs = pd.DataFrame(
        {
            "strategy": ["seqgan"] * 5 + ["baseline"],
            "pretrained_gain": [-0.010, -0.012, -0.008, -0.011, -0.009, float("nan")],
        }
    )
    text = findings.adversarial_effect(runs)
    assert text.startswith("Against the baseline run each SeqGAN run started from, its test NLL moved by -0.010 [")
    assert "(5 seeds; 95 % t-interval, below 0): the adversarial phase itself lowered the NLL." in text
    noisy = runs.assign(pretrained_gain=[-0.02, 0.02, -0.01, 0.01, 0.0, float("nan")])
    assert findings.adversarial_effect(noisy).endswith("moved the NLL by no more than seed noise.")
    assert findings.adversarial_effect(runs.assign(pretrained_gain=float("nan"))) == ""  # not measured
    assert findings.adversarial_effect(runs.drop(columns="pretrained_gain")) == ""  # an older record
