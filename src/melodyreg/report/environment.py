"""What a reproducibility reviewer asks of a build: its environment, its times, the choices behind it.

* :func:`environment_table`: Python, the pinned packages that shape the numbers,
  CPU model and cores, the commit and the date of the build.
* :func:`record_chapter_time` / :func:`chapter_times`: wall time per executed
  chapter, written by the build beside the executed notebooks.
* :func:`run_times`: training time and machine per run of a study, from the run
  store; :func:`run_machines`: how many runs each kind of machine trained.
* :func:`choices_table`: every choice the poster left open, our setting (read
  from :mod:`melodyreg.config`, never retyped) and the reason for it.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

import pandas as pd

from melodyreg import config, hardware, protocol
from melodyreg import constants as C
from melodyreg.files import atomic_write_text

# the packages whose versions can change a number or a page of the book
PACKAGES = (
    "tensorflow-cpu",
    "keras",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "music21",
    "note-seq",
    "pretty_midi",
    "altair",
    "jupyter-book",
    "myst-nb",
    "papermill",
    "dask",
)
TIMES_FILE = "chapter_times.json"


def _version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "not installed"


def commit(root: Path = C.REPO_ROOT) -> str:
    """The checked-out commit (with ``+ local changes`` when the tree differs from it), or ``unknown``.

    ``results/`` does not count: a ``full`` build writes its findings there (committed, but the build's own
    output), so a build from a clean checkout is still reported as that commit after it has written them.
    """
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short=12", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results"],
            cwd=root,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown (not a git checkout)"
    return f"{head} + local changes" if dirty else head


def environment_table(root: Path = C.REPO_ROOT) -> pd.DataFrame:
    """One row per fact of the build's environment: ``item``, ``value``."""
    rows = [
        ("date of the build (UTC)", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M")),
        ("commit", commit(root)),
        ("Python", platform.python_version()),
        ("operating system", platform.platform()),
        ("CPU", hardware.cpu_model()),
        ("CPU cores", str(os.cpu_count())),
        ("vector extensions", ", ".join(hardware.vector_extensions()) or "none of AVX2, AVX-512, VNNI, BF16, AMX"),
        ("TensorFlow's oneDNN", "on" if hardware.onednn_enabled() else "off"),
    ]
    rows += [(package, _version(package)) for package in PACKAGES]
    return pd.DataFrame(rows, columns=["item", "value"])


def times_path(root: Path = C.REPO_ROOT) -> Path:
    return root / "_build" / TIMES_FILE


def _read_times(path: Path) -> dict[str, float]:
    """The recorded chapter times; empty when there is no record or it is corrupt."""
    try:
        return json.loads(path.read_text()) if path.exists() else {}
    except (OSError, ValueError):
        return {}


def record_chapter_time(chapter: str, seconds: float, root: Path = C.REPO_ROOT) -> None:
    """Add one chapter's wall time to the build's record (a corrupt record is started afresh)."""
    path = times_path(root)
    times = _read_times(path)
    times[chapter] = round(float(seconds), 1)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, json.dumps(times, indent=1))


def clear_chapter_times(root: Path = C.REPO_ROOT) -> None:
    """Start a new record (a build that executes every chapter)."""
    times_path(root).unlink(missing_ok=True)


def chapter_times(root: Path = C.REPO_ROOT) -> pd.DataFrame:
    """Wall time per chapter of the latest build (empty when there is no record, e.g. in Jupyter)."""
    times = _read_times(times_path(root))
    return pd.DataFrame({"chapter": list(times), "seconds": list(times.values())})


def chapter_times_shown(root: Path = C.REPO_ROOT) -> pd.DataFrame:
    """:func:`chapter_times`, or one row saying they were not recorded (a page run outside ``make book``)."""
    times = chapter_times(root)
    return times if len(times) else times.assign(chapter=["(not recorded: this page ran outside `make book`)"])


def reproducibility_glue(times: pd.DataFrame, machines: pd.DataFrame, spread: float | None) -> dict[str, str]:
    """The reproducibility chapter's numbers: runs, kinds of machine, training hours, the commit, and the
    recorded seed spread (:func:`melodyreg.evaluation.recorded.seed_spread`; ``None`` when none is recorded).

    Args:
        times: :func:`run_times` of the study.
        machines: :func:`run_machines` of ``times``.
    """
    return {
        "repro-runs": f"{len(times)}",
        "repro-machines": "one kind" if len(machines) == 1 else f"{len(machines)} kinds",
        "repro-seed-spread": f"a standard deviation of {spread:.4f} nats per event (the median over the recorded "
        "final comparison's settings)"
        if spread is not None
        else "not available, since no full build with its runs' losses is recorded",
        "repro-hours": f"{times.seconds.sum() / 3600:.1f}",
        "repro-commit": commit(),
    }


def run_times(runs) -> pd.DataFrame:
    """Training time per run: ``runs`` is an iterable of stored runs (each listed once)."""
    rows, seen = [], set()
    for run in runs:
        if run.folder in seen:
            continue
        seen.add(run.folder)
        rows.append(
            {
                "run": run.config.label(),
                "folder": run.folder.name,
                "seconds": round(run.seconds, 1),
                "machine": hardware.kind(run.hardware),
            }
        )
    return pd.DataFrame(rows)


def run_machines(times: pd.DataFrame) -> pd.DataFrame:
    """How many of a study's runs each kind of machine trained (from :func:`run_times`), most first.

    Runs of one kind reproduce bit for bit; runs of two kinds are, between kinds, like runs of two seeds.
    """
    counts = times.groupby("machine").size().sort_values(ascending=False)
    return pd.DataFrame({"machine that trained the run": counts.index, "runs": counts.to_numpy()})


def choices_table() -> pd.DataFrame:
    """The choices the poster left open, our default setting (from the config) and why."""
    strategy, train, model, data = (
        config.StrategyConfig(),
        config.TrainConfig(),
        config.ModelConfig(),
        config.DataConfig(),
    )
    final_epsilon = strategy.ss_k / (strategy.ss_k + math.exp(train.iterations / strategy.ss_k))
    budget = protocol.BUDGET["full"]
    rows = [
        (
            "corpus",
            "music21's folk collections (O'Neill, Ryan, Aird, misc.)",
            "offline and licence-free; MAESTRO, the poster's data, is one parameter away",
        ),
        (
            "split",
            f"by tune, test {data.test_fraction:.0%}, validation {data.valid_fraction:.0%} of the rest; "
            "duplicate tunes merged",
            "no tune on two sides; settings chosen on validation, verdicts on test",
        ),
        ("learning rate", f"{train.learning_rate:g} (Adam)", "MelodyRNN's default"),
        ("gradient clipping", f"global norm {train.clip_norm:g}", "MelodyRNN's default"),
        ("training window", f"{train.window} steps", "the generated melodies' length"),
        (
            "held-out check in training",
            f"{train.eval_windows} windows every {train.eval_every} iterations",
            "a stable curve at a small cost",
        ),
        ("layers", " × ".join(str(u) for u in model.layers) + " LSTM units", "the poster's architecture"),
        (
            "dropout",
            f"p = {strategy.dropout_rate:g} on each LSTM layer's output, not the recurrent state",
            "as MelodyRNN's DropoutWrapper",
        ),
        (
            "scheduled sampling k",
            f"{strategy.ss_k:g} (ε = {final_epsilon:.2f} at iteration {train.iterations:,})",
            "goes from teacher forcing to nearly free running within the poster's 5,000 iterations",
        ),
        (
            "professor forcing λ",
            f"{strategy.pf_lambda:g}",
            "the adversarial and NLL terms at one scale",
        ),
        (
            "professor forcing gates",
            f"term on when the discriminator is right ≥ {strategy.pf_gate_low:.0%}; "
            f"discriminator updated while < {strategy.pf_gate_high:.0%}",
            "Lamb et al.'s gating",
        ),
        (
            "professor forcing discriminator",
            f"reads hidden states averaged over {strategy.pf_pool} steps",
            "a quarter note is 4 steps",
        ),
        (
            "tuning budget",
            f"{budget} settings per strategy at the full profile, the baseline included: the default and "
            f"{budget - 1} random draws (melodyreg.protocol.SEARCH), at the study's seed",
            "the same budget for every strategy (SeqGAN's builds on the tuned baseline it starts from)",
        ),
    ]
    return pd.DataFrame(rows, columns=["choice", "our setting", "why"])
