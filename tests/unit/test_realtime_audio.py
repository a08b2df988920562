"""PCM16 <-> base64 and WAV files for the Realtime API (no I/O but temporary files)."""

from __future__ import annotations

import base64
import wave

import pytest

from openai_async import InvalidRequestError
from openai_async.lib.realtime_audio import (
    SAMPLE_RATE,
    base64_to_pcm16,
    pcm16_to_base64,
    read_wav,
    wav_chunks,
    write_wav,
)

PCM = bytes(range(256)) * 100  # 25,600 bytes: 12,800 samples


def test_pcm16_base64_round_trip():
    assert base64_to_pcm16(pcm16_to_base64(PCM)) == PCM
    assert pcm16_to_base64(b"\x01\x00") == base64.b64encode(b"\x01\x00").decode()


def test_bad_audio():
    with pytest.raises(InvalidRequestError):
        pcm16_to_base64(b"\x00")  # half a sample
    with pytest.raises(InvalidRequestError):
        base64_to_pcm16("not base64!")


def test_wav_out_and_in(tmp_path):
    path = tmp_path / "a.wav"
    write_wav(path, PCM)
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth(), wav.getframerate()) == (1, 2, SAMPLE_RATE)
    assert read_wav(path) == PCM
    chunks = list(wav_chunks(path, chunk_ms=100))  # 4,800 bytes each
    assert [len(base64_to_pcm16(c)) for c in chunks] == [4800] * 5 + [1600]
    assert b"".join(base64_to_pcm16(c) for c in chunks) == PCM


def test_a_wav_in_another_format_is_refused(tmp_path):
    path = tmp_path / "stereo.wav"
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(2)
        wav.setsampwidth(2)
        wav.setframerate(44100)
        wav.writeframes(b"\x00" * 16)
    with pytest.raises(InvalidRequestError, match="16-bit mono at 24000 Hz"):
        read_wav(path)
    (tmp_path / "junk.wav").write_bytes(b"not a wav file at all")
    with pytest.raises(InvalidRequestError, match="not a PCM WAV"):
        list(wav_chunks(tmp_path / "junk.wav"))
    with pytest.raises(InvalidRequestError):
        list(wav_chunks(path, chunk_ms=0))
