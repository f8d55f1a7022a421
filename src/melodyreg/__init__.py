"""melodyreg: regularization techniques for RNN-generated melodies, rebuilt.

Modules: ``constants`` (event codes, ranges), ``config`` (frozen settings and
profiles), ``corpus`` (music21 folk tunes, MIDI files → NoteSequences),
``maestro`` (the MAESTRO piano corpus), ``melodies`` (MelodyRNN melody
extraction and encoding), ``dataset`` (prepared corpus, cache, split),
``plots`` (Altair charts), ``audio`` (FluidSynth → OGG) and ``display``
(offline HTML for the book).
"""

__version__ = "0.1.0"
