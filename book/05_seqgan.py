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
# # SeqGAN
#
# The poster's future work names SeqGAN {cite}`yu2017seqgan`: train the generator as a
# reinforcement-learning agent, rewarded by a discriminator that tells real sequences from
# generated ones. Where professor forcing compares hidden states step by step, SeqGAN judges
# whole sequences, and where scheduled sampling feeds the model its own output, SeqGAN *scores*
# that output. Its generator is our MelodyRNN, $G_\theta$, pre-trained by maximum likelihood: a
# SeqGAN run starts from the stored baseline run of the same seed and settings (it is trained first
# if it is missing), so its pre-training costs nothing beyond the baseline it already is. In the
# tuned comparison that baseline is the one the baseline's own budget chose (its setting of lowest
# validation NLL): SeqGAN starts where the baseline's tuning ended, and its own budget goes to what it
# adds, the adversarial phase.
#
# **The discriminator** $D_\phi$ reads event sequences: an embedding of each event, convolutions
# over {glue:text}`sg-widths` steps (sixteenth notes) with {glue:text}`sg-filters` filters each, the
# maximum of each over time, a highway layer and a logistic output, the design of Yu et al. (after Kim's text CNN). A
# convolution reads a sequence in parallel, where a recurrent discriminator (professor forcing's
# GRU) steps through it; since every generator step makes the discriminator read many rollouts, its
# cost matters here. It is first trained for {glue:text}`sg-d-pretrain` updates on real training
# windows against sequences the generator samples,
#
# $$\mathcal{L}_D = -\log D_\phi(\mathbf{x}) - \log\left(1 - D_\phi(\mathbf{y})\right), \qquad \mathbf{y} \sim G_\theta .$$
#
# **The adversarial phase** alternates one generator update with {glue:text}`sg-d-steps`
# on fresh samples, {glue:text}`sg-steps` times. The generator samples
# sequences $y_{1:L}$ of $L$ = {glue:text}`sg-length` events from a real first event. The value of
# having written the prefix $y_{1:t}$ is estimated by Monte-Carlo search: a delayed copy of the
# generator, $G_\beta$, completes the prefix $N$ = {glue:text}`sg-rollouts` times, and the
# discriminator scores each completion,
#
# $$Q(y_{1:t}) = \frac{1}{N} \sum_{n=1}^{N} D_\phi\big(y_{1:t} \,\|\, \tilde y^{(n)}_{t+1:L}\big), \qquad \tilde y^{(n)} \sim G_\beta(\cdot \mid y_{1:t}),$$
#
# where $\|$ joins a prefix and its completion, and for the whole sequence $Q(y_{1:L}) = D_\phi(y_{1:L})$.
#
# The paper computes $Q$ after every event. Here it is computed every {glue:text}`sg-stride`
# generated events and held back: each event of a block gets the value of the prefix that ends the
# block, which divides the rollouts by the stride. The generator then takes a REINFORCE step,
#
# $$\nabla_\theta J = \frac{1}{B (L-1)} \sum_{b, t} Q\big(y^{b}_{1:t}\big)\, \nabla_\theta \log G_\theta\big(y^{b}_t \mid y^{b}_{1:t-1}\big),$$
#
# taken by an Adam optimizer of its own at learning rate {glue:text}`sg-learning-rate` (pre-training
# used {glue:text}`sg-pretrain-rate`): a fresh Adam moves every weight by about its learning rate at each
# step, whatever the scale of the rewards, so at the pre-training rate a few dozen REINFORCE steps undo
# what pre-training learned. The rollout policy follows the generator slowly, $\beta \leftarrow d\,\beta + (1 - d)\,\theta$ with
# $d$ = {glue:text}`sg-delay` (the paper's code uses 0.8). All rollouts of a step go through one
# compiled sampling loop, each row reading its own prefix before it samples.
#
# **What the choices cost.** The paper rolls out 16 times after each of 20 events per sequence, 200
# adversarial epochs. Here, at the `full` profile, every SeqGAN setting must cost at most twice a
# professor-forcing run on this CPU, since the comparison gives every strategy the same budget of
# settings, not of hours. The rollouts dominate: a step reads $B \cdot N \cdot \lceil (L-1)/\text{stride} \rceil$
# sequences, so halving the stride or doubling $N$ doubles it. The tuning space (the evaluation
# chapter) stops at {glue:text}`sg-dearest`, a corner chosen so that a run stays within twice a
# professor-forcing run; `benchmarks/seqgan_cost.py` measures every corner against one.

# %%
s = study.from_parameters(globals())
show.glue_all(regularizers.seqgan_glue(s))

# %%
show.figure(regularizers.seqgan_chart(s), "fig-sg-reward", regularizers.seqgan_caption(s))

# %%
show.figure(
    plots.loss_curves(regularizers.curves(s, ["seqgan"], smooth=10), "eval", "Validation loss during SeqGAN"),
    "fig-sg-valid",
    "Validation loss (teacher-forced NLL per event) of the SeqGAN run over its iterations: at iteration 0 it "
    "is the pre-trained baseline's; the discriminator's pre-training leaves the generator as it is.",
)

# %% [markdown]
# Over the last tenth of the adversarial steps the generated sequences earned a mean reward of
# {glue:text}`sg-reward-late` and the discriminator was right {glue:text}`sg-d-accuracy-late` of the
# time ({numref}`fig-sg-reward`). The validation loss went from {glue:text}`sg-valid-start`, the
# pre-trained generator's, to {glue:text}`sg-valid` ({numref}`fig-sg-valid`); {glue:text}`sg-valid-reading`.
# The evaluation chapter asks what the adversarial phase buys in sample quality. The run took {glue:text}`sg-seconds` s of training
# beyond its pre-training, {glue:text}`sg-pf-ratio` times the professor-forcing run of this build.

# %% [markdown]
# ## Melodies

# %%
samples = study.sample(s, num=num_melodies, steps=melody_steps, temperature=temperature)
show.melody_gallery(samples["seqgan"], "SeqGAN", "seqgan")
