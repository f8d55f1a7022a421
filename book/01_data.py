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
profile = "poster"  # "smoke" (CI: one small collection); "poster" and "full" (the book's corpus)
source = "folk"  # "folk", "essen" (non-commercial licence), "maestro" or "midi"
path = None  # a MAESTRO zip or folder, or a folder of MIDI files, for those sources
maestro_split = None  # "random" (the poster's 90:10 by work, then validation from the 90) or "official"
seed = 2017  # seeds the train/validation/test split, the examples shown and the near-copy sample
workers = None  # processes that prepare the corpus; None uses every core

# %%
from IPython.display import Markdown, display

from melodyreg.data import splits
from melodyreg.report import corpus as described
from melodyreg.report import display as show
from melodyreg.report import plots

show.enable_offline_charts()

# %% [markdown]
# # The data
#
# MelodyRNN learns from *melodies*: one note at a time, on a grid of sixteenth notes. This chapter
# turns a corpus of music into such melodies with the rules Magenta's MelodyRNN pipeline uses, splits
# them by tune into training, validation and test sides ({numref}`tbl-collections`), and shows what the
# model will see and hear.
#
# ## The corpus, and how it differs from the poster's
#
# The poster trained on about 1,400 performances from the Yamaha Piano-e-Competition, now published
# as MAESTRO {cite}`hawthorne2019maestro`: virtuoso piano music, polyphonic, with expressive timing
# recorded from a performer's hands. The default build of this book reads instead the folk-tune
# collections that ship inside music21 {cite}`cuthbert2010music21`: *O'Neill's Music of Ireland*
# {cite}`oneill1903`, *Ryan's Mammoth Collection*, *Aird's Airs* and a small set of miscellaneous
# folk tunes, written in ABC notation. They need no download and no licence beyond music21's, so the
# book builds anywhere.
#
# The difference matters. Folk tunes are *notated* and *monophonic*: their melody is the whole piece,
# on an exact metrical grid, mostly in a few keys. Piano performances are chords and counterpoint
# whose "melody" MelodyRNN extracts by taking the highest note starting on each step, with timing
# that does not fall exactly on sixteenth notes. Expect lower losses on folk tunes than on piano
# music, and do not compare our absolute numbers with the poster's; the comparison *between*
# strategies is what this rebuild tests. Rerun this chapter with `source="maestro"` and the path of a
# local MAESTRO copy to train on the poster's data (see the README).
#
# The Essen folksong collection {cite}`schaffrath1995essen`, also in music21, adds about 7,500
# mostly German and Chinese songs with `source="essen"`. Its editors permit **non-commercial** use
# only, which is why it is not part of the default build.

# %%
data, corpus, parts = described.prepare(globals())
display(Markdown(described.summary_line(data, corpus, parts)))

# %%
show.table(
    splits.collection_table(corpus, parts),
    "Pieces and melodies per collection and side of the split. Every tune sits on one side only.",
    name="tbl-collections",
)

# %% [markdown]
# ## Three sides, split by tune
#
# The poster held out a random 10 % of its pieces. We keep that test side, and carve a validation
# side of the same relative size out of the rest: every setting of every strategy is chosen on the
# validation side, and the test side is used only for the final verdicts, so a verdict is never
# judged on the data that chose it {cite}`melis2018state`. A tune is the unit of the split, never a
# window, so no melody is cut between sides.
#
# The four folk collections overlap: O'Neill's and Ryan's print many of the same tunes, and a tune
# can appear twice within one book under two names. Since every melody is transposed to C, two
# printings of one tune give the same encoded melody. Variants are subtler: an ornament, a pickup
# one book prints and the other leaves out, a phrase an octave higher. So a melody is also described
# by the set of its 4-note n-grams, each note by its interval from the previous one folded into one
# octave and by the previous note's length and rest; that survives a change of key, of octave and
# of starting beat. Tunes whose melodies agree in full, in their first 32 sixteenth-note steps (two
# bars of 4/4), or whose n-gram sets reach a Jaccard index of {glue:text}`data-near-threshold`
# are merged before the split, so a tune cannot be learned from one printing and tested on another.
# The threshold was chosen on the `poster` profile's folk corpus by reading pairs on either side of
# it: above it, most were one tune with an ornament, a rhythm or a pickup changed (the measurements
# are beside `NEAR_DUPLICATE` in `constants.py`). The n-gram rule adds {glue:text}`data-near-copies`
# to those exact comparison finds.
#
# Judge the line yourself. {glue:text}`data-near-sample` {numref}`tbl-near-sample` draws a few
# pairs from each side with the chapter's seed (another `seed` draws others, and splits the corpus
# differently too), and the players below it play the opening of both melodies of the drawn pair
# nearest the line on each side. Titles help: two printings of one tune often keep a word of its
# name, though many variants travel under different names.

# %%
near = splits.threshold_sample(corpus, seed)
show.glue("data-near-sample", described.threshold_note(near))

# %%
show.table(
    described.threshold_table(corpus, near),
    "Pairs of melodies from different tunes close to the near-copy threshold, drawn with the chapter's seed: "
    "pairs at or above it are merged into one tune before the split, pairs below it are not (unless other "
    "copies link them). Each melody is named by its title and collection; the index is rounded down.",
    name="tbl-near-sample",
)

# %%
display(*described.threshold_players(corpus, near))

# %% [markdown]
# {numref}`fig-nearest` shows what is left after merging: how close each validation and test melody
# comes to any training melody (median index {glue:text}`data-nearest-valid` for validation,
# {glue:text}`data-nearest-test` for test). MAESTRO is split by composition instead (two
# performances of one piece stay together), or with `maestro_split="official"` by MAESTRO's own
# train, validation and test lists.

# %%
nearest = splits.nearest_training(corpus, parts)
show.figure(
    plots.nearest_chart(nearest),
    "fig-nearest",
    "Each held-out melody's highest n-gram Jaccard index with any training melody, as a share of its side "
    "(validation and test). The dashed line is the near-copy threshold: tunes above it were merged before "
    "the split, so no held-out melody reaches it. Where the two sides' lines lie alike, settings chosen on "
    "validation face a test side as close to what the models learned as the side that chose them.",
)

# %% [markdown]
# ## From notes to melodies
#
# Each piece goes through the stages of MelodyRNN's data pipeline, rewritten in
# `melodyreg.data.melodies` because the `magenta` package no longer installs on current Python:
#
# 1. **Split at meter changes.** A piece is cut wherever its time signature (or tempo) changes, so
#    that every part has one bar length.
# 2. **Quantize** to 4 steps per quarter note, a grid of sixteenth notes.
# 3. **Extract melodies** per instrument: a melody starts on the bar line before its first note, ends
#    at a silence of one bar or more, is **truncated at 512 steps**, and is kept only if it lasts at
#    least **7 bars** and uses at least **5 distinct pitch classes**. Where notes overlap, the
#    **highest note** among those starting on the same step is kept, and a note that starts while
#    another still sounds cuts the earlier one short (MelodyRNN's rule for polyphony).
# 4. **Transpose and squash.** Each melody is transposed to C major (or its relative minor),
#    centred in the model's range, and every note still outside MIDI pitches 48–83 is moved by
#    octaves into it.
# 5. **Encode** each step as one of 38 classes: $c = 0$ for NO_EVENT (the current note or rest goes
#    on), $c = 1$ for NOTE_OFF (a rest begins) and, for the onset of a note of pitch $p$,
#
#    $$c(p) = 2 + p - 48, \qquad 48 \le p \le 83 .$$
#
# The ABC tunes are read into NoteSequences directly from music21's parse, at a nominal 120
# quarter notes a minute, with ties merged into single notes and the first bar aligned to its bar
# line when the tune begins with a pickup. Repeats are not expanded.
#
# ## What was left out, and why
#
# Nothing is dropped silently. {numref}`tbl-skipped` counts every piece that could not be read and every
# melody the extraction rules discarded, with the repairs made on the way (grace notes have no
# duration in ABC and are dropped; a time signature restated without change is merged instead of
# splitting the tune). Rows marked *(kept)* are repairs, not losses.

# %%
show.table(
    corpus.report.table(),
    "Skipped pieces, discarded melodies and repairs, by reason. Rows marked *(kept)* are repairs, not losses.",
    name="tbl-skipped",
)

# %% [markdown]
# Every file and piece left out is also named ({numref}`tbl-skipped-named`), so a reader can find it in the source: the pieces
# that could not be read, those from which no melody survived extraction, and, for a folder of
# MIDI files, every other entry in it (other files, folders and broken links are ignored, and
# listed here as such).

# %%
show.listed(
    corpus.skipped_table(), "Skipped and ignored files and pieces, by name", "skipped.csv", name="tbl-skipped-named"
)

# %% [markdown]
# ## What the model sees
#
# The event classes are very unequal ({numref}`fig-event-classes`): most steps continue a note or a rest, so NO_EVENT
# is the largest class ({glue:text}`data-no-event` of the training steps), and a model that always predicted it would
# already be right that often. Keep this in mind when
# reading accuracies and losses later. The pitch distribution ({numref}`fig-pitches`) shows the range after transposition
# to C; the most common pitch classes of note onsets are {glue:text}`common-pitch-classes`. {numref}`fig-lengths` shows
# how long the melodies are, up to the truncation limit of step 3 above; training reads windows of a fixed length cut
# from them.

# %%
train_melodies = parts.melodies(corpus, "train")
show.glue_all(described.training_glue(train_melodies))

# %%
show.figure(
    plots.event_class_chart(train_melodies, "Event classes in the training melodies (log scale)"),
    "fig-event-classes",
    "Event classes in the training melodies, on a log scale. NO_EVENT (a note or rest goes on) "
    "outnumbers every onset: a model that always predicts it is right on every step it covers.",
)

# %%
show.figure(
    plots.pitch_chart(train_melodies, "Note onsets by pitch in the training melodies"),
    "fig-pitches",
    "Note onsets by pitch in the training melodies, after transposition to C: look for the notes of the "
    "C major triad (C, E, G) standing out.",
)

# %%
show.figure(
    plots.length_chart(corpus.melodies, title="Melody lengths (all melodies; 512 is the truncation limit)"),
    "fig-lengths",
    "Melody lengths in sixteenth-note steps, all melodies. The bar at 512 holds the melodies cut at the "
    "extraction's limit; training windows are 128 steps long.",
)

# %% [markdown]
# ## One melody, seen and heard
#
# {numref}`fig-piano-roll` is a piano roll of a training melody picked at random (with the chapter's seed).
# Below it, three training melodies rendered with FluidSynth and the
# General-MIDI SoundFont that pretty_midi ships, each with its MIDI file; the audio is at most the first
# 256 steps (32 seconds at 120 quarter notes a minute) of each melody, after transposition to C.

# %%
examples = described.examples(parts, seed)
first = examples[0]
show.figure(described.piano_roll(corpus, first), "fig-piano-roll", described.piano_roll_caption(corpus, first))

# %%
display(*described.players(corpus, examples))

# %%
show.glue_all(described.closing_glue(corpus, parts, nearest))

# %% [markdown]
# ## What this shows
#
# The corpus gives {glue:text}`data-melodies` melodies ({glue:text}`data-steps` sixteenth-note steps),
# split by tune into {glue:text}`data-train` for training, {glue:text}`data-valid` for choosing
# settings and {glue:text}`data-test` for the verdicts, with {glue:text}`data-duplicates` tunes that
# were printed more than once kept on one side. {glue:text}`data-no-event` of the training steps are
# NO_EVENT, so a model learns first to hold notes; the interesting part of its loss is in the onsets,
# which the evaluation chapter measures apart.
