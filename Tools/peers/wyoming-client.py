#!/usr/bin/env python3
"""A Wyoming peer for the gateway's tests, built on the `wyoming` package from
PyPI as Home Assistant's client is: prints what the server answered, as JSON.

  wyoming-client.py describe SERVER
  wyoming-client.py transcribe SERVER FILE.wav [--language CODE] [--chunk-ms N]
      [--change-format-after N]   (a chunk in another format after N chunks)
  wyoming-client.py raw HOST:PORT < BYTES   (sends BYTES as they are, prints the events read back)

SERVER is HOST:PORT, or unix:PATH for a Unix socket.
"""
import argparse
import asyncio
import json
import sys
import wave

from wyoming.asr import Transcribe
from wyoming.audio import AudioChunk, AudioStart, AudioStop
from wyoming.client import AsyncClient
from wyoming.event import async_read_event
from wyoming.info import Describe, Info


def endpoint(text):
    host, _, port = text.rpartition(":")
    return host, int(port)


def client(server):
    """A client of the `wyoming` package, for a TCP or a Unix socket."""
    if server.startswith("unix:"):
        return AsyncClient.from_uri("unix://" + server[len("unix:"):])
    return AsyncClient.from_uri("tcp://" + server)


async def describe(args):
    async with client(args.server) as peer:
        await peer.write_event(Describe().event())
        event = await peer.read_event()
        if not Info.is_type(event.type):
            return {"type": event.type, "data": event.data}
        info = Info.from_event(event)
        asr = info.asr[0]
        return {"type": "info", "name": asr.name, "version": asr.version,
                "streaming": asr.supports_transcript_streaming,
                "models": [{"name": m.name, "languages": m.languages} for m in asr.models]}


async def transcribe(args):
    with wave.open(args.file, "rb") as wav:
        rate, width, channels = wav.getframerate(), wav.getsampwidth(), wav.getnchannels()
        audio = wav.readframes(wav.getnframes())
    step = rate * width * channels * args.chunk_ms // 1000
    events = []
    async with client(args.server) as peer:
        await peer.write_event(Transcribe(language=args.language).event())
        await peer.write_event(AudioStart(rate=rate, width=width, channels=channels).event())
        for index, start in enumerate(range(0, len(audio), step)):
            chunk_rate = rate // 2 if index == args.change_format_after else rate
            await peer.write_event(AudioChunk(rate=chunk_rate, width=width, channels=channels,
                                                audio=audio[start:start + step]).event())
        await peer.write_event(AudioStop().event())
        while True:
            event = await asyncio.wait_for(peer.read_event(), timeout=120)
            if event is None:
                events.append({"type": "closed"})
                break
            events.append({"type": event.type, "data": event.data})
            if event.type in ("error",) or (event.type == "transcript" and not args.streaming) or event.type == "transcript-stop":
                break
    return {"events": events}


async def raw(args):
    data = sys.stdin.buffer.read()
    reader, writer = await asyncio.open_connection(*endpoint(args.server))
    try:
        writer.write(data)
        await writer.drain()
        writer.write_eof()
    except ConnectionError:
        pass
    events = []
    while True:
        try:
            event = await asyncio.wait_for(async_read_event(reader), timeout=30)
        except (ConnectionError, asyncio.TimeoutError):
            break
        if event is None:
            break
        events.append({"type": event.type, "data": event.data})
    writer.close()
    return {"events": events}


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    d = sub.add_parser("describe")
    d.add_argument("server")
    t = sub.add_parser("transcribe")
    t.add_argument("server")
    t.add_argument("file")
    t.add_argument("--language")
    t.add_argument("--chunk-ms", type=int, default=100)
    t.add_argument("--change-format-after", type=int, default=-1)
    t.add_argument("--streaming", action="store_true", help="read on to transcript-stop")
    r = sub.add_parser("raw")
    r.add_argument("server")
    args = parser.parse_args()
    command = {"describe": describe, "transcribe": transcribe, "raw": raw}[args.command]
    result = asyncio.run(command(args))
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
