"""Reference log-mel spectrogram of jfk.wav from faster-whisper's FeatureExtractor.

Regenerate:
    Tools/reference/setup-venv.sh && .venv-reference/bin/python Tools/reference/mel.py

Computes exactly what faster-whisper feeds the encoder for transcription:
FeatureExtractor() (80 mels) called as feature_extractor(audio) with the default
padding=160, keeping only the content frames (len(audio) // 160; faster-whisper's
content_frames = features.shape[-1] - 1). Writes raw little-endian float32,
row-major [80, frames], to Tests/Fixtures/jfk-mel-80x<frames>.f32.
"""
import argparse
import wave
from pathlib import Path

import numpy as np
from faster_whisper.feature_extractor import FeatureExtractor

REPO = Path(__file__).resolve().parents[2]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--wav", default=str(REPO / "../shared/corpus/wav16k/jfk.wav"))
    ap.add_argument("--out-dir", default=str(REPO / "Tests/Fixtures"))
    args = ap.parse_args()

    with wave.open(args.wav, "rb") as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 16000)
        pcm = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    audio = pcm.astype(np.float32) / 32768.0  # same scaling as faster_whisper.audio.decode_audio

    fe = FeatureExtractor()
    features = fe(audio)  # padding=160 by default, as in WhisperModel.transcribe
    frames = len(audio) // fe.hop_length
    assert features.shape[-1] - 1 == frames, (features.shape, frames)
    mel = np.ascontiguousarray(features[:, :frames], dtype="<f4")

    out = Path(args.out_dir) / f"jfk-mel-{mel.shape[0]}x{frames}.f32"
    out.parent.mkdir(parents=True, exist_ok=True)
    mel.tofile(out)
    print(f"wrote {out} shape={mel.shape} ({out.stat().st_size} bytes)")
    print(f"min={mel.min():.6f} max={mel.max():.6f} mean={mel.mean():.6f}")
    print("mel[0, :5]   =", mel[0, :5].tolist())
    print("mel[:5, 0]   =", mel[:5, 0].tolist())
    print("mel[40, 500:505] =", mel[40, 500:505].tolist())
    print("mel[79, -5:] =", mel[79, -5:].tolist())


if __name__ == "__main__":
    main()
