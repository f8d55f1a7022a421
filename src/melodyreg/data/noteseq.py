"""One place that imports note-seq.

note-seq imports pydub, which warns at import time that ffmpeg is missing; we
never decode audio through pydub, so that one warning is silenced here and
nowhere else.
"""

from __future__ import annotations

import warnings

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Couldn't find ffmpeg", category=RuntimeWarning)
    import note_seq  # noqa: E402
    from note_seq.protobuf import music_pb2  # noqa: E402

__all__ = ["note_seq", "music_pb2"]
