"""What the chapters on each regularizer show of its training: loss curves, notes and glue for prose.

Numbers come from :mod:`melodyreg.evaluation.histories`; here a study's settings become
words for captions. Frames for charts keep strategies by name; :mod:`melodyreg.report.plots`
shows each name's display label.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from IPython.display import Markdown

from melodyreg import protocol
from melodyreg.evaluation import histories
from melodyreg.model import generation, seqgan
from melodyreg.prose import counted, joined
from melodyreg.report import plots
from melodyreg.report.display import strategy_label
from melodyreg.runs.study import Study

# History columns drawn for each strategy that logs its own (column → legend label).
SCHEDULE_COLUMNS = {
    "epsilon": "ε (chance of the true input)",
    "own_input_share": "share of inputs that were its own, unlike the truth",
}
GATE_COLUMNS = {
    "d_accuracy": "discriminator accuracy",
    "gate_generator": "adversarial term on (share)",
    "gate_discriminator": "discriminator updated (share)",
}
ROUNDING = 3  # decimals of a glued loss; a difference that rounds to zero reads as "equally well"
LOSS_RISE = 0.05  # a final validation loss this far above its lowest has "risen" (nats per event)
OWN_INPUT_ITERATIONS = 100  # the last iterations over which scheduled sampling's own-input share is glued


def curves(study: Study, names: Sequence[str] | None = None, smooth: int = 50) -> pd.DataFrame:
    """Loss curves by strategy name: training loss (moving mean over ``smooth`` iterations) and evaluation loss."""
    frames = []
    for name in names or study.runs:
        history = study.runs[name].history
        train = history[history.phase == "train"][["iteration", "loss"]].copy()
        train["loss"] = train["loss"].rolling(smooth, min_periods=1).mean()
        train["phase"] = "train"
        held = history[history.phase == "eval"][["iteration", "loss"]].copy()
        held["phase"] = "eval"
        frame = pd.concat([train, held])
        frame["strategy"] = name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def design_curves(study: Study, smooth: int = 50) -> pd.DataFrame:
    """Training NLL of the baseline and of professor forcing per adversarial design (moving mean), first seed.

    A design is keyed by its display label (``Professor forcing (raw)``), which the chart shows as given.
    """
    frames = [curves(study, ["baseline"], smooth)]
    for design, run in study.designs.items():
        train = run.history[run.history.phase == "train"][["iteration", "loss"]].copy()
        train["loss"] = train["loss"].rolling(smooth, min_periods=1).mean()
        frames.append(train.assign(phase="train", strategy=f"{strategy_label('professor_forcing')} ({design})"))
    return pd.concat(frames, ignore_index=True)


def _first_config(study: Study):
    return next(iter(study.runs.values())).config


def validation_note(study: Study) -> str:
    """How the validation curves were measured, for captions (e.g. ``every 100 iterations, on 512 windows of 128
    steps``)."""
    train = _first_config(study).train
    return f"every {train.eval_every:,} iterations, on {train.eval_windows:,} windows of {train.window:,} steps"


def model_note(study: Study) -> str:
    """The network and its training, for prose (e.g. ``two LSTM layers of 64 units, 5,000 iterations of batch 32``)."""
    config = _first_config(study)
    layers = config.model.layers
    count = ("one", "two", "three", "four")[len(layers) - 1] if len(layers) <= 4 else f"{len(layers)}"
    units = f"{layers[0]}" if len(set(layers)) == 1 else joined([str(n) for n in layers])
    plural = "s" * (len(layers) != 1)
    train = config.train
    return f"{count} LSTM layer{plural} of {units} units, {train.iterations:,} iterations of batch {train.batch_size}"


def sample_frame(samples: dict[str, generation.Generated]) -> pd.DataFrame:
    """Every generated melody's log-likelihood: strategy (a name), melody number, value."""
    return pd.DataFrame(
        [
            {"strategy": name, "melody": i + 1, "log_likelihood": float(ll)}
            for name, sampled in samples.items()
            for i, ll in enumerate(sampled.log_likelihood)
        ]
    )


def melody_glue(num_melodies: int, melody_steps: int, temperature: float) -> dict[str, str]:
    """The generated melodies' count, length, temperature and sampled events (the primer is not sampled)."""
    return {
        "melody-count": f"{num_melodies}",
        "melody-steps": f"{melody_steps}",
        "melody-temperature": f"{temperature:g}",
        "melody-sampled": f"{melody_steps - 1}",
    }


def dropout_glue(study: Study) -> dict[str, str]:
    """The baseline's and dropout's final validation losses, their difference and how to read it."""
    final = histories.final_losses(study).set_index("strategy")["eval loss"]
    gap = round(final["dropout"] - final["baseline"], ROUNDING)
    reading = (
        "positive, so dropout fits held-out melodies worse"
        if gap > 0
        else "negative, so dropout fits held-out melodies better"
        if gap < 0
        else "the two fit held-out melodies equally well to three decimals"
    )
    return {
        "dropout-valid-baseline": f"{final['baseline']:.3f}",
        "dropout-valid-dropout": f"{final['dropout']:.3f}",
        "dropout-gap": f"{final['dropout'] - final['baseline']:+.3f}",
        "dropout-gap-reading": reading,
    }


def validation_path(history: pd.DataFrame) -> str:
    """Where a scheduled-sampling run's validation loss was lowest, and whether it rose from there as ε fell."""
    train, held = history[history.phase == "train"], history[history.phase == "eval"]
    lowest = held.loc[held.loss.idxmin()]
    if held.loss.iloc[-1] <= lowest.loss + LOSS_RISE:
        return f"Its validation loss ends near its lowest, {lowest.loss:.3f} (iteration {int(lowest.iteration):,})."
    why = (
        "there as ε fell below 0.5: the iterations that fed it mostly its own samples undid part of what the "
        "earlier ones had taught it."
        if train.epsilon.iloc[-1] < 0.5
        else "there while ε fell."
    )
    at = f"{lowest.loss:.3f}, at iteration {int(lowest.iteration):,}"
    return f"Its validation loss was lowest, {at}, and rose from {why}"


def scheduled_sampling_glue(study: Study) -> dict[str, str]:
    """Scheduled sampling's final ε, its share of own inputs at the end, and its validation loss beside the
    baseline's."""
    history = study.runs["scheduled_sampling"].history
    train = history[history.phase == "train"]
    final = histories.final_losses(study).set_index("strategy")["eval loss"]
    return {
        "ss-final-epsilon": f"{train.epsilon.iloc[-1]:.2f}",
        "ss-own-share": f"{train.own_input_share.tail(OWN_INPUT_ITERATIONS).mean():.0%}",
        "ss-valid": f"{final['scheduled_sampling']:.3f}",
        "ss-valid-baseline": f"{final['baseline']:.3f}",
        "ss-valid-path": validation_path(history),
    }


def _gate_reading(mostly_teacher_forced: bool, behind: bool) -> str:
    """What the gates say of professor forcing's training, and whether it ended behind the baseline (a
    sentence that states a result only when the numbers beside it show it)."""
    if not mostly_teacher_forced:
        return "For most of training, then, the adversarial term shaped the generator's steps."
    if behind:
        return (
            "For most of training, then, professor forcing is teacher forcing with an extra network beside it, "
            "and yet it ends behind the baseline here; the next section asks how."
        )
    return (
        "For most of training, then, professor forcing is teacher forcing with an extra network beside it, and "
        "it ends level with or ahead of the baseline here."
    )


def professor_forcing_glue(study: Study) -> dict[str, object]:
    """Professor forcing's gates, discriminator, losses and gradient norms (the raw design's where it is trained),
    and what the prose may cite of the designs (MyST, for ``{glue:md}``)."""
    gates = histories.gate_measures(study.runs["professor_forcing"])
    mostly_teacher_forced = gates["gate_on"] < 0.5
    final = histories.final_losses(study).set_index("strategy")["eval loss"]
    norms = histories.gradient_norms(study.designs.get("raw", study.runs["professor_forcing"]))
    cited = (
        "{numref}`fig-pf-designs` and {numref}`tbl-pf-designs` compare the three designs in this build."
        if study.designs
        else f"The `{study.profile}` profile trains professor forcing one way (raw, as the poster's method is "
        "usually written); the `full` profile compares the three designs."
    )
    return {
        "pf-gate-on": f"{gates['gate_on']:.1%}",
        "pf-d-updated": f"{gates['d_updated']:.1%}",
        "pf-d-accuracy": f"{gates['d_accuracy_late']:.2f}",
        "pf-d-accuracy-all": f"{gates['d_accuracy']:.3f}",
        "pf-gate-reading": _gate_reading(mostly_teacher_forced, final["professor_forcing"] > final["baseline"]),
        "pf-gate-mostly": "mostly teacher forcing" if mostly_teacher_forced else "mostly adversarial",
        "pf-valid": f"{final['professor_forcing']:.3f}",
        "pf-valid-baseline": f"{final['baseline']:.3f}",
        "pf-grad-on": f"{norms['on']:.2f}" if norms["on"] == norms["on"] else "n/a (no open step)",
        "pf-grad-off": f"{norms['off']:.2f}",
        "pf-grad-clipped": f"{norms['clipped']:.0%}" if norms["clipped"] == norms["clipped"] else "none",
        "pf-grad-clip": f"{norms['clip']:g}",
        "pf-designs-cited": Markdown(cited),
    }


def gates_chart(study: Study):
    """Professor forcing's discriminator accuracy and gates over training (moving mean over 50 iterations)."""
    return plots.history_chart(
        study.runs["professor_forcing"].history,
        GATE_COLUMNS,
        "The discriminator and the gates (moving mean over 50 iterations)",
        "share",
        smooth=50,
    )


def designs_chart(study: Study):
    """Training NLL of the baseline and professor forcing's designs, or ``None`` where the designs were not
    trained (the poster's protocol)."""
    if not study.designs:
        return None
    return plots.loss_curves(
        design_curves(study), "train", "Training NLL: the baseline and professor forcing's three designs"
    )


def gates_caption(study: Study) -> str:
    """The gates figure's caption: when the adversarial term is on, and how often it was in this run."""
    run = study.runs["professor_forcing"]
    share = histories.gate_measures(run)["gate_on"]
    return (
        "The discriminator's accuracy and the two gates, moving mean over 50 iterations. The adversarial "
        f"term is on only where the discriminator is right at least {run.config.strategy.pf_gate_low:.0%} of the "
        f"time: in this run, {share:.1%} of the iterations."
    )


SEQGAN_COLUMNS = {
    "reward": "reward: the discriminator's score of generated sequences",
    "d_accuracy": "discriminator accuracy",
}


def seqgan_chart(study: Study):
    """SeqGAN's reward and discriminator accuracy over its iterations (pre-training, then adversarial steps)."""
    return plots.history_chart(
        study.runs["seqgan"].history,
        SEQGAN_COLUMNS,
        "SeqGAN: reward and discriminator (moving mean over 10 iterations)",
        "share",
        smooth=10,
    )


def seqgan_caption(study: Study) -> str:
    """The reward figure's caption, with where the adversarial phase starts in this run."""
    s = study.runs["seqgan"].config.strategy
    return (
        f"SeqGAN's discriminator accuracy from its first update and the reward from its first adversarial step "
        f"(iteration {s.sg_d_pretrain + 1}, after {counted(s.sg_d_pretrain, 'pre-training update')} of the "
        "discriminator), moving mean over 10 iterations. A reward near 0.5 means the discriminator cannot "
        "tell the generated sequences from real ones; near 0, that it always can."
    )


def _likelihood_reading(start: float, end: float) -> str:
    """What SeqGAN's adversarial phase did to the validation loss, as it is shown (to three decimals)."""
    if round(end, 3) > round(start, 3):
        return (
            "it rose: the adversarial phase optimizes the discriminator's judgement, not the likelihood of real "
            "melodies"
        )
    if round(end, 3) < round(start, 3):
        return "it fell: rewarding what the discriminator takes for real also made real melodies more likely"
    return "it did not move at this precision: the adversarial steps left the likelihood where pre-training put it"


def seqgan_glue(study: Study) -> dict[str, str]:
    """SeqGAN's setting, what its last steps show, its validation loss against its start (the baseline run it
    was pre-trained as) and its training time against professor forcing's."""
    run = study.runs["seqgan"]
    s, history = run.config.strategy, run.history
    train, held = history[history.phase == "train"], history[history.phase == "eval"]
    adversarial = train[train.iteration > s.sg_d_pretrain]
    tail = adversarial.tail(max(1, len(adversarial) // 10))
    pf = study.runs.get("professor_forcing")
    space = protocol.SEARCH["full"]["seqgan"]
    dearest = (
        f"{max(space['sg_steps'].choices)} steps, {max(space['sg_rollouts'].choices)} rollouts and a stride of "
        f"{min(space['sg_stride'].choices)}"
    )
    return {
        "sg-widths": joined([str(w) for w in seqgan.WIDTHS]),
        "sg-filters": f"{seqgan.FILTERS}",
        "sg-delay": f"{s.sg_rollout_delay:g}",
        "sg-learning-rate": f"{s.sg_learning_rate:g}",
        "sg-pretrain-rate": f"{run.config.train.learning_rate:g}",
        "sg-dearest": dearest,
        "sg-steps": f"{s.sg_steps:,}",
        "sg-d-pretrain": f"{s.sg_d_pretrain:,}",
        "sg-d-steps": counted(s.sg_d_steps, "discriminator update"),
        "sg-rollouts": f"{s.sg_rollouts}",
        "sg-stride": f"{s.sg_stride}",
        "sg-length": f"{s.sg_length}",
        "sg-reward-late": f"{tail.reward.mean():.2f}" if len(tail) else "n/a (no adversarial step)",
        "sg-d-accuracy-late": f"{tail.d_accuracy.mean():.2f}" if len(tail) else "n/a",
        "sg-valid-start": f"{held.loss.iloc[0]:.3f}",
        "sg-valid": f"{held.loss.iloc[-1]:.3f}",
        "sg-valid-reading": _likelihood_reading(held.loss.iloc[0], held.loss.iloc[-1]),
        "sg-seconds": f"{run.seconds:.0f}",
        "sg-pf-ratio": f"{run.seconds / pf.seconds:.2f}" if pf is not None and pf.seconds else "n/a",
    }
