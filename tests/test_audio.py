"""Audio: FluidSynth renders melodies with pretty_midi's SoundFont, encoded as OGG/Vorbis."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
import soundfile

from helpers import NO_EVENT as NE
from helpers import NOTE_OFF as OFF
from melodyreg import constants as C
from melodyreg.report import audio

needs_fluidsynth = pytest.mark.skipif(
    shutil.which("fluidsynth") is None, reason="the fluidsynth program is not installed"
)

# C D E F as quarter notes: 16 steps = 16 * 0.125 s = 2.0 s at 120 qpm, the last note held to the end
FOUR_QUARTERS = [60, NE, NE, NE, 62, NE, NE, NE, 64, NE, NE, NE, 65, NE, NE, NE]


def decode_ogg(data: bytes) -> tuple[np.ndarray, int]:
    samples, rate = soundfile.read(io.BytesIO(data), dtype="float32")
    return samples, rate


@needs_fluidsynth
def test_melody_audio_returns_ogg_and_midi_of_the_right_length():
    ogg, midi = audio.melody_audio(FOUR_QUARTERS)
    assert ogg[:4] == b"OggS"
    assert midi[:4] == b"MThd"
    samples, rate = decode_ogg(ogg)
    assert rate == C.AUDIO_SAMPLE_RATE == 22050
    assert samples.ndim == 1  # mono
    duration = len(samples) / rate
    # 2.0 s of notes, then the piano's release and the 0.1 s kept after the last sound
    assert 2.0 - 0.05 <= duration <= 2.0 + 1.0
    assert np.abs(samples).max() > 0.01  # not silence


@needs_fluidsynth
def test_melody_audio_tempo_scales_the_length():
    ogg, _ = audio.melody_audio(FOUR_QUARTERS, qpm=60.0)  # twice as slow: 4.0 s of notes
    duration = len(decode_ogg(ogg)[0]) / C.AUDIO_SAMPLE_RATE
    assert 4.0 - 0.05 <= duration <= 4.0 + 1.0


@needs_fluidsynth
def test_trailing_silence_is_trimmed():
    # one quarter note, then 12 steps of rest: the rest at the end is not rendered
    ogg, _ = audio.melody_audio([60, NE, NE, NE, OFF] + [NE] * 11)
    duration = len(decode_ogg(ogg)[0]) / C.AUDIO_SAMPLE_RATE
    assert 0.5 <= duration < 2.0 - 0.25


def test_fluidsynth_missing_raises_with_an_install_hint(monkeypatch):
    monkeypatch.setattr(audio.shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match=r"`fluidsynth` program is needed.*apt-get install fluidsynth"):
        audio.fluidsynth_binary()
    with pytest.raises(RuntimeError, match="conda install -c conda-forge fluidsynth"):
        audio.melody_audio(FOUR_QUARTERS)


def test_soundfont_is_shipped_with_pretty_midi():
    path = audio.soundfont_path()
    assert path.name == "TimGM6mb.sf2"
    assert path.stat().st_size > 1_000_000
    assert path.read_bytes()[:4] == b"RIFF"


def test_to_ogg_round_trips_a_tone():
    rate = C.AUDIO_SAMPLE_RATE
    t = np.arange(rate // 2) / rate  # 0.5 s of A4
    tone = (0.3 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    data = audio.to_ogg(tone)
    assert data[:4] == b"OggS"
    samples, got_rate = decode_ogg(data)
    assert got_rate == rate
    assert len(samples) == len(tone)
    assert abs(np.abs(samples).max() - 0.3) < 0.05
    spectrum = np.abs(np.fft.rfft(samples))
    assert abs(np.argmax(spectrum) * rate / len(samples) - 440.0) < 5.0


def test_to_ogg_rejects_an_empty_waveform():
    with pytest.raises(ValueError, match="cannot encode an empty waveform"):
        audio.to_ogg(np.zeros(0, dtype=np.float32))
