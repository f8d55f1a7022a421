"""The evaluation tables of a tuned study: every run measured once, the same numbers on a rerun, the map."""

import numpy as np
import pandas as pd
import pytest

from melodyreg.config import STRATEGIES
from melodyreg.evaluation import claims, evidence, speed, tuning

pytestmark = pytest.mark.slow  # trains a study's runs

OPTIONS = {
    "num": 3,
    "steps": 24,
    "per_side": 40,
    "permutations": 20,
    "reference_melodies": 12,
    "prefixes": (1, 4),
    "continuation": 4,
    "exposure_melodies": 6,
    "progress": False,
}


@pytest.fixture(scope="module")
def gathered(tiny_tuned_study):
    return evidence.gather(tiny_tuned_study[2], **OPTIONS)


def test_each_state_panel_reads_one_network_the_one_that_generated_its_melodies(tiny_tuned_study, gathered):
    from melodyreg.evaluation import states
    from melodyreg.model import generation
    from melodyreg.runs.study import state_batch

    study = tiny_tuned_study[2]
    sets = states.hidden_state_sets(study, gathered.samples, gathered.sample_runs, per_side=40, window=16)
    assert set(sets) == set(gathered.samples) == set(gathered.sample_runs) == set(STRATEGIES)
    batch = state_batch(study, 40, 16)
    for name, (teacher, _) in sets.items():
        run = gathered.sample_runs[name]
        assert run.folder == study.final[("nll", name, study.seeds[0])].folder  # the run behind the samples
        assert run.folder != study.runs[name].folder  # a fresh seed: not the default (tuning) run
        mine, mask = generation.teacher_forced_hidden(run.model(), batch)
        other, _ = generation.teacher_forced_hidden(study.runs[name].model(), batch)
        rows = {tuple(np.round(r, 6)) for r in mine[mask]}
        assert all(tuple(np.round(r, 6)) in rows for r in teacher)  # every state is this network's
        assert not any(tuple(np.round(r, 6)) in rows for r in other[mask][:5])
        sampled = gathered.samples[name]  # the free-running side: melodies this same network generates
        again = generation.generate(
            run.model(),
            num=len(sampled.classes),
            steps=sampled.classes.shape[1],
            temperature=sampled.temperature,
            seed=run.config.seed,
        )
        np.testing.assert_array_equal(again.classes, sampled.classes)
        np.testing.assert_allclose(again.hidden, sampled.hidden, rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="no run for the samples of baseline"):
        states.hidden_state_sets(study, gathered.samples, {}, per_side=40, window=16)


def test_every_run_of_the_final_comparison_is_measured(tiny_tuned_study, gathered):
    final = tiny_tuned_study[2]
    runs = gathered.runs[gathered.runs.rule != "published"]
    assert len(runs) == len(final.final)
    assert set(zip(runs.rule, runs.strategy, runs.seed)) == set(final.final)
    published = gathered.runs[gathered.runs.rule == "published"]  # professor forcing as published, every final seed
    assert set(published.seed) == set(final.published) and set(published.strategy) == {"professor_forcing"}
    columns = (
        "nll",
        "nll_best",
        "train_nll",
        "gap",
        "accuracy_note",
        "state_auc",
        "memo_auc",
        "matched_auc",
        "matched_memo_auc",
        "matched_mmd_p",
        "memo_mmd",
        "memo_mmd_p",
        "mmd_p",
        "log_likelihood",
        "train_loss",
        "seconds",
    )
    for column in columns:
        assert runs[column].notna().all(), column
    assert ((runs.state_auc >= 0) & (runs.state_auc <= 1)).all() and (runs.log_likelihood < 0).all()
    assert runs.matched_auc.between(0, 1).all() and (runs.matched_melodies >= 2).all()
    pf = runs[runs.strategy == "professor_forcing"]
    assert pf.gate_open.between(0, 1).all() and pf.d_accuracy.between(0, 1).all()
    assert runs[runs.strategy != "professor_forcing"].gate_open.isna().all()
    sg, others = runs[runs.strategy == "seqgan"], runs[runs.strategy != "seqgan"]
    assert len(sg) and sg.pretrained_nll.notna().all() and others.pretrained_nll.isna().all()  # its own start
    assert np.allclose(sg.pretrained_gain, sg.nll - sg.pretrained_nll)
    nll_runs = (runs.rule == "nll").sum()
    assert len(gathered.exposure) == nll_runs * 2 and len(gathered.features) == nll_runs * 9
    # the grid is measured on the test split too, one row per tuning run, its choices marked
    assert len(gathered.grid) == len(final.grid)
    assert set(gathered.grid[gathered.grid.selected.str.contains("nll")].strategy) == set(STRATEGIES)


def test_a_run_two_rules_share_is_measured_once_with_the_same_numbers(gathered):
    runs = gathered.runs
    key = ["strategy", "seed", "setting"]
    both = runs.groupby(key).filter(lambda g: set(g.rule) == {"nll", "quality"})
    for _, group in both.groupby(key):
        assert group.nll.nunique() == 1 and group.state_auc.nunique() == 1


def test_a_rerun_gives_the_same_tables(tiny_tuned_study, gathered):
    again = evidence.gather(tiny_tuned_study[2], **OPTIONS)
    pd.testing.assert_frame_equal(again.runs.drop(columns="seconds"), gathered.runs.drop(columns="seconds"))
    pd.testing.assert_frame_equal(again.exposure, gathered.exposure)
    pd.testing.assert_frame_equal(again.features, gathered.features)


def test_measuring_side_by_side_gives_the_same_tables(tiny_tuned_study, gathered):
    # two worker processes of one thread each against this process's threads: sums taken in another order
    # move the last bits (a difference such as the gap, ~1e-3 here, by ~1e-7), nothing more
    apart = evidence.gather(tiny_tuned_study[2], workers=2, **OPTIONS)
    same = {"check_exact": False, "rtol": 1e-5, "atol": 1e-6}
    pd.testing.assert_frame_equal(apart.runs, gathered.runs, **same)
    pd.testing.assert_frame_equal(apart.grid, gathered.grid, **same)
    pd.testing.assert_frame_equal(apart.exposure, gathered.exposure, **same)
    pd.testing.assert_frame_equal(apart.features, gathered.features, **same)
    assert {k: r.folder for k, r in apart.sample_runs.items()} == {k: r.folder for k, r in gathered.sample_runs.items()}
    for name, sampled in gathered.samples.items():
        np.testing.assert_array_equal(apart.samples[name].classes, sampled.classes)
        np.testing.assert_allclose(apart.samples[name].hidden, sampled.hidden, rtol=1e-5, atol=1e-6)


def test_the_robustness_map_covers_every_setting_of_every_claim(tiny_tuned_study, gathered):
    first = tiny_tuned_study[0]
    table = tuning.robustness(tiny_tuned_study[2], gathered)
    runs_claims = [c for c in claims.CLAIMS if c.source == "runs" and not c.secondary]  # secondary rows: not mapped
    assert set(table.claim) == {c.text for c in runs_claims}
    assert dict(zip(table.claim, table.brief)) == {c.text: c.brief for c in runs_claims}
    for claim in runs_claims:
        involved = {s for _, a, b, _ in claim.comparisons for s in (a, b)}
        rows = table[table.claim == claim.text]
        assert len(rows) == sum(row["strategy"] in involved for row in first.grid)
    assert (table.seeds == 1).all() and table.seed_spread.notna().all()  # two seeds in the smoke comparison
    assert set(table.holds) <= {True, False}
    summary = tuning.flips(table)
    assert len(summary) == len(runs_claims) and (summary["holds at"] <= summary.settings).all()


def test_step_times_weigh_professor_forcing_by_its_runs_gate_shares(tiny_tuned_study):
    study = tiny_tuned_study[2]
    times = speed.step_times(study, rounds=2, steps=2)
    assert set(times.strategy) == set(STRATEGIES) and len(times) == 2 * len(STRATEGIES) and (times.step_ms > 0).all()
    pf = times[times.strategy == "professor_forcing"].iloc[0]
    histories = [r.history for (name, _), r in study.seed_runs("nll").items() if name == "professor_forcing"]
    shares = speed.gate_shares(histories)
    assert sum(shares.values()) == pytest.approx(1.0)
    trained = pd.concat(h[h.phase == "train"] for h in histories)
    assert shares[(1, 1)] == pytest.approx(((trained.gate_generator > 0.5) & (trained.gate_discriminator > 0.5)).mean())
    assert pf.step_ms == pytest.approx(sum(shares[g] * pf[speed.gate_column(g)] for g in speed.GATES))
    assert pf.step_ms == pytest.approx((1 - pf.gate_open) * pf.closed_ms + pf.gate_open * pf.open_ms)
    assert pf.gate_open == pytest.approx(shares[(1, 0)] + shares[(1, 1)])


def test_step_times_reuse_the_rounds_of_a_setting_already_timed(tiny_tuned_study, monkeypatch):
    study = tiny_tuned_study[2]
    timed = []

    def timer(config, batcher, iterations, gates=None):
        timed.append(config)
        return lambda count: [float(len(timed))] * count  # each timer its own time

    monkeypatch.setattr(speed, "_timer", timer)
    nll = speed.step_times(study, rounds=2, steps=1)
    timed.clear()
    # an earlier table in which dropout and professor forcing were timed at other settings (other runs)
    earlier = nll.assign(timed=nll.timed.where(~nll.strategy.isin(["dropout", "professor_forcing"]), "another-run"))
    again = speed.step_times(study, rounds=2, steps=1, reuse=earlier)
    same = {"baseline", "scheduled_sampling"}
    assert sorted(c.strategy.name for c in timed) == ["dropout"] + ["professor_forcing"] * len(speed.GATES)
    assert (again[again.strategy == "dropout"].step_ms != nll[nll.strategy == "dropout"].step_ms.to_numpy()).all()
    for name in same:
        before, after = nll[nll.strategy == name], again[again.strategy == name]
        assert after.timed.tolist() == before.timed.tolist()
        columns = [speed.gate_column(g) for g in speed.GATES] if name == "professor_forcing" else ["step_ms"]
        assert after[columns].to_numpy().tolist() == before[columns].to_numpy().tolist()
    with pytest.raises(ValueError, match="2 rounds, not 3"):
        speed.step_times(study, rule="quality", rounds=3, steps=1, reuse=nll)


def test_step_times_time_the_settings_the_rule_chose(tiny_tuned_study, monkeypatch):
    study = tiny_tuned_study[2]
    timed = []
    monkeypatch.setattr(
        speed, "_timer", lambda config, batcher, iterations, gates=None: timed.append(config) or (lambda n: [2.0] * n)
    )
    times = speed.step_times(study, rule="quality", rounds=1, steps=1)
    chosen = {
        run.config for (rule, _, seed), run in study.final.items() if rule == "quality" and seed == study.seeds[0]
    }
    timed_pf = [c for c in timed if c.strategy.name == "professor_forcing"]
    assert {c for c in chosen if c.strategy.name != "professor_forcing"} <= set(timed)
    assert len(timed) == len(chosen) + 3 and len(timed_pf) == 4  # professor forcing: each combination of gates
    assert set(timed_pf) == {c for c in chosen if c.strategy.name == "professor_forcing"}  # its own setting
    table = speed.step_table(times)
    assert table.strategy.tolist() == list(STRATEGIES) and (table.step_ms == 2.0).all()
    with pytest.raises(ValueError, match="no final runs under the rule 'nope'"):
        speed.step_times(study, rule="nope")


def test_the_study_frontier_sweeps_every_final_run_and_judges_by_the_next_seeds_baseline(tiny_tuned_study):
    from melodyreg.evaluation import frontier

    final = tiny_tuned_study[2]
    sweep, lengths = frontier.study_frontier(final, num=4, steps=24, temperatures=(0.7, 1.0), reference_melodies=8)
    runs = set(final.seed_runs("nll"))
    assert set(zip(sweep.strategy, sweep.seed)) == runs and len(sweep) == 2 * len(runs)
    assert np.isfinite(sweep.cross_nll).all()  # two seeds: each is judged by the other's baseline
    assert set(zip(lengths.strategy, lengths.seed)) == runs and set(lengths.steps) == set(frontier.LENGTHS)
    verdicts = frontier.verdicts(sweep)
    assert verdicts.verdict.str.startswith("untested").all()  # two seeds are below the minimum
