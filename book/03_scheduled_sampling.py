# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     notebook_metadata_filter: -jupytext.text_representation.jupytext_version
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#   kernelspec:
#     display_name: melodyreg
#     language: python
#     name: melodyreg
# ---

# %% tags=["parameters"]
profile = "poster"  # "smoke" (CI), "poster" (the poster's settings, one seed) or "full" (5 seeds + sweeps)
seed = 2017  # the first training seed; it also seeds the split, every random draw in training, and sampling
num_seeds = None  # training seeds per strategy (seed, seed + 1, ...); None: the profile's (poster 1, full 5)
source = None  # None: the profile's corpus (folk tunes); or "essen", "maestro", "midi"
path = None  # MAESTRO zip/folder or MIDI folder for those sources
maestro_split = None  # "random" (poster) or "official"
workers = None  # processes for corpus preparation and training; None uses every core
scheduler = None  # address of a Dask scheduler to train on; None: a local cluster
iterations = None  # training iterations per strategy; None: the profile's (5,000 at "poster" and "full")
num_melodies = 10  # generated melodies per run (the poster's 10)
melody_steps = 128  # steps per generated melody, the primer (middle C) included
temperature = 1.0  # sampling temperature

# %%
from melodyreg.report import display as show
from melodyreg.report import plots, regularizers
from melodyreg.runs import study

show.enable_offline_charts()

# %% [markdown]
# # Scheduled sampling
#
# A model trained by teacher forcing has only ever seen true histories, but when it composes it
# reads its own output. Its mistakes put it in states it never visited in training, and the
# mistakes compound: the *exposure bias* the poster's motivation calls a training/inference
# mismatch.
#
# Scheduled sampling {cite}`bengio2015scheduled` closes the gap gradually. At training iteration
# $i$ every input after the first is, by its own coin, the true previous event with probability
# $\epsilon_i$, or else an event **sampled from the model's own prediction** at the previous step.
# $\epsilon_i$ starts near 1 (teacher forcing) and decays with the inverse sigmoid the poster used,
#
# $$\epsilon_i = \frac{k}{k + \exp(i / k)}, \qquad k > 1 .$$
#
# $\epsilon_i = 1/2$ at $i = k \ln k$. The poster does not give its $k$. We choose $k = 500$, so
# that $\epsilon$ is still 0.9 at iteration 2,000, crosses 0.5 near iteration 3,100 and falls to
# about 0.02 by iteration 5,000: the schedule really goes from teacher forcing to nearly free
# running within the poster's 5,000 iterations (with $k = 100$ it would be over after 1,000; with
# $k = 2{,}000$ it would barely start). The evaluation loss stays teacher-forced, as for every
# strategy, so the curves compare like with like.
#
# A sampled event carries no gradient, so each training step does this in two passes with the
# same result as one: a loop without gradients reads the window and chooses every input (coin,
# then sample), and the model then reads the chosen inputs teacher-forced, with TensorFlow's fused
# LSTM kernel, for the loss and its gradient. At $\epsilon = 1$ the step *is* the teacher-forcing
# step, which a test checks weight by weight (`melodyreg.model.strategies.ScheduledSampling`).
#
# Husz&aacute;r {cite}`huszar2015how` showed that scheduled sampling is an inconsistent estimator:
# its objective is not minimised by the true distribution. The poster's discussion dismisses this
# for melodies; the evaluation chapter tests that claim ("Huszár's bias … is not an issue").

# %%
s = study.from_parameters(globals())
show.figure(
    plots.history_chart(
        s.runs["scheduled_sampling"].history,
        regularizers.SCHEDULE_COLUMNS,
        "The schedule used in training",
        "share",
        smooth=25,
    ),
    "fig-ss-schedule",
    "The schedule in training: ε, the chance that an input is the true event, and the share of inputs that "
    "were the model's own sample and differed from the true event (moving mean over 25 iterations).",
)

# %% [markdown]
# In {numref}`fig-ss-schedule`, the line labelled "share of inputs that were its own, unlike the truth" is what
# actually happened: the share of inputs (moving mean over 25 iterations) that differed from the
# true event because the model's own sample was fed. It stays below $1-\epsilon$ because a sample
# often equals the true event.

# %%
curves = regularizers.curves(s, ["baseline", "scheduled_sampling"])
show.figure(
    plots.loss_curves(curves, "train", "Training loss, with the baseline for comparison"),
    "fig-ss-train",
    "Training loss of scheduled sampling and the baseline. As ε falls, scheduled sampling predicts "
    "the true next event from a history that is partly its own, so its training loss rises.",
)

# %%
show.figure(
    plots.loss_curves(curves, "eval", "Validation loss (teacher-forced)"),
    "fig-ss-valid",
    f"Validation loss (teacher-forced, true histories for both) {regularizers.validation_note(s)}. Look for where "
    "scheduled sampling leaves the baseline as its inputs become its own.",
)

# %% [markdown]
# The training loss of scheduled sampling ({numref}`fig-ss-train`) is the loss of predicting the
# true next event from a history that is partly the model's own, which becomes harder as
# $\epsilon$ falls; the validation curve ({numref}`fig-ss-valid`) is measured with true histories
# for both.
#
# ## Melodies

# %%
samples = study.sample(s, num=num_melodies, steps=melody_steps, temperature=temperature)
show.melody_gallery(samples["scheduled_sampling"], "Scheduled sampling", "scheduled-sampling")

# %%
show.glue_all(regularizers.scheduled_sampling_glue(s))

# %% [markdown]
# ## What this shows
#
# At its default $k$, scheduled sampling ends training at $\epsilon$ = {glue:text}`ss-final-epsilon`,
# and over its last 100 iterations {glue:text}`ss-own-share` of its inputs were its own samples that
# differed from the true event. Its final validation loss is {glue:text}`ss-valid` nats per event against
# the baseline's {glue:text}`ss-valid-baseline`. {glue:text}`ss-valid-path` Whether a gentler schedule does better is a question
# of tuning, which the `full` profile answers in the evaluation chapter: besides this default, five
# settings drawn at random, each with its own $k$, floor on $\epsilon$ and learning rate.
#
# On the test split, scored in the {doc}`evaluation chapter <06_evaluation>`:
# {glue:text}`06_evaluation.ipynb::eval-collapse:s`
