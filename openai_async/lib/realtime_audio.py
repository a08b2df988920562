"""Audio for the Realtime API: PCM16 <-> base64, WAV files in and out (stdlib ``wave``).

The API's ``pcm16`` format is 16-bit little-endian mono PCM at 24 kHz; audio goes out in
``input_audio_buffer.append`` events and comes back in ``response.output_audio.delta``
events, base64-encoded::

    for chunk in wav_chunks("question.wav"):
        await connection.input_audio_buffer.append(audio=chunk)
    ...
    pcm += base64_to_pcm16(event.delta)  # response.output_audio.delta
    write_wav("answer.wav", pcm)
"""

from __future__ import annotations

import base64
import binascii
import os
import wave
from collections.abc import Iterator

from .._exceptions import InvalidRequestError

__all__ = [
    "SAMPLE_RATE",
    "base64_to_pcm16",
    "pcm16_to_base64",
    "read_wav",
    "wav_chunks",
    "write_wav",
]

#: The sample rate of the Realtime API's ``pcm16`` audio.
SAMPLE_RATE = 24_000


def pcm16_to_base64(pcm: bytes) -> str:
    """PCM16 bytes as the base64 text an ``input_audio_buffer.append`` carries."""
    if len(pcm) % 2:
        raise InvalidRequestError(f"PCM16 audio has an even number of bytes, not {len(pcm)}")
    return base64.b64encode(pcm).decode("ascii")


def base64_to_pcm16(data: str) -> bytes:
    """The PCM16 bytes of a base64 audio delta."""
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise InvalidRequestError("the audio is not valid base64") from None


def read_wav(path: str | os.PathLike[str], *, sample_rate: int = SAMPLE_RATE) -> bytes:
    """The PCM16 frames of a WAV file, which must be 16-bit mono at ``sample_rate`` Hz
    (this module does not resample)."""
    try:
        with wave.open(os.fspath(path), "rb") as wav:
            shape = (wav.getsampwidth(), wav.getnchannels(), wav.getframerate())
            if shape != (2, 1, sample_rate):
                raise InvalidRequestError(
                    f"{os.fspath(path)}: {8 * shape[0]}-bit, {shape[1]} channel(s), {shape[2]} Hz;"
                    f" the Realtime API takes 16-bit mono at {sample_rate} Hz"
                )
            return wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise InvalidRequestError(f"{os.fspath(path)} is not a PCM WAV file: {exc}") from None


def wav_chunks(
    path: str | os.PathLike[str], *, chunk_ms: int = 100, sample_rate: int = SAMPLE_RATE
) -> Iterator[str]:
    """A WAV file (16-bit mono) as base64 chunks of ``chunk_ms`` milliseconds each, ready
    for ``input_audio_buffer.append(audio=...)``."""
    if isinstance(chunk_ms, bool) or not isinstance(chunk_ms, int) or chunk_ms < 1:
        raise InvalidRequestError(f"chunk_ms must be an int >= 1, not {chunk_ms!r}")
    pcm = read_wav(path, sample_rate=sample_rate)
    size = sample_rate * 2 * chunk_ms // 1000
    for start in range(0, len(pcm), size):
        yield pcm16_to_base64(pcm[start : start + size])


def write_wav(path: str | os.PathLike[str], pcm: bytes, *, sample_rate: int = SAMPLE_RATE) -> None:
    """Write PCM16 mono audio (e.g. the joined output audio deltas) to a WAV file."""
    if len(pcm) % 2:
        raise InvalidRequestError(f"PCM16 audio has an even number of bytes, not {len(pcm)}")
    with wave.open(os.fspath(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(sample_rate)
        wav.writeframes(pcm)
