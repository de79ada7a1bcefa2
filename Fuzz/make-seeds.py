#!/usr/bin/env python3
"""Writes the seed corpora of Fuzz/Corpus: small valid inputs for each target,
encoded from amanuensis-protocol(7) and Docs/whisper-reference.md §1 rather than
with the project's own encoders, so the seeds also check that the decoders
accept what the documentation describes.

The audio-file seeds are written by libsndfile itself (through ctypes: only
the library is needed), one short tone per container the daemon reads.

Run from anywhere: python3 Fuzz/make-seeds.py. It rewrites Fuzz/Corpus.
"""
import ctypes
import ctypes.util
import math
import pathlib
import struct
import tempfile

CORPUS = pathlib.Path(__file__).resolve().parent / "Corpus"


# Wire format of amanuensis-protocol(7): little-endian, strings as u32 length + UTF-8.
def u8(v): return struct.pack("<B", v)
def u16(v): return struct.pack("<H", v)
def u32(v): return struct.pack("<I", v)
def u64(v): return struct.pack("<Q", v)
def f64(v): return struct.pack("<d", v)
def boolean(v): return u8(1 if v else 0)
def string(s): return u32(len(s.encode())) + s.encode()
def frame(body): return u32(len(body)) + body


def choices(beam, prompt, language="", task=0, words=False):
    """A request's decoding choices: beam size, prompt, language, task, word timestamps."""
    return u8(beam) + string(prompt) + string(language) + u8(task) + boolean(words)


def segment(start, end, text, words=()):
    """A result's segment: times, text, then its words (word, start, end, probability)."""
    return f64(start) + f64(end) + string(text) + u32(len(words)) + b"".join(
        string(w) + f64(s) + f64(e) + f64(p) for w, s, e, p in words)


def chunked(sizes, payload):
    """The ChunkedInput layout of Fuzz/Support: pattern length - 1, the sizes, the payload."""
    return u8(len(sizes) - 1) + bytes(sizes) + payload


CLIENT = {
    "hello": u8(0x01) + u16(2) + string("amctl 0.1"),
    "transcribe-descriptor": u8(0x02) + u32(1) + u8(0) + boolean(False) + boolean(False) + u8(0) + choices(0, ""),
    "transcribe-raw": u8(0x02) + u32(7) + u8(1) + u8(0) + u32(16000) + u8(1)
    + boolean(True) + boolean(True) + u8(1) + choices(5, "Glossary: Amanuensis, CTranslate2.", "de", 2, True),
    "audio": u8(0x03) + u32(7) + bytes(range(0, 64, 3)),
    "audio-end": u8(0x04) + u32(7),
    "cancel": u8(0x05) + u32(7),
    "status": u8(0x06),
    "stats": u8(0x07) + boolean(True),
    "ping": u8(0x08) + u64(0x0123456789ABCDEF),
    "dictate": u8(0x09) + u32(9) + u8(0) + u32(16000) + u8(1) + boolean(True) + boolean(True) + u8(1)
    + u32(800) + u32(120) + choices(1, "Names: Amanuensis.", "auto", 1),
}


def timing(path, ms, count, extras=()):
    return string(path) + f64(ms) + u32(count) + u32(len(extras)) + b"".join(string(n) + f64(v) for n, v in extras)


DAEMON = {
    "welcome": u8(0x81) + u16(2) + string("0.1.0") + string("tiny.en"),
    "accepted": u8(0x82) + u32(7),
    "progress": u8(0x83) + u32(7) + f64(30.0) + f64(95.5),
    "result": u8(0x84) + u32(7) + f64(11.0) + string("en") + f64(0.9837) + u32(2)
    + segment(0.0, 4.2, " And so my fellow Americans,", [(" And", 0.0, 0.76, 0.69), (" so", 0.76, 1.06, 0.97),
                                                        (" my", 1.06, 1.46, 0.57), (" fellow", 1.46, 1.76, 0.99),
                                                        (" Americans,", 1.76, 4.2, 0.88)])
    + segment(4.2, 11.0, " ask not what your country can do for you.")
    + u32(3) + timing("total", 812.5, 1) + timing("total.encoder", 301.25, 1)
    + timing("total.decoder", 410.0, 1, [("tokens", 27.0), ("ms_per_token", 15.2)]),
    "result-empty": u8(0x84) + u32(1) + f64(0.5) + string("") + f64(0.0) + u32(0) + u32(0),
    "error": u8(0x85) + u32(7) + u16(5) + string("the audio contains no samples"),
    "error-unknown-code": u8(0x85) + u32(0) + u16(999) + string("from a newer daemon"),
    "status": u8(0x86) + u32(2) + string("model") + string("tiny.en") + string("requests") + string("3"),
    "stats": u8(0x87) + u32(2)
    + u8(0) + u8(0) + string("total") + u64(12) + b"".join(f64(v) for v in (800.0, 790.0, 950.0, 990.0, 1001.0))
    + u8(1) + u8(1) + string("total.encoder") + u64(3) + b"".join(f64(v) for v in (30.0, 29.9, 32.0, 33.0, 33.1)),
    "pong": u8(0x88) + u64(0x0123456789ABCDEF),
    "segments": u8(0x89) + u32(7) + u32(1) + segment(30.0, 34.5, " ask what you can do for your country."),
    "commit": u8(0x8A) + u32(9) + f64(0.0) + f64(1.2) + string(" And so my"),
    "partial": u8(0x8B) + u32(9) + f64(1.2) + f64(2.0) + string(" fellow American"),
    "voice": u8(0x8C) + u32(9) + boolean(False) + f64(2.6),
}

# A few frames as they follow each other on a connection (the frame target's
# maximum size is 64 bytes).
STREAM = frame(CLIENT["hello"]) + frame(CLIENT["ping"]) + frame(CLIENT["status"])
FRAME = {
    "bytewise": chunked([1], STREAM),
    "uneven": chunked([3, 0, 7], STREAM),
    "whole": chunked([255], STREAM),
    "largest": chunked([10, 50], frame(bytes(range(64)))),
    "partial-tail": chunked([5], STREAM + u32(20) + b"\x08abc"),
    "too-large": chunked([2], frame(CLIENT["ping"]) + u32(65) + bytes(65)),
    "zero-length": chunked([4], frame(CLIENT["cancel"]) + u32(0)),
}


def pcm(encoding, rate_index, channels, limit, sizes, frames):
    """A raw-pcm input: encoding (0 s16le, 1 s32le, 2 f32le), an index into
    the harness's rate table, channels, duration limit, then chunked samples
    of a 440 Hz tone, `frames` frames long."""
    rates = [16000, 8000, 11025, 22050, 44100, 48000]
    samples = []
    for i in range(frames):
        value = 0.5 * math.sin(2 * math.pi * 440 * i / rates[rate_index])
        for channel in range(channels):
            v = value / (channel + 1)
            if encoding == 0: samples.append(struct.pack("<h", round(v * 32767)))
            elif encoding == 1: samples.append(struct.pack("<i", round(v * 2147483647)))
            else: samples.append(struct.pack("<f", v))
    return bytes([encoding, rate_index, channels, limit]) + chunked(sizes, b"".join(samples))


RAW_PCM = {
    "s16le-16000-mono": pcm(0, 0, 1, 0, [64], 200),
    "s16le-8000-mono-odd-chunks": pcm(0, 1, 1, 0, [3, 1, 0, 17], 160),
    "s32le-44100-stereo": pcm(1, 4, 2, 0, [40, 24], 96),
    "f32le-48000-mono": pcm(2, 5, 1, 0, [255], 120),
    "f32le-22050-six-channels": pcm(2, 3, 6, 0, [7], 16),
    "s16le-16000-limit": pcm(0, 0, 1, 1, [100], 200),  # 200 samples > 0.01 s: too long
    "s16le-partial-frame": pcm(0, 0, 2, 0, [9], 20)[:-1],
}


# model.bin (Docs/whisper-reference.md §1): strings are a u16 length counting a trailing NUL.
def cstring(s): return u16(len(s.encode()) + 1) + s.encode() + b"\0"


def variable(name, shape, dtype, payload, version=6):
    record = cstring(name) + u8(len(shape)) + b"".join(u32(d) for d in shape)
    if version >= 4:
        return record + u8(dtype) + u32(len(payload)) + payload
    item = {0: 4, 2: 2, 1: 1}[dtype]  # versions < 4: item size and element count
    return record + u8(item) + u32(len(payload) // item) + payload


def model(version, variables, aliases=()):
    out = u32(version)
    if version >= 2:
        out += cstring("WhisperSpec") + u32(3)
    out += u32(len(variables)) + b"".join(variable(*v, version=version) for v in variables)
    if version >= 3:
        out += u32(len(aliases)) + b"".join(cstring(a) + cstring(t) for a, t in aliases)
    return out


BIAS = ("encoder/conv1/bias", [4], 0, struct.pack("<4f", 0.5, -1.0, 2.0, 0.25))
EMBEDDING = ("decoder/embeddings/weight", [2, 3], 4, struct.pack("<6e", 1, 2, 3, -1, -2, -3))
MODEL = {
    "v6-two-variables-alias": model(6, [BIAS, EMBEDDING], [("decoder/projection/weight", "decoder/embeddings/weight")]),
    "v6-int8-scale-alias": model(6, [
        ("decoder/embeddings/weight", [2, 2], 1, bytes([1, 255, 3, 4])),
        ("decoder/embeddings/weight_scale", [2], 0, struct.pack("<2f", 0.1, 0.2)),
        ("decoder/scalar", [], 3, u32(42)),
    ], [("decoder/projection/weight", "decoder/embeddings/weight")]),
    "v3-item-sizes": model(3, [BIAS, ("decoder/tokens", [3], 2, struct.pack("<3h", 1, -2, 3))]),
    "v1-no-spec": model(1, [BIAS]),
}


class SF_INFO(ctypes.Structure):
    _fields_ = [("frames", ctypes.c_int64), ("samplerate", ctypes.c_int), ("channels", ctypes.c_int),
                ("format", ctypes.c_int), ("sections", ctypes.c_int), ("seekable", ctypes.c_int)]


def sound_file(format, rate, channels, frames):
    """A 440 Hz tone in `format` (libsndfile's SF_FORMAT_* major | subtype), as bytes."""
    lib = ctypes.CDLL(ctypes.util.find_library("sndfile") or "libsndfile.so.1")
    lib.sf_open.restype = ctypes.c_void_p
    lib.sf_open.argtypes = [ctypes.c_char_p, ctypes.c_int, ctypes.POINTER(SF_INFO)]
    lib.sf_command.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p, ctypes.c_int]
    lib.sf_writef_float.argtypes = [ctypes.c_void_p, ctypes.POINTER(ctypes.c_float), ctypes.c_int64]
    lib.sf_close.argtypes = [ctypes.c_void_p]
    lib.sf_strerror.restype = ctypes.c_char_p
    samples = [0.5 * math.sin(2 * math.pi * 440 * (i // channels) / rate) / (1 + i % channels)
               for i in range(frames * channels)]
    with tempfile.TemporaryDirectory() as directory:
        path = pathlib.Path(directory) / "seed"
        info = SF_INFO(0, rate, channels, format, 0, 0)
        handle = lib.sf_open(str(path).encode(), 0x20, ctypes.byref(info))  # SFM_WRITE
        if not handle:
            raise RuntimeError(f"libsndfile cannot write format {format:#x}: {lib.sf_strerror(None).decode()}")
        lib.sf_command(handle, 0x1050, None, 0)  # SFC_SET_ADD_PEAK_CHUNK off: it holds a time stamp
        lib.sf_writef_float(handle, (ctypes.c_float * len(samples))(*samples), frames)
        lib.sf_close(handle)
        return path.read_bytes()


# Major formats and subtypes from sndfile.h. CAF and Ogg Vorbis are left out:
# their smallest files are 2 to 4 KB of padding and codebooks.
AUDIO_FILE = {
    "wav-s16-16000": (0x010002, 16000, 1, 200),
    "wav-float-44100-stereo": (0x010006, 44100, 2, 40),
    "wav-ulaw-8000": (0x010010, 8000, 1, 200),
    "wav-ima-adpcm-8000": (0x010012, 8000, 1, 505),
    "w64-s16-22050": (0x0B0002, 22050, 1, 100),
    "aiff-s16-16000": (0x020002, 16000, 1, 200),
    "flac-s16-16000": (0x170002, 16000, 1, 400),
    "ogg-opus-8000": (0x200064, 8000, 1, 400),
    "mp3-8000": (0x230082, 8000, 1, 1152),
}


# amanuensisd.conf(5): every key once, the shipped example, and the TOML
# forms a key may meet (tables, dates, inline tables, multi-line strings).
CONFIG = {
    "every-key": "\n".join([
        'socket = "/run/amanuensis/amanuensisd.sock"', 'model = "/var/lib/amanuensis/models/tiny.en"',
        "streams = 2", "max_streams = 4", "stream_growth = 1", "encoders = 2", 'compute_type = "int8"',
        'backend = "auto"', "beam_size = 5", 'language = "de"', 'task = "translate"', "parallel_decoding = false", "idle_exit = 300",
        "max_frame_bytes = 1048576", "max_audio_seconds = 14400.5", "max_connections = 256",
        "max_connections_per_user = 128", "read_timeout = 10", "idle_timeout = 300", "drain_timeout = 30",
        "max_queued = 256", "queue_timeout = 60", 'allowed_users = ["alice", "bob"]', 'allowed_groups = ["amanuensis"]',
    ]).encode() + b"\n",
    "example": (pathlib.Path(__file__).resolve().parent.parent / "Packaging" / "amanuensisd.conf.example")
        .read_text().replace("# ", "").encode(),
    "toml-forms": b"""streams = 0x10
beam_size = +3
idle_exit = 1e3
model = \"\"\"
/multi/line\"\"\"
socket = 'literal \\ path'
when = 1979-05-27T07:32:00-08:00
[table]
inline = { a = 1, b = [1, 2.5, "x"] }
[[array]]
name = "first"
""",
}


def wyoming(kind, data=None, payload=b""):
    """A Wyoming event as the `wyoming` package writes it: header line, data, payload."""
    import json
    header = {"type": kind, "version": "1.10.2"}
    body = json.dumps(data).encode() if data else b""
    if body:
        header["data_length"] = len(body)
    if payload:
        header["payload_length"] = len(payload)
    return json.dumps(header).encode() + b"\n" + body + payload


AUDIO_FORMAT = {"rate": 16000, "width": 2, "channels": 1}
WYOMING = {
    "describe": chunked([1, 7], wyoming("describe")),
    "transcription": chunked([5, 64, 3], wyoming("transcribe", {"language": "en"}) + wyoming("audio-start", AUDIO_FORMAT)
                             + wyoming("audio-chunk", AUDIO_FORMAT, bytes(range(64))) + wyoming("audio-stop")),
    "inline-data": chunked([255], b'{"type": "ping", "data": {"text": "x"}, "data_length": 12}\n{"text": "y"}'),
    "lying-payload": chunked([2], b'{"type": "audio-chunk", "payload_length": 9}\nabc'),
}


def form(boundary, parts):
    """A multipart/form-data body as curl -F writes it, after the fuzz target's boundary prefix."""
    body = b""
    for name, filename, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        body += f"--{boundary}\r\nContent-Disposition: {disposition}\r\n".encode()
        if filename:
            body += b"Content-Type: audio/x-wav\r\n"
        body += b"\r\n" + data + b"\r\n"
    body += f"--{boundary}--\r\n".encode()
    # The target maps each boundary byte b to chr(0x30 + b % 43): write the bytes that give `boundary`.
    return u8(len(boundary) - 1) + bytes((ord(c) - 0x30) for c in boundary) + body


MULTIPART = {
    "transcription": form("XyZ0123", [("file", "jfk.wav", b"RIFF\x24\x00\x00\x00WAVEfmt "), ("model", None, b"whisper-1"),
                                      ("response_format", None, b"verbose_json"), ("timestamp_granularities[]", None, b"word")]),
    "empty-form": form("B", []),
    "truncated": form("AB", [("file", "a.wav", b"data")])[:-12],
}


def main():
    audio_file = {name: sound_file(*spec) for name, spec in AUDIO_FILE.items()}
    for target, seeds in [("frame", FRAME), ("client-message", CLIENT), ("daemon-message", DAEMON),
                          ("raw-pcm", RAW_PCM), ("audio-file", audio_file), ("model-header", MODEL),
                          ("config", CONFIG), ("wyoming-event", WYOMING), ("multipart-form", MULTIPART)]:
        directory = CORPUS / target
        directory.mkdir(parents=True, exist_ok=True)
        # Inputs that once crashed stay (see Fuzz/README.md); the rest is rewritten.
        for old in directory.iterdir():
            if not old.name.startswith("regression-"):
                old.unlink()
        for name, data in seeds.items():
            (directory / name).write_bytes(data)
        print(f"{target}: {len(seeds)} seeds, {sum(len(d) for d in seeds.values())} bytes")


if __name__ == "__main__":
    main()
