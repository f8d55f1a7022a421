"""Constants shared by the whole package, each with the reason for its value.

The melody representation follows Magenta's MelodyRNN (``basic_rnn`` config): a
melody is a sequence of events at 16th-note resolution, each event either a MIDI
pitch (a note starts), ``NOTE_OFF`` (the sounding note stops) or ``NO_EVENT``
(nothing changes: the note or rest goes on).
"""

from __future__ import annotations

import os
from pathlib import Path

# --- Melody events (the values note-seq's ``Melody`` uses) ---------------------
MELODY_NO_EVENT = -2  # the previous note or rest is held
MELODY_NOTE_OFF = -1  # the sounding note ends; a rest starts

# --- Time grid -----------------------------------------------------------------
STEPS_PER_QUARTER = 4  # 16th-note resolution, MelodyRNN's default
STANDARD_PPQ = 220  # MIDI ticks per quarter note in files we write
DEFAULT_QPM = 120.0  # tempo used when a source gives none (only playback depends on it)

# --- Melody extraction (MelodyRNN's melody_rnn_pipeline defaults) --------------
MIN_BARS = 7  # melodies shorter than this are discarded
MAX_STEPS = 512  # melodies longer than this are truncated
GAP_BARS = 1.0  # a silence this long ends a melody
MIN_UNIQUE_PITCHES = 5  # melodies with fewer distinct pitch classes are discarded

# --- Pitch range and encoding (MelodyRNN's basic_rnn config) -------------------
MIN_PITCH = 48  # C3, inclusive
MAX_PITCH = 84  # C6, exclusive: 36 pitches, 3 octaves
TRANSPOSE_TO_KEY = 0  # every melody is transposed to C major (or its relative minor)
NOTES_PER_OCTAVE = 12
NUM_SPECIAL_EVENTS = 2  # NO_EVENT and NOTE_OFF come before the pitches
NUM_CLASSES = NUM_SPECIAL_EVENTS + MAX_PITCH - MIN_PITCH  # 38 one-hot classes
CLASS_NO_EVENT = 0  # class index of MELODY_NO_EVENT
CLASS_NOTE_OFF = 1  # class index of MELODY_NOTE_OFF

# Major key each pitch class can belong to: NOTE_KEYS[pc] lists the major keys
# (C=0 ... B=11) whose scale contains pc. Used to guess a melody's key.
MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
NOTE_KEYS = tuple(
    tuple(key for key in range(NOTES_PER_OCTAVE) if (pc - key) % NOTES_PER_OCTAVE in MAJOR_SCALE)
    for pc in range(NOTES_PER_OCTAVE)
)

# --- Generation --------------------------------------------------------------
MIDDLE_C = 60  # the poster primes every generated melody with middle C
DEFAULT_PRIMER = (MIDDLE_C,)

# --- Ranges of the values a user gives (checked by melodyreg.options before any work starts) ---
DIGEST_LENGTH = 12  # hex digits of a SHA-256 that name a run's folder or the melodies it trained on
SEED_MAX = 2**32 - 1  # NumPy and TensorFlow take seeds from 0 to 2**32 - 1
MAX_COUNT = 2**31 - 1  # counts (iterations, units, batches) reach TensorFlow as 32-bit integers
MAX_SEEDS = 100  # training seeds per strategy in one study: 20 times the full profile's 5 (a typo guard)
TEMPERATURE_MIN = 0.01  # below, sampling is argmax in all but name (1e-300 is 0 in float32: NaN probabilities)
TEMPERATURE_MAX = 100.0  # above, sampling is uniform in all but name (at inf it is uniform)
MAX_MELODIES = 1000  # melodies per call: 10 x the sweep's 100; at 2,048 steps the sampler then holds ~1.4 GB
MAX_MELODY_STEPS = 2048  # 4 x the longest training melody; the sampling loop is unrolled into one graph,
# which took 37 s to build at 2,048 steps (a 2 x 8 LSTM on this 2-core CPU; 1.6 s at 128 steps)
TSNE_STATES_MIN = 10  # t-SNE needs more states than its perplexity (5 or more); a test on fewer says little
TSNE_STATES_MAX = 100_000  # 100 times the poster's 1,000 per side (a typo guard)

# --- Corpus ------------------------------------------------------------------
MIDI_SUFFIXES = (".mid", ".midi")  # the files a MIDI folder is searched for (in any case)
# Two folk melodies are one tune written down twice when the Jaccard index of their transposition-invariant
# interval-and-rhythm 4-gram sets (melodyreg.data.similarity) is at least this. Chosen on the poster corpus
# (4,451 melodies): a melody's best match among other tunes has median 0.09 (90th percentile 0.23); pairs
# read by eye above 0.25 were mostly one tune with ornaments, rhythm or pickup changed, pairs from 0.20 to
# 0.25 were mixed. Merging two unrelated tunes costs little (they share a side); a variant split across
# training and test leaks, so the threshold errs low.
NEAR_DUPLICATE = 0.25
# Folk-tune collections shipped inside the music21 wheel (ABC notation).
FOLK_COLLECTIONS = ("oneills1850", "ryansMammoth", "airdsAirs", "miscFolk")
# The Essen folksong collection, also in music21; its licence forbids commercial use.
ESSEN_COLLECTIONS = ("essenFolksong",)
KNOWN_COLLECTIONS = FOLK_COLLECTIONS + ESSEN_COLLECTIONS

# --- Paths -------------------------------------------------------------------


def _repo_root() -> Path:
    """The project folder: $MELODYREG_ROOT, else the checkout holding this file, else cwd."""
    if os.environ.get("MELODYREG_ROOT"):
        return Path(os.environ["MELODYREG_ROOT"]).resolve()
    checkout = Path(__file__).resolve().parents[2]  # src/melodyreg/constants.py -> repo
    return checkout if (checkout / "pyproject.toml").exists() else Path.cwd()


REPO_ROOT = _repo_root()
DATA_DIR = REPO_ROOT / "data"  # caches and downloads live here
# prepared corpora, keyed by settings and versions ($MELODYREG_CACHE_DIR moves them; the tests do)
CACHE_DIR = Path(os.environ.get("MELODYREG_CACHE_DIR") or DATA_DIR / "cache")
# the artifact store of training runs ($MELODYREG_RUNS_DIR moves it; the tests do)
RUNS_DIR = Path(os.environ.get("MELODYREG_RUNS_DIR") or REPO_ROOT / "runs")
# what a tuned build found, committed with the code: results/<profile>/ ($MELODYREG_RESULTS_DIR moves it; the tests do)
RESULTS_DIR = Path(os.environ.get("MELODYREG_RESULTS_DIR") or REPO_ROOT / "results")
# sequences per side in the hidden-state tests: teacher-forced windows (training; test) and generated melodies
STATE_SEQUENCES = 32
# the matched hidden-state tests: real melodies of at least MATCHED_OPENING + MATCHED_LENGTH events read their
# first bar (16 sixteenths) on both sides, then the next four bars teacher-forced or free-running
MATCHED_OPENING, MATCHED_LENGTH = 16, 64
SOUNDFONT_NAME = "TimGM6mb.sf2"  # General-MIDI SoundFont shipped inside pretty_midi
DOWNLOAD_TIMEOUT = 60.0  # seconds a download waits for the server before it gives up
AUDIO_SAMPLE_RATE = 22050  # Hz; enough for a piano melody, half the size of 44.1 kHz

# --- The poster's own results (Singh 2017), shown beside ours, never used in computation ---
POSTER_LOG_LIKELIHOOD = {  # "log likelihood" of 10 generated 128-step melodies, as printed
    "baseline": -280.3,
    "dropout": -235.5,
    "scheduled_sampling": -205.4,
    "professor_forcing": -226.2,
}
STRATEGY_LABELS = {
    "baseline": "Baseline",
    "dropout": "Dropout",
    "scheduled_sampling": "Scheduled sampling",
    "professor_forcing": "Professor forcing",
    "seqgan": "SeqGAN",
}
STRATEGY_SHORT = {
    "baseline": "baseline",
    "dropout": "dropout",
    "scheduled_sampling": "SS",
    "professor_forcing": "PF",
    "seqgan": "SeqGAN",
}
