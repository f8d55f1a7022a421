"""Data layer: corpus sources → NoteSequences → encoded melodies, the prepared corpus, its split and windows.

Modules: ``sources`` (music21 folk ABC and MIDI files), ``maestro`` (the MAESTRO release),
``melodies`` (MelodyRNN melody extraction, encoding, MIDI writing), ``dataset`` (the cached,
prepared corpus), ``similarity`` (how alike two melodies are, for near-copies), ``splits`` (the
three-way split by tune), ``windows`` (seeded training batches, held-out windows, openings),
``noteseq`` (a quiet import of note-seq).
Imports only the low-level modules ``config``, ``files`` and ``constants``.
"""
