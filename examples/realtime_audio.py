"""A WAV file in, its transcript and the spoken answer out (as a WAV file) over the Realtime API."""

from __future__ import annotations

import asyncio
import math
import struct
from pathlib import Path

from _local import async_client

from openai_async.lib.realtime_audio import SAMPLE_RATE, base64_to_pcm16, wav_chunks, write_wav
from openai_async.models.realtime import (
    RealtimeServerEventConversationItemInputAudioTranscriptionCompleted as Heard,
)
from openai_async.models.realtime import (
    RealtimeServerEventResponseAudioDelta,
    RealtimeServerEventResponseAudioTranscriptDone,
    RealtimeServerEventResponseDone,
)
from openai_async.testing import LocalServer, RealtimeReply


def tone(seconds: float, hz: float = 440.0) -> bytes:
    """PCM16 mono at 24 kHz: a sine tone, standing in for speech."""
    n = int(seconds * SAMPLE_RATE)
    return struct.pack(
        f"<{n}h", *(int(8000 * math.sin(2 * math.pi * hz * i / SAMPLE_RATE)) for i in range(n))
    )


def script(server: LocalServer) -> None:
    """What the local server answers (the real API ignores it)."""
    server.realtime.add_transcript("What does a sine wave sound like?")
    server.realtime.add_reply(RealtimeReply(text="Like a steady beep.", audio=tone(0.5, 660)))


async def main() -> None:
    question, answer = Path("question.wav"), Path("answer.wav")
    write_wav(question, tone(1.0))
    async with (
        async_client(local_setup=script) as client,
        client.realtime.connect(model="gpt-realtime") as connection,
    ):
        await connection.session.update(
            session={
                "type": "realtime",
                "audio": {
                    "input": {
                        "format": {"type": "audio/pcm", "rate": 24000},
                        "transcription": {"model": "gpt-4o-mini-transcribe"},
                        "turn_detection": None,
                    },
                    "output": {"format": {"type": "audio/pcm", "rate": 24000}},
                },
            }
        )
        for chunk in wav_chunks(question):  # 100 ms per append
            await connection.input_audio_buffer.append(audio=chunk)
        await connection.input_audio_buffer.commit()
        await connection.response.create()
        pcm = bytearray()
        async for event in connection:
            if isinstance(event, Heard):
                print(f"heard: {event.transcript}")
            elif isinstance(event, RealtimeServerEventResponseAudioDelta):
                pcm += base64_to_pcm16(event.delta)
            elif isinstance(event, RealtimeServerEventResponseAudioTranscriptDone):
                print(f"answer: {event.transcript}")
            elif isinstance(event, RealtimeServerEventResponseDone):
                break
    write_wav(answer, bytes(pcm))
    print(f"wrote {answer} ({len(pcm) / 2 / SAMPLE_RATE:.2f} s of audio)")


if __name__ == "__main__":
    asyncio.run(main())
