"""Data layer: corpus sources → NoteSequences → encoded melodies, the prepared corpus, its split and windows.

Modules: ``sources`` (music21 folk ABC and MIDI files), ``maestro`` (the MAESTRO release),
``melodies`` (MelodyRNN melody extraction, encoding, MIDI writing), ``dataset`` (the cached,
prepared corpus and its split by piece), ``noteseq`` (a quiet import of note-seq).
Imports only the config layer.
"""
