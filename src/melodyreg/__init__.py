"""melodyreg: regularization techniques for RNN-generated melodies, rebuilt.

Data: ``constants`` (event codes, ranges, the poster's numbers), ``config`` (frozen
settings and profiles), ``corpus`` (music21 folk tunes, MIDI files → NoteSequences),
``maestro`` (the MAESTRO piano corpus), ``melodies`` (MelodyRNN melody extraction
and encoding), ``dataset`` (prepared corpus, cache, split by piece).

Models: ``model`` (MelodyRNN), ``strategies`` (baseline, dropout, scheduled
sampling, professor forcing), ``training`` (the shared loop, checkpoints, resume),
``store`` (runs keyed by config hash), ``generation`` (sampling, likelihoods,
hidden states).

Analysis and book: ``study`` (the four runs and the poster's comparisons), ``claims``
(the poster's claims as computed verdicts), ``features`` (symbolic-music features,
Yang & Lerch set comparison), ``plots`` (Altair charts), ``audio`` (FluidSynth →
OGG), ``display`` (offline HTML), ``book`` (papermill + Jupyter Book build),
``browser`` (offline Chromium check), ``sphinx_offline`` (Sphinx extension).
"""

__version__ = "0.1.0"
