"""Does the speed claim time the step that training runs? The estimate of
:func:`melodyreg.evaluation.speed.step_times` against each run's own time per iteration.

    .venv/bin/python benchmarks/step_vs_run.py [--short 100] [--long 400] [--profile poster] [--tolerance 0.15]

Trains each strategy twice at the profile's model size, for ``--short`` and ``--long``
iterations, one run after another in this process (so each is measured alone, with nothing
beside it), each with one evaluation at the start and one at the end. The run's own time per
iteration is the difference of the two runs' training seconds over the difference of their
iterations: tracing, the two evaluations and the last checkpoint cancel, and what is left is what
an iteration of the loop costs (its batch, its step, its bookkeeping). The long runs' steps are
then timed as the evaluation chapter times them. Prints, per strategy, the ratio of the timed
step to that time per iteration, and exits 1 if one lies outside 1 ± tolerance. Professor
forcing's estimate is weighted by the gate shares the long run had. A SeqGAN run's iterations
are its discriminator's pre-training and its adversarial steps (``sg_steps``), so its two runs
differ in ``sg_steps`` instead (``--short`` and ``--long`` adversarial steps, after the same
pre-training), and its time per iteration is that of an adversarial step. Runs go to a temporary
folder; nothing in ``runs/`` is touched.
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pandas as pd  # noqa: E402

from melodyreg.evaluation import speed  # noqa: E402
from melodyreg.runs import study  # noqa: E402


def _study(profile: str, iterations: int, runs_dir: Path) -> study.Study:
    """Every strategy but SeqGAN, ``iterations`` long, evaluated at the start and the end only."""
    overrides = {"iterations": iterations, "eval_every": iterations, "checkpoint_every": iterations}
    names = tuple(name for name in study.STRATEGIES if name != "seqgan")
    return study.run_study(
        profile, num_seeds=1, workers=1, overrides=overrides, runs_dir=runs_dir, tuning=False, strategies=names
    )


def _seqgan_study(profile: str, steps: int, pretraining: int, runs_dir: Path) -> study.Study:
    """SeqGAN alone with ``steps`` adversarial steps, after a ``pretraining``-iteration baseline (the same for
    both lengths), evaluated at the start and the end only."""
    never = pretraining + steps + 1  # the end is evaluated and checkpointed anyway
    overrides = {"iterations": pretraining, "sg_steps": steps, "eval_every": never, "checkpoint_every": never}
    return study.run_study(
        profile, num_seeds=1, workers=1, overrides=overrides, runs_dir=runs_dir, tuning=False, strategies=("seqgan",)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--short", type=int, default=100)
    parser.add_argument("--long", type=int, default=400)
    parser.add_argument("--profile", default="poster")
    parser.add_argument("--tolerance", type=float, default=0.15)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not 0 < args.short < args.long:
        parser.error(f"--short must be positive and less than --long, got {args.short} and {args.long}")
    with tempfile.TemporaryDirectory() as runs_dir:
        pairs = [
            [_study(args.profile, n, Path(runs_dir)) for n in (args.short, args.long)],
            [_seqgan_study(args.profile, n, args.long, Path(runs_dir)) for n in (args.short, args.long)],
        ]
        timings = pd.concat(
            [speed.step_table(speed.step_times(long, rounds=args.rounds)) for _, long in pairs], ignore_index=True
        )
    studies = {name: pair for pair in pairs for (_, name, _) in pair[0].final}
    print(f"{'strategy':<20} {'timed step ms':>14} {'run ms/iteration':>17} {'ratio':>7}")
    outside = []
    for row in timings.itertuples():
        seconds = [s.final[("nll", row.strategy, s.seed)].seconds for s in studies[row.strategy]]
        per_iteration = 1000 * (seconds[1] - seconds[0]) / (args.long - args.short)
        ratio = row.step_ms / per_iteration
        print(f"{row.strategy:<20} {row.step_ms:>14.1f} {per_iteration:>17.1f} {ratio:>7.2f}")
        if abs(ratio - 1) > args.tolerance:
            outside.append(row.strategy)
    if outside:
        print(f"outside 1 ± {args.tolerance}: {', '.join(outside)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
