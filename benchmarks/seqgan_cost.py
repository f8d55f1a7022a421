"""What a SeqGAN run costs against a professor-forcing run, at every corner of SeqGAN's search space.

    .venv/bin/python benchmarks/seqgan_cost.py [--repeats 4] [--threads 1] [--profile full]

Times, in one process and on the same random batch stream (batch 32 x 128 steps, 2 x 64 LSTM at
``full``): the baseline's step (the reference), professor forcing's step at the profile's default,
SeqGAN's discriminator pre-training step and its adversarial step at its default and at the dearest
choices of :data:`melodyreg.protocol.SEARCH`. Each SeqGAN run cost (pre-training excluded: it is a
stored baseline run) is then given as a ratio to a professor-forcing run of the profile's iterations.
Issue 27 asks for at most 2. Speeds vary between machines and days; the ratios are what to read.
"""

import argparse
import itertools
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

from melodyreg import config, protocol  # noqa: E402
from melodyreg.data.windows import Batcher  # noqa: E402
from melodyreg.model import strategies, training  # noqa: E402
from melodyreg.model.network import build  # noqa: E402


def step_ms(run_config, batcher: Batcher, start: int, repeats: int) -> float:
    """Median milliseconds of ``repeats`` steps of ``run_config``'s strategy from iteration ``start`` (after two
    warm-up steps that trace the compiled functions)."""
    training.set_seed(run_config.seed)
    strategy = strategies.make(build(run_config.model), run_config)
    times = []
    for i in range(2 + repeats):
        began = time.perf_counter()
        strategy.train_step(batcher.batch(i), start + i, training.step_seed(run_config.seed, start + i))
        times.append(time.perf_counter() - began)
    return 1000 * float(np.median(times[2:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=4)
    parser.add_argument("--threads", type=int, default=1, help="TensorFlow threads (1: as a run beside another)")
    parser.add_argument("--profile", default="full")
    args = parser.parse_args()
    training.configure_threads(args.threads)
    base = config.experiment_config(args.profile, "baseline")
    rng = np.random.default_rng(0)
    melodies = [rng.integers(2, 38, 4 * base.train.window).astype(np.int8) for _ in range(64)]
    batcher = Batcher(melodies, base.train.window, base.train.batch_size, 0)

    reference = step_ms(base, batcher, 0, args.repeats)
    pf_config = config.experiment_config(args.profile, "professor_forcing")
    pf = step_ms(pf_config, batcher, 0, args.repeats)
    pf_run = pf * pf_config.train.iterations
    print(
        f"baseline step {reference:.1f} ms; professor forcing {pf:.1f} ms ({pf / reference:.2f}x), "
        f"a run of {pf_config.train.iterations:,} steps {pf_run / 1000:.0f} s"
    )

    space = protocol.SEARCH[args.profile]["seqgan"]
    corners = [{}] + [
        dict(zip(("sg_steps", "sg_d_steps", "sg_rollouts", "sg_stride"), values))
        for values in itertools.product(
            [max(space["sg_steps"].choices)],
            [max(space["sg_d_steps"].choices)],
            [max(space["sg_rollouts"].choices)],
            [min(space["sg_stride"].choices)],
        )
    ]
    for setting in corners:
        run_config = config.experiment_config(args.profile, "seqgan", **setting)
        s = run_config.strategy
        pretrain = step_ms(run_config, batcher, 0, args.repeats) if s.sg_d_pretrain else 0.0
        adversarial = step_ms(run_config, batcher, s.sg_d_pretrain, args.repeats)
        run = pretrain * s.sg_d_pretrain + adversarial * s.sg_steps
        print(
            f"seqgan {setting or 'default'}: adversarial step {adversarial:.0f} ms ({adversarial / reference:.1f}x "
            f"the baseline's), discriminator pre-training step {pretrain:.0f} ms; a run {run / 1000:.0f} s, "
            f"{run / pf_run:.2f}x a professor-forcing run"
        )


if __name__ == "__main__":
    main()
