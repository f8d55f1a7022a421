"""A tuned build's findings, written beside the code and shown by builds that cannot afford to recompute them.

The ``full`` profile trains tens of runs (hours on a laptop CPU); the default
``poster`` book trains one per strategy. So a ``full`` build writes what it found to
``results/full/`` (:func:`write`), which is committed, and every other build shows
it as "recorded, not recomputed here" (:func:`load`), with its provenance and a
warning when the code has since changed what those runs would be (:func:`stale`).

The folder holds small CSV tables (:data:`TABLES`) and ``provenance.json``,
written last: the profile and parameters, commit, date, the machine
(:mod:`melodyreg.hardware`) and the kinds of machine its runs were trained on,
package versions, training time, the build's wall time (:func:`stamp`), the
training version and the run folder (config hash) and finishing time of every run behind the
tables, and the SHA-256 of every table. A folder that fails those checks is not
shown; the reader is told why in one line.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from melodyreg import config, hardware, protocol
from melodyreg import constants as C
from melodyreg.files import atomic_write, atomic_write_text, sha256
from melodyreg.runs import store, study

RECORDED_PROFILES = ("full",)  # the profiles whose builds write their findings to results/<profile>/
PROVENANCE = "provenance.json"
TABLES = {  # file stem: what it holds
    "verdicts": "the poster's claims judged on the test split (settings chosen by validation NLL)",
    "verdicts_quality": "the same claims at the settings chosen by validation sample quality",
    "selected": "the setting each selection rule chose per strategy",
    "tuning": "every tuning run on the validation split",
    "runs": "every run of the final comparison: its measures on the test split",
    "timings": "milliseconds per training step, per strategy and timing round",
}


class RecordError(ValueError):
    """A results folder that cannot be shown: missing, unreadable or changed since it was written."""


@dataclass(frozen=True)
class Recorded:
    """The findings of one recorded build.

    Attributes:
        folder: where they were read from.
        provenance: ``provenance.json`` (see the module docstring).
        tables: ``{stem: DataFrame}`` for the tables of :data:`TABLES` that the build wrote.
        own: written by the build that reads it (a ``full`` build reading its own findings back), not
            recorded by an earlier one.
    """

    folder: Path
    provenance: dict
    tables: dict[str, pd.DataFrame]
    own: bool = False


def folder(profile: str, results_dir: Path | None = None) -> Path:
    """``results/<profile>/`` (``$MELODYREG_RESULTS_DIR`` moves ``results/``)."""
    return Path(results_dir or C.RESULTS_DIR) / profile


def final_valid_loss(run: store.Run) -> float | None:
    """A run's last validation loss (the held-out check made while training), or ``None`` without one."""
    history = run.history
    if not {"phase", "loss"} <= set(getattr(history, "columns", ())):
        return None
    evals = history[history.phase == "eval"]
    return round(float(evals.loss.iloc[-1]), 6) if len(evals) else None


def _run_entry(rule: str, name: str, run_seed: int, overrides: dict, run: store.Run) -> dict:
    return {
        "valid_loss": final_valid_loss(run),
        "rule": rule,
        "strategy": name,
        "seed": run_seed,
        "overrides": overrides,
        "folder": run.folder.name,
        "split_digest": run.config.split_digest,
        "seconds": round(run.seconds, 1),
        "machine": hardware.kind(run.hardware),
        "finished": run.finished(),
    }


def _study_runs(s: study.Study) -> list[dict]:
    """Every run behind the findings: the defaults, the tuning grid, the designs, the final comparison,
    professor forcing as published (rule ``published``) and the baseline runs SeqGAN started from (rule
    ``pretraining``; in the tuned protocol they are the baseline's own runs, listed again, and the time totals
    count each folder once; a SeqGAN run's own time leaves them out)."""
    grid = {g["run"].folder: g["overrides"] for g in s.grid}  # a default run of a tuned study is a grid run
    roles = [("default", name, s.seed, grid.get(run.folder, {}), run) for name, run in s.runs.items()]
    roles += [("tuning", g["strategy"], s.seed, g["overrides"], g["run"]) for g in s.grid]
    roles += [("design", "professor_forcing", s.seed, {"pf_adversarial": d}, run) for d, run in s.designs.items()]
    roles += [
        (rule, name, run_seed, s.selected.get(rule, {}).get(name, {}), run)
        for (rule, name, run_seed), run in s.final.items()
    ]
    roles += [
        ("published", "professor_forcing", run_seed, dict(protocol.PUBLISHED_PF), run)
        for run_seed, run in s.published.items()
    ]
    for _, name, run_seed, overrides, run in list(roles):
        if name == "seqgan" and (base := study.pretraining_run(s, run)) is not None:
            shared = {k: v for k, v in overrides.items() if k not in config.OWN_KNOBS["seqgan"]}
            roles.append(("pretraining", "baseline", run_seed, shared, base))
    return [_run_entry(*role) for role in roles]


def write(
    s: study.Study,
    tables: dict[str, pd.DataFrame],
    *,
    parameters: dict,
    environment: dict[str, str],
    results_dir: Path | None = None,
    profiles: tuple[str, ...] = RECORDED_PROFILES,
) -> Path | None:
    """Write a build's findings to ``results/<profile>/``: the tables, then ``provenance.json``.

    Only a study of one of ``profiles`` (by default the tuned comparison's) writes anything: the other
    profiles' findings are the book they build.

    Args:
        s: the study, with its final comparison trained.
        tables: ``{stem: DataFrame}``; stems from :data:`TABLES` (``verdicts`` required; a ``None`` is skipped).
        parameters: the chapter parameters the build ran with (``seed``, ``num_seeds``, ``source``, ``path``,
            ``maestro_split``, ``iterations``), so that :func:`stale` can name the same runs again.
        environment: facts of the build (``commit``, ``date of the build (UTC)``, package versions, ...), as
            :func:`melodyreg.report.environment.environment_table` lists them.

    Returns:
        The folder written, or ``None`` for a profile that is not recorded.
    """
    if s.profile not in profiles:
        return None
    tables = {stem: frame for stem, frame in tables.items() if frame is not None}
    unknown = set(tables) - set(TABLES)
    if unknown or "verdicts" not in tables:
        raise ValueError(f"tables must include 'verdicts' and come from {sorted(TABLES)}; got {sorted(tables)}")
    where = folder(s.profile, results_dir)
    where.mkdir(parents=True, exist_ok=True)
    digests = {}
    for stem, frame in tables.items():
        path = where / f"{stem}.csv"
        atomic_write(path, lambda tmp, frame=frame: frame.to_csv(tmp, index=False))
        digests[path.name] = sha256(path)
    for stale_table in set(TABLES) - set(tables):  # a table this build did not write must not survive from an older one
        (where / f"{stale_table}.csv").unlink(missing_ok=True)
    runs = _study_runs(s)
    provenance = {
        "profile": s.profile,
        "parameters": parameters,
        "commit": environment.get("commit", "unknown"),
        "date": environment.get("date of the build (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        "hardware": hardware.record(),
        "machines": dict(Counter(entry["machine"] for entry in {e["folder"]: e for e in runs}.values())),
        "environment": environment,
        "seeds": list(s.seeds),
        "training_version": store.TRAINING_VERSION,
        "training_seconds": round(sum({e["folder"]: e["seconds"] for e in runs}.values()), 1),
        "runs": runs,
        "sha256": digests,
    }
    atomic_write_text(where / PROVENANCE, json.dumps(provenance, indent=1, default=str))
    return where


def stamp(
    where: Path, wall_seconds: float, chapters: dict[str, float] | None = None, *, began: float | None = None
) -> None:
    """Add the build's wall time (and its chapters') to a results folder the build wrote.

    Args:
        began: when the build began (POSIX time): the runs behind the findings that finished before it were
            trained by an earlier build (a resumed one), so the wall time is not the whole study's; their count
            is recorded as ``reused_runs``.
    """
    path = Path(where) / PROVENANCE
    provenance = json.loads(path.read_text())
    provenance["wall_seconds"] = round(float(wall_seconds), 1)
    if chapters is not None:
        provenance["chapter_seconds"] = chapters
    if began is not None:
        finished = {e["folder"]: e.get("finished") for e in provenance["runs"]}
        provenance["reused_runs"] = sum(1 for t in finished.values() if t is not None and t < began)
    atomic_write_text(path, json.dumps(provenance, indent=1, default=str))


def load(profile: str = "full", results_dir: Path | None = None) -> Recorded:
    """The recorded findings of ``profile``, verified against their SHA-256.

    Raises:
        RecordError: nothing recorded, or a file is unreadable, missing or changed since it was written.
    """
    where = folder(profile, results_dir)
    path = where / PROVENANCE
    if not path.is_file():
        shown = where.relative_to(C.REPO_ROOT) if where.is_relative_to(C.REPO_ROOT) else where
        raise RecordError(f"no `{profile}` build is recorded in {shown}/ yet; `make book PROFILE={profile}` writes it")
    try:
        provenance = json.loads(path.read_text())
        digests = provenance["sha256"]
        for key in ("profile", "commit", "date", "runs", "training_version"):
            provenance[key]  # noqa: B018 - a missing key is a damaged record
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise RecordError(f"{path} is unreadable or incomplete ({type(error).__name__})") from error
    tables = {}
    for name, digest in digests.items():
        table = where / name
        if not table.is_file() or sha256(table) != digest:
            raise RecordError(f"{table} is missing or changed since the build wrote it")
        tables[Path(name).stem] = pd.read_csv(table)
    if "verdicts" not in tables:
        raise RecordError(f"{where} has no verdicts table")
    return Recorded(where, provenance, tables)


def stale(recorded: Recorded) -> list[str]:
    """How the code has changed since the record was written, in what it would train: one line per change.

    Compares the training version, then recomputes with today's code the run folder (strategy and
    config hash) of every recorded run from the recorded parameters and the digest of the melodies it
    trained on (the split itself is not recomputed here: that needs the record's corpus; a changed
    split shows when its runs are trained again). An empty list: this code would train the same runs.
    """
    p, changes = recorded.provenance, []
    if p["training_version"] != store.TRAINING_VERSION:
        changes.append(
            f"the training code's version is {store.TRAINING_VERSION}, the record's {p['training_version']}: "
            "runs trained now would differ"
        )
    params = p.get("parameters", {})
    try:
        options = study.plan(
            p["profile"],
            seed=params.get("seed", 2017),
            source=params.get("source"),
            path=params.get("path"),
            maestro_split=params.get("maestro_split"),
            overrides={"iterations": params.get("iterations")},
        )
        changed = [
            entry
            for entry in p["runs"]
            if store.run_folder(
                study.run_config(
                    {**options, "split_digest": entry.get("split_digest", "")},
                    entry["strategy"],
                    entry["seed"],
                    entry["overrides"],
                )
            ).name
            != entry["folder"]
        ]
        drawn = protocol.tuning_settings(p["profile"], params.get("seed", 2017))
    except (ValueError, TypeError, KeyError) as error:  # a setting the code no longer knows
        return [*changes, f"its settings no longer describe runs of this code ({' '.join(str(error).split())})"]
    # SeqGAN's tuning runs add its draws to the baseline setting it starts from (study.seqgan_start), so
    # their run folders alone do not show a change of its draws: compare its own knobs' values
    own = [_seqgan_knobs(e["overrides"]) for e in p["runs"] if e["rule"] == "tuning" and e["strategy"] == "seqgan"]
    if own and sorted(own) != sorted(_seqgan_knobs(extra) for extra in drawn.get("seqgan", ())):
        changes.append("its SeqGAN tuning runs are not the settings this code draws for SeqGAN")
    if changed:
        changes.append(
            f"{len(changed)} of its {len(p['runs'])} runs would be trained with other settings now (their config "
            f"hashes differ, e.g. {changed[0]['folder']})"
        )
    return changes


def _seqgan_knobs(overrides: dict) -> str:
    """A SeqGAN setting's own knobs (:data:`melodyreg.config.OWN_KNOBS`), as a comparable string."""
    return json.dumps({k: v for k, v in overrides.items() if k in config.OWN_KNOBS["seqgan"]}, sort_keys=True)


def latest(profile: str = "full", results_dir: Path | None = None) -> tuple[Recorded | None, str]:
    """:func:`load`, or ``None`` with the one-line reason there is nothing to show."""
    try:
        return load(profile, results_dir), ""
    except RecordError as problem:
        return None, str(problem)


def across_machines(recorded: Recorded, runs) -> pd.DataFrame:
    """This build's runs that the recorded build also trained (same folder: same settings and code), side by
    side: the machine and final validation loss of each.

    On one kind of machine the two losses agree to the last digit; on two kinds they differ as runs of two
    seeds do, which :func:`seed_spread` measures.

    Args:
        runs: stored runs of this build (:class:`melodyreg.runs.store.Run`), each listed once or more.
    """
    recorded_runs = {entry["folder"]: entry for entry in recorded.provenance["runs"]}
    rows, seen = [], set()
    for run in runs:
        entry = recorded_runs.get(run.folder.name)
        if entry is None or run.folder.name in seen or entry.get("valid_loss") is None:
            continue
        seen.add(run.folder.name)
        here = final_valid_loss(run)
        rows.append(
            {
                "run": run.config.label(),
                "recorded on": entry["machine"],
                "trained here on": hardware.kind(run.hardware),
                "recorded validation loss": entry["valid_loss"],
                "validation loss here": here,
                "difference": None if here is None else round(here - entry["valid_loss"], 6),
            }
        )
    return pd.DataFrame(
        rows,
        columns=[
            "run",
            "recorded on",
            "trained here on",
            "recorded validation loss",
            "validation loss here",
            "difference",
        ],
    )


def seed_spread(recorded: Recorded) -> float | None:
    """The median, over the recorded final comparison's settings, of the standard deviation of the final
    validation loss across seeds: the yardstick for a difference between two machines."""
    frame = pd.DataFrame(
        [e for e in recorded.provenance["runs"] if e["rule"] not in ("default", "tuning", "design", "pretraining")]
    ).drop_duplicates("folder")
    if frame.empty or "valid_loss" not in frame:
        return None
    frame["setting"] = frame.overrides.map(lambda o: json.dumps(o, sort_keys=True))
    spread = frame.groupby(["strategy", "setting"]).valid_loss.std().dropna()
    return float(spread.median()) if len(spread) else None
