"""Wall time of training a whole study (the tuning grid, the choice, then the seeds) on Dask.

    .venv/bin/python benchmarks/study_wall.py [--profile full] [--iterations N] [--num-seeds 5]
                                              [--runs-dir DIR] [--scheduler ADDRESS] [--no-tuning]

Trains into a fresh ``--runs-dir`` (default: a temporary folder, so nothing is
reused) and prints the wall time, the sum of the runs' own training times, their
ratio (how well the runs filled the workers) and the wall time as a ratio to the
profile's target on the 2-core CPU (``poster``: every strategy once in 15 min; other
profiles have no target). ``--no-tuning`` follows the poster's protocol at the
profile (every strategy at its default, at every seed). With ``--iterations``
below the profile's, the wall time is also scaled to the profile's iterations: the
runs' time that grows with iterations is scaled, SeqGAN's adversarial phase (a fixed
number of steps, ``sg_steps``) is not, and the wall time is taken to fill the workers as
well as it did here (start-up and scoring make the scaling slightly pessimistic, PF's
gate and SS's sampling share, which differ early in training, either way). Short runs can
choose other settings than full-length ones, and settings differ in cost (a professor-forcing
discriminator that reads every step costs 1.4x one that reads quarter notes), so the scaled time
predicts the full-length study only where the choices agree. The evaluation chapter's measuring
and the HTML build are not included.
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

from melodyreg import config
from melodyreg.evaluation import tuning
from melodyreg.runs import study

# wall-time targets on the 2-core CPU: every strategy once (the tuned full protocol has none)
TARGET_MINUTES = {"poster": 15.0}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default="full")
    parser.add_argument("--iterations", type=int, default=None)
    parser.add_argument("--num-seeds", type=int, default=None)
    parser.add_argument("--runs-dir", default=None)
    parser.add_argument("--scheduler", default=None)
    parser.add_argument("--no-tuning", action="store_true", help="defaults x seeds only (the poster's protocol)")
    args = parser.parse_args()

    runs_dir = Path(args.runs_dir or tempfile.mkdtemp(prefix="melodyreg-runs-"))
    start = time.perf_counter()
    s = study.run_study(
        args.profile,
        num_seeds=args.num_seeds,
        scheduler=args.scheduler,
        overrides={"iterations": args.iterations},
        runs_dir=runs_dir,
        tuning=not args.no_tuning,
    )
    s = study.train_final(s, tuning.tune(s, progress=False).selected) if s.tuned else s
    wall = time.perf_counter() - start  # includes corpus preparation (cached) and scoring the tuning runs
    # every run in the fresh store was trained here: defaults, designs, grid, SeqGAN's pre-training, finals
    folders = sorted(f for f in runs_dir.iterdir() if (f / "done.json").is_file())
    seconds = {f: json.loads((f / "done.json").read_text())["seconds"] for f in folders}
    busy = sum(seconds.values())
    fixed = sum(t for f, t in seconds.items() if f.name.startswith("seqgan-"))  # sg_steps, not iterations
    full_iterations = config.experiment_config(args.profile).train.iterations
    scale = full_iterations / (args.iterations or full_iterations)
    protocol = f"{len(s.grid)} tuning runs, then the choices" if s.tuned else "defaults"
    print(f"{len(folders)} runs ({protocol} at {len(s.seeds)} seeds) in {runs_dir}")
    print(
        f"wall {wall / 60:.1f} min; sum of run times {busy / 60:.1f} min (SeqGAN's adversarial phases "
        f"{fixed / 60:.1f}); busy / wall = {busy / wall:.2f}"
    )
    scaled = wall * ((busy - fixed) * scale + fixed) / busy
    line = f"wall scaled to {full_iterations} iterations: {scaled / 60:.1f} min"
    target = TARGET_MINUTES.get(args.profile)
    print(line + (f" = {scaled / 60 / target:.2f}x the {target:.0f}-min target" if target else ""))


if __name__ == "__main__":
    main()
