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
from melodyreg.evaluation import histories
from melodyreg.report import display as show
from melodyreg.report import plots, regularizers
from melodyreg.runs import study

show.enable_offline_charts()

# %% [markdown]
# # Baseline and dropout
#
# ## The baseline: teacher forcing
#
# MelodyRNN reads a melody one event $x_t$ at a time and outputs a distribution over the next
# event. The baseline trains it by **teacher forcing**: whatever the network predicted, the next
# input is the true event, and the loss is the negative log-likelihood of the true next events,
#
# $$\mathcal{L}(\theta) = -\frac{1}{T}\sum_{t=1}^{T} \log p_\theta\left(x_{t+1} \mid x_1, \dots, x_t\right).$$
#
# Every strategy in this book uses the same network: two LSTM layers of 64 units over a one-hot
# input of 38 event classes, a softmax over the same classes, Adam with learning rate $10^{-3}$,
# gradients clipped to global norm 5, batches of 32 windows of 128 steps, 5,000 iterations (the
# poster's settings at the `poster` profile).
#
# ## Dropout
#
# Dropout {cite}`srivastava2014dropout` removes each unit's output with probability $p$ during
# training, so that no unit can rely on particular others. For the outputs $\mathbf{y}^l$ of layer
# $l$, as on the poster,
#
# $$\begin{aligned}
# r_j^l &\sim \mathrm{Bernoulli}(1-p), & \tilde{\mathbf{y}}^l &= \mathbf{r}^l * \mathbf{y}^l, \\
# z_i^{l+1} &= \mathbf{w}_i^{l+1}\tilde{\mathbf{y}}^l + b_i^{l+1}, & y_i^{l+1} &= f(z_i^{l+1}).
# \end{aligned}$$
#
# As in MelodyRNN's `DropoutWrapper`, dropout acts on each LSTM layer's output (what the next layer
# and the softmax see), not on the recurrent state, with $p = 0.5$. We scale the kept outputs by
# $1/(1-p)$ in training ("inverted" dropout), which is equivalent to scaling the weights at
# generation time as the poster describes; at evaluation and generation dropout is off.
#
# :::{note}
# Magenta's MelodyRNN configurations ship with dropout **on** (keep probability 0.5), which is
# presumably why the poster calls dropout "implicitly available within MelodyRNN". The poster does
# not say how its baseline was configured; it lists dropout as a separate strategy, so we read its
# baseline as teacher forcing with dropout off, and Magenta's own default model is then this
# chapter's *dropout* strategy.
# :::
#
# ## Training
#
# The first chapter that needs the models trains every run it can at once, on a Dask cluster (by
# default one single-threaded worker per core): the five strategies at each of the profile's seeds
# (the `poster` profile), or every strategy's tuning settings at the first seed (the `full`
# profile; the evaluation chapter then trains the chosen settings at the other seeds). Runs train
# on the training side of the split and are evaluated on the validation side as they train. Each
# run is stored under `runs/<strategy>-<config hash>/`; the other chapters reuse them, and a rerun
# with the same parameters trains nothing. This chapter and the next three show the first seed's
# runs at each strategy's default setting.

# %%
s = study.from_parameters(globals())
curves = regularizers.curves(s, ["baseline", "dropout"])
show.figure(
    plots.loss_curves(curves, "train", "Training loss (moving mean over 50 iterations)"),
    "fig-dropout-train",
    "Training loss of the baseline and dropout, moving mean over 50 iterations. Dropout's is measured "
    "with units dropped, so it sits higher by construction.",
)

# %%
show.figure(
    plots.loss_curves(curves, "eval", "Validation loss (teacher-forced, no dropout)"),
    "fig-dropout-valid",
    f"Validation loss (teacher-forced, dropout off) {regularizers.validation_note(s)} of the validation side: the "
    "fair comparison of the two. Look for where each curve bottoms out.",
)

# %%
losses = histories.final_losses(s)
show.table(
    losses[losses.strategy.isin(["baseline", "dropout"])].round(4),
    "Final losses: training (mean of the last 10 % of iterations) and validation (the last evaluation).",
    name="tbl-dropout-losses",
)

# %% [markdown]
# Dropout's training loss ({numref}`fig-dropout-train`) is measured *with* units dropped, so it sits
# above the baseline's by construction; the validation loss ({numref}`fig-dropout-valid`,
# {numref}`tbl-dropout-losses`), measured without dropout, is the fair comparison.
#
# ## Melodies
#
# Each strategy generates {glue:text}`melody-count` melodies of {glue:text}`melody-steps`
# sixteenth-note steps, primed with middle C, sampled at temperature {glue:text}`melody-temperature`
# from the model's own distribution. Beside each is its log-likelihood as Magenta reports it: the
# sum of the log-probabilities of the {glue:text}`melody-sampled` sampled events (the
# {doc}`evaluation chapter <06_evaluation>` discusses what that number measures).

# %%
samples = study.sample(s, num=num_melodies, steps=melody_steps, temperature=temperature)
show.glue_all(regularizers.melody_glue(num_melodies, melody_steps, temperature))
show.glue("model-note", regularizers.model_note(s))
show.melody_gallery(samples["baseline"], "Baseline", "baseline")

# %%
show.melody_gallery(samples["dropout"], "Dropout", "dropout")

# %%
show.glue_all(regularizers.dropout_glue(s))

# %% [markdown]
# ## What this shows
#
# At the first seed and the default setting, the baseline ends with a validation loss of
# {glue:text}`dropout-valid-baseline` nats per event and dropout with {glue:text}`dropout-valid-dropout`
# (dropout − baseline: {glue:text}`dropout-gap`, {glue:text}`dropout-gap-reading`).
# One run each says little about which is better; the evaluation chapter judges the two on the test
# side, over seeds and at settings tuned on validation when the build follows the `full` profile.
