"""A tuned build's findings: written with their provenance, verified when read, and checked against the code."""

from __future__ import annotations

import dataclasses
import json

import pandas as pd
import pytest

from melodyreg import hardware, protocol
from melodyreg.evaluation import recorded
from melodyreg.report import findings, sentences
from melodyreg.runs import store, study

MACHINE = {"cpu": "AMD EPYC", "extensions": ["AVX2", "FMA"], "onednn": False, "machine": "x86_64"}


def fake_study(profile: str = "smoke") -> study.Study:
    """A study of stored-run stand-ins: the defaults, a two-setting grid, two seeds of the chosen settings."""
    options = study.plan(profile, seed=7)

    def run(name, seed, extra=None):
        config = study.run_config(options, name, seed, extra)
        history = pd.DataFrame({"iteration": [0, 10], "phase": ["eval", "eval"], "loss": [2.0, 1.0 + 0.01 * seed]})
        return store.Run(config, store.run_folder(config), history, 60.0, hardware=MACHINE)

    grid = [
        {"strategy": "dropout", "setting": study.setting_label(x), "overrides": x, "run": run("dropout", 7, x)}
        for x in ({"dropout_rate": 0.25}, {"dropout_rate": 0.5})
    ]
    selected = {"nll": {"baseline": {}, "dropout": {"dropout_rate": 0.25}}}
    final = {
        ("nll", name, seed): run(name, seed, selected["nll"][name])
        for name in ("baseline", "dropout")
        for seed in (7, 8)
    }
    defaults = {name: run(name, 7) for name in ("baseline", "dropout")}
    return study.Study(profile, 7, None, None, defaults, (7, 8), grid, {}, final, selected, options=options)


VERDICTS = pd.DataFrame(
    {
        "poster's claim": ["a", "b", "c"],
        "evidence (mean [interval] over seeds)": ["x", "y", "z"],
        "verdict": ["supported", "contradicted", "inconclusive"],
        "replicates": [5, 5, 5],
    }
)
ENVIRONMENT = {"commit": "abc123", "date of the build (UTC)": "2026-12-04 10:00", "numpy": "2.0"}
PARAMETERS = {"seed": 7, "num_seeds": None, "source": None, "path": None, "maestro_split": None, "iterations": None}


@pytest.fixture
def written(tmp_path):
    s = fake_study()
    where = recorded.write(
        s,
        {"verdicts": VERDICTS, "selected": pd.DataFrame({"strategy": ["dropout"], "nll": ["dropout_rate = 0.25"]})},
        parameters=PARAMETERS,
        environment=ENVIRONMENT,
        results_dir=tmp_path,
        profiles=("smoke",),
    )
    return s, where


def test_findings_come_back_as_written_with_their_provenance(written, tmp_path):
    s, where = written
    assert where == tmp_path / "smoke" and (where / "verdicts.csv").is_file()
    back = recorded.load("smoke", tmp_path)
    pd.testing.assert_frame_equal(back.tables["verdicts"], VERDICTS)
    p = back.provenance
    assert p["commit"] == "abc123" and p["seeds"] == [7, 8] and p["training_version"] == store.TRAINING_VERSION
    folders = {entry["folder"] for entry in p["runs"]}  # a run that serves twice (a default in the grid) once
    assert len(folders) == 5 and p["machines"] == {hardware.kind(MACHINE): 5}
    assert {run.folder.name for run in s.final.values()} <= folders
    assert p["training_seconds"] == 60.0 * len(folders)
    assert (
        sentences.record_summary(back) == "supports 1, contradicts 1 and finds 1 inconclusive of the poster's 3 claims"
    )
    assert "commit abc123 on 2026-12-04 10:00" in sentences.record_origin(
        back
    ) and "not recomputed here" in sentences.record_origin(back)


def test_a_build_reading_its_own_findings_back_does_not_call_them_recorded(written, tmp_path):
    back = recorded.load("smoke", tmp_path)
    own = findings.mark_own(back, recorded.folder("smoke", tmp_path))
    assert own.own and not back.own
    assert not findings.mark_own(back, None).own and not findings.mark_own(back, tmp_path / "other").own
    assert findings.mark_own(None, tmp_path) is None
    origin = sentences.record_origin(own)
    assert origin.startswith("this `smoke` build, at commit abc123") and "not recomputed" not in origin
    assert (
        sentences.record_notice(own).startswith("From this `smoke` build") and "written to `results/smoke/`" in origin
    )


def test_an_unchanged_code_is_not_stale_and_a_changed_one_is(written, tmp_path, monkeypatch):
    assert recorded.stale(recorded.load("smoke", tmp_path)) == []
    provenance = tmp_path / "smoke" / recorded.PROVENANCE
    data = json.loads(provenance.read_text())
    data["runs"][0]["folder"] = "baseline-000000000000"  # as if the defaults had changed since
    provenance.write_text(json.dumps(data))
    assert recorded.stale(recorded.load("smoke", tmp_path)) == [
        f"1 of its {len(data['runs'])} runs would be trained with other settings now (their config hashes differ, "
        "e.g. baseline-000000000000)"
    ]
    monkeypatch.setattr(store, "TRAINING_VERSION", store.TRAINING_VERSION + 1)
    assert "training code's version" in recorded.stale(recorded.load("smoke", tmp_path))[0]


def test_seqgan_tuning_runs_that_are_not_todays_draws_are_stale(written, tmp_path):
    provenance = tmp_path / "smoke" / recorded.PROVENANCE
    data = json.loads(provenance.read_text())
    start = {"learning_rate": 0.0015}  # the baseline setting SeqGAN started from: not one of its own knobs
    options = study.plan("smoke", seed=7)
    entries = []
    for extra in protocol.tuning_settings("smoke", 7)["seqgan"]:
        folder = store.run_folder(study.run_config(options, "seqgan", 7, {**start, **extra})).name
        entries.append({**data["runs"][0], "rule": "tuning", "strategy": "seqgan", "seed": 7, "folder": folder,
                        "overrides": {**start, **extra}})  # fmt: skip
    data["runs"] += entries
    provenance.write_text(json.dumps(data))
    assert recorded.stale(recorded.load("smoke", tmp_path)) == []  # today's draws on any start
    entries[-1]["overrides"] = {**entries[-1]["overrides"], "sg_stride": 3}  # a draw this code would not make
    entries[-1]["folder"] = store.run_folder(study.run_config(options, "seqgan", 7, entries[-1]["overrides"])).name
    provenance.write_text(json.dumps(data))
    assert recorded.stale(recorded.load("smoke", tmp_path)) == [
        "its SeqGAN tuning runs are not the settings this code draws for SeqGAN"
    ]


def test_a_setting_the_code_no_longer_knows_is_stale_in_one_line(written, tmp_path):
    provenance = tmp_path / "smoke" / recorded.PROVENANCE
    data = json.loads(provenance.read_text())
    data["runs"][0]["overrides"] = {"no_such_knob": 1}
    provenance.write_text(json.dumps(data))
    (line,) = recorded.stale(recorded.load("smoke", tmp_path))
    assert line.startswith("its settings no longer describe runs of this code") and "\n" not in line


def test_a_missing_or_damaged_record_is_refused_with_a_reason(written, tmp_path):
    with pytest.raises(recorded.RecordError, match="no `full` build is recorded"):
        recorded.load("full", tmp_path)
    (tmp_path / "smoke" / "verdicts.csv").write_text("poster's claim,verdict\na,supported\n")
    with pytest.raises(recorded.RecordError, match="changed since the build wrote it"):
        recorded.load("smoke", tmp_path)
    (tmp_path / "smoke" / recorded.PROVENANCE).write_text("{not json")
    with pytest.raises(recorded.RecordError, match="unreadable or incomplete"):
        recorded.load("smoke", tmp_path)


def test_a_table_an_older_build_wrote_does_not_survive_a_newer_one(written, tmp_path):
    s, where = written
    assert (where / "selected.csv").exists()
    recorded.write(
        s,
        {"verdicts": VERDICTS},
        parameters=PARAMETERS,
        environment=ENVIRONMENT,
        results_dir=tmp_path,
        profiles=("smoke",),
    )
    assert not (where / "selected.csv").exists() and set(recorded.load("smoke", tmp_path).tables) == {"verdicts"}


def test_the_wall_time_is_stamped_and_only_tuned_profiles_record(written, tmp_path):
    _, where = written
    recorded.stamp(where, 3600.4, {"01_data": 12.0})
    back = recorded.load("smoke", tmp_path).provenance
    assert back["wall_seconds"] == 3600.4 and back["chapter_seconds"] == {"01_data": 12.0}
    poster = fake_study("poster")
    assert recorded.write(poster, {"verdicts": VERDICTS}, parameters={}, environment={}) is None  # only full records
    with pytest.raises(ValueError, match="must include 'verdicts'"):
        recorded.write(
            poster, {"nonsense": VERDICTS}, parameters={}, environment={}, results_dir=tmp_path, profiles=("poster",)
        )


def written_provenance(s: study.Study, results_dir) -> dict:
    """``s`` recorded as a smoke build (verdicts only) in ``results_dir``, and the provenance it wrote."""
    where = recorded.write(
        s,
        {"verdicts": VERDICTS},
        parameters=PARAMETERS,
        environment=ENVIRONMENT,
        results_dir=results_dir,
        profiles=("smoke",),
    )
    return json.loads((where / recorded.PROVENANCE).read_text())


def test_the_baseline_runs_seqgan_started_from_are_recorded_and_counted_in_the_cost(tmp_path, monkeypatch):
    s, options = fake_study(), study.plan("smoke", seed=7)
    sg_config = study.run_config(options, "seqgan", 8, {"learning_rate": 0.002, "sg_steps": 4})
    sg_run = store.Run(sg_config, store.run_folder(sg_config), s.final[("nll", "baseline", 8)].history, 30.0)
    s.final[("nll", "seqgan", 8)] = sg_run
    s.selected["nll"]["seqgan"] = {"learning_rate": 0.002, "sg_steps": 4}
    base_config = study.run_config(options, "baseline", 8, {"learning_rate": 0.002})
    base = store.Run(base_config, store.run_folder(base_config), sg_run.history, 90.0, hardware=MACHINE)
    monkeypatch.setattr(study, "pretraining_run", lambda _, run: base if run is sg_run else None)
    p = written_provenance(s, tmp_path)
    pre = [e for e in p["runs"] if e["rule"] == "pretraining"]
    assert [(e["strategy"], e["seed"], e["overrides"], e["folder"]) for e in pre] == [
        ("baseline", 8, {"learning_rate": 0.002}, base.folder.name)
    ]
    stand_ins = {e["folder"] for e in p["runs"] if e["strategy"] != "seqgan" and e["rule"] != "pretraining"}
    assert p["training_seconds"] == 60.0 * len(stand_ins) + 30.0 + 90.0  # with the SeqGAN run and its baseline
    assert recorded.stale(recorded.load("smoke", tmp_path)) == []  # the record names its runs again


def test_professor_forcing_as_published_is_recorded_and_counted_in_the_cost(tmp_path):
    s, options = fake_study(), study.plan("smoke", seed=7)
    history = s.final[("nll", "baseline", 8)].history
    published = {}
    for run_seed in (7, 8):
        c = study.run_config(options, "professor_forcing", run_seed, protocol.PUBLISHED_PF)
        published[run_seed] = store.Run(c, store.run_folder(c), history, 45.0, hardware=MACHINE)
    s = dataclasses.replace(s, published=published)
    p = written_provenance(s, tmp_path)
    rows = [e for e in p["runs"] if e["rule"] == "published"]
    assert [(e["strategy"], e["seed"], e["overrides"], e["folder"]) for e in rows] == [
        ("professor_forcing", run_seed, protocol.PUBLISHED_PF, run.folder.name) for run_seed, run in published.items()
    ]
    others = {e["folder"] for e in p["runs"] if e["rule"] != "published"}
    assert p["training_seconds"] == 60.0 * len(others) + 2 * 45.0


def test_a_resumed_build_says_its_wall_time_is_the_last_builds_only(written, tmp_path):
    _, where = written
    path = where / recorded.PROVENANCE
    provenance = json.loads(path.read_text())
    folders = sorted({entry["folder"] for entry in provenance["runs"]})
    for entry in provenance["runs"]:  # two runs finished before the last build began, the rest during it
        entry["finished"] = 100.0 if entry["folder"] in folders[:2] else 300.0
    path.write_text(json.dumps(provenance))
    recorded.stamp(where, 5400.0, began=200.0)
    past = recorded.load("smoke", tmp_path)
    assert past.provenance["reused_runs"] == 2
    assert sentences.record_cost(past).endswith(
        "1 h 30 min for the last build, which resumed the study and found 2 of its runs already trained)"
    )
    recorded.stamp(where, 5400.0, began=50.0)  # every run trained by this build
    assert sentences.record_cost(recorded.load("smoke", tmp_path)).endswith("; 1 h 30 min for the whole build)")


def test_the_notice_tells_where_findings_come_from_or_why_there_are_none(written, tmp_path):
    past, reason = recorded.latest("smoke", tmp_path)
    text = sentences.record_notice(past, reason)
    assert (
        text.startswith("From the last `smoke` build, at commit abc123")
        and "5 training runs (5 min of training, summed over runs)" in text
    )
    assert "2 seeds per strategy in the final comparison (7, 8)" in text and "Warning" not in text
    missing, why = recorded.latest("full", tmp_path)
    assert missing is None and sentences.record_notice(missing, why).startswith("Nothing to show yet: no `full` build")
    assert sentences.record_table(missing, "verdicts", why).iloc[0, 0].startswith("none: no full build")
    provenance = tmp_path / "smoke" / recorded.PROVENANCE
    data = json.loads(provenance.read_text())
    data["training_version"] = -1
    provenance.write_text(json.dumps(data))
    assert "**Warning: the code has changed since that build**" in sentences.record_notice(
        recorded.load("smoke", tmp_path)
    )


def test_runs_trained_again_on_another_machine_are_compared_with_the_seed_spread(written, tmp_path):
    s, _ = written
    past = recorded.load("smoke", tmp_path)
    assert recorded.seed_spread(past) == pytest.approx(0.01 / 2**0.5)  # seeds 7 and 8: losses 1.07 and 1.08
    same = s.final[("nll", "baseline", 8)]
    elsewhere = dict(MACHINE, cpu="Intel Xeon", extensions=["AVX2", "AVX-512", "AVX-512 VNNI"], onednn=True)
    other = store.Run(
        same.config,
        same.folder,
        pd.DataFrame({"iteration": [10], "phase": ["eval"], "loss": [1.083]}),
        50.0,
        hardware=elsewhere,
    )
    table = recorded.across_machines(past, [other, other, s.runs["baseline"]])
    assert table.run.tolist() == ["baseline seed 8", "baseline seed 7"]
    row = table.iloc[0]
    assert row["recorded on"] == "AMD EPYC (AVX2, FMA; oneDNN off)"
    assert row["trained here on"] == "Intel Xeon (AVX2, AVX-512, AVX-512 VNNI; oneDNN on)"
    assert row.difference == pytest.approx(0.003) and table.iloc[1].difference == 0


def test_without_a_recorded_build_the_machine_comparison_says_why():
    table = sentences.record_across_machines(None, "no full build recorded", runs=[])
    assert table.to_dict("records") == [{"recorded findings": "none: no full build recorded"}]
