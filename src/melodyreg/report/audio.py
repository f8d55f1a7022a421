"""Melodies to sound: FluidSynth renders MIDI with a General-MIDI SoundFont, encoded as OGG/Vorbis.

The SoundFont is the one pretty_midi ships (``TimGM6mb.sf2``), so nothing is
downloaded. FluidSynth is a system program (Debian ``fluidsynth``, conda-forge
``fluidsynth``); OGG/Vorbis encoding uses the libsndfile inside ``soundfile``.
OGG is about a tenth of the size of WAV, which keeps the book small.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import soundfile

from melodyreg import constants as C
from melodyreg.data.melodies import midi_bytes, to_note_sequence


def soundfont_path() -> Path:
    """The SoundFont shipped inside pretty_midi.

    Raises:
        FileNotFoundError: the installed pretty_midi has none.
    """
    import pretty_midi

    path = Path(pretty_midi.__file__).parent / C.SOUNDFONT_NAME
    if not path.exists():
        raise FileNotFoundError(f"SoundFont {C.SOUNDFONT_NAME} not found in {path.parent}")
    return path


def fluidsynth_binary() -> str:
    """Path of the ``fluidsynth`` program.

    Raises:
        RuntimeError: it is not installed, with how to install it.
    """
    found = shutil.which("fluidsynth")
    if found is None:
        raise RuntimeError(
            "the `fluidsynth` program is needed to render audio: "
            "`apt-get install fluidsynth` (Debian/Ubuntu) or `conda install -c conda-forge fluidsynth`"
        )
    return found


def render_midi(midi: bytes, sample_rate: int = C.AUDIO_SAMPLE_RATE, gain: float = 0.6) -> np.ndarray:
    """Render MIDI bytes to a mono float waveform, trailing silence trimmed."""
    with tempfile.TemporaryDirectory() as tmp:
        mid, wav = Path(tmp) / "in.mid", Path(tmp) / "out.wav"
        mid.write_bytes(midi)
        result = subprocess.run(
            [
                fluidsynth_binary(),
                "-ni",
                "-q",
                "-r",
                str(sample_rate),
                "-g",
                str(gain),
                "-F",
                str(wav),
                str(soundfont_path()),
                str(mid),
            ],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0 or not wav.exists():
            raise RuntimeError(f"fluidsynth failed ({result.returncode}): {result.stderr.strip()[:500]}")
        audio, _ = soundfile.read(wav, dtype="float32", always_2d=True)
    mono = audio.mean(axis=1)
    loud = np.flatnonzero(np.abs(mono) > 1e-4)
    end = min(len(mono), (loud[-1] + 1 if loud.size else 0) + sample_rate // 10)
    return mono[:end]


def to_ogg(waveform: np.ndarray, sample_rate: int = C.AUDIO_SAMPLE_RATE, compression: float = 0.6) -> bytes:
    """Encode a mono waveform as OGG/Vorbis bytes (``compression`` 0 = best quality, 1 = smallest)."""
    if waveform.size == 0:
        raise ValueError("cannot encode an empty waveform")
    buffer = io.BytesIO()
    with soundfile.SoundFile(
        buffer, "w", sample_rate, 1, format="OGG", subtype="VORBIS", compression_level=compression
    ) as out:
        out.write(waveform)
    return buffer.getvalue()


def melody_audio(events: Sequence[int], qpm: float = C.DEFAULT_QPM) -> tuple[bytes, bytes]:
    """A melody's ``(ogg, midi)`` bytes, played on a piano."""
    midi = midi_bytes(to_note_sequence(events, qpm=qpm))
    return to_ogg(render_midi(midi)), midi
