"""A corpus of malformed and odd inputs, generated here: one clear line, the right exit code.

Each case builds its own files in a temporary folder and runs ``listening-coach analyze`` through
:func:`listening_coach.cli.main` in this process, then checks the exit code, that one line of
stderr says what went wrong, that nothing printed a traceback or an internal error, and that the
output folder holds no partial files. Most cases are refused before any model loads; the few
that need Whisper (:data:`MODEL_CASES`) share this process, so the model loads once.
"""

from __future__ import annotations

import difflib
import io
import json
import os
import re
import subprocess
import sys
import wave
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from listening_coach.audio import load_audio
from listening_coach.cli import EXIT_ERROR, EXIT_OK, main
from listening_coach.audio import SAMPLE_RATE
from listening_coach.testing import syllable_train

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "audio_samples" / "angry_customer.opus"  # partner 0.5-6.0 s, trainee 6.7-11.1 s
CLIP_S = 11.5
BATCH_FILES = {"recordings.csv", "exchanges.csv", "cohort.csv", "index.html"}
FAST = '[language]\nuse_model = false\n[voice]\nenabled = false\n[report]\nembed_audio = false\n'
MONO = FAST + '[speakers]\nmode = "trainee"\n'
NOT_AUDIO = r"not a readable audio or video file|has no audio track"


@dataclass(frozen=True)
class Case:
    """``make(folder)`` writes the inputs and returns the arguments after ``analyze``."""

    id: str
    make: Callable[[Path], list[str]]
    code: int
    message: str  # one line of stderr matches this
    check: Callable[[Path, str], None] | None = None  # (output folder, stderr) -> asserts
    command: str = "analyze"


# --- files -------------------------------------------------------------------------------------

def _wav(path: Path, samples: np.ndarray, rate: int = SAMPLE_RATE, subtype: str | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    sf.write(str(path), samples.T if samples.ndim == 2 else samples, rate, subtype=subtype)
    return path


def _bytes(name: str, data: bytes | Callable[[], bytes]) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        path = d / name
        path.write_bytes(data() if callable(data) else data)
        return [str(path)]
    return make


def _header_only_wav() -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(SAMPLE_RATE)
    return buffer.getvalue()


def _encoded(fmt: str, seconds: float = 2.0) -> bytes:
    buffer = io.BytesIO()
    sf.write(buffer, syllable_train(seconds), SAMPLE_RATE, format=fmt)
    return buffer.getvalue()


def _image(fmt: str) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import image

    buffer = io.BytesIO()
    image.imsave(buffer, np.random.default_rng(3).random((16, 16, 3)), format=fmt)
    return buffer.getvalue()


def _random(n: int, seed: int) -> Callable[[], bytes]:
    return lambda: np.random.default_rng(seed).bytes(n)


def _signal(name: str, make_samples: Callable[[], np.ndarray], rate: int = SAMPLE_RATE,
            subtype: str | None = None, extra: tuple[str, ...] = ()) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        return [str(_wav(d / name, make_samples(), rate, subtype)), *extra]
    return make


def _speech() -> np.ndarray:
    """The sample's first 11.5 s, (2, n) at 16 kHz: channel 0 trainee, channel 1 partner."""
    return load_audio(SAMPLE)[:, : int(CLIP_S * SAMPLE_RATE)]


def _partner() -> np.ndarray:
    """Channel 1's first 6.5 s: the partner's opening line (16 words), mono."""
    return _speech()[1, : int(6.5 * SAMPLE_RATE)]


def _silent(channels: int) -> np.ndarray:
    return np.zeros((channels, int(CLIP_S * SAMPLE_RATE)), dtype=np.float32)


def _with_config(text: str, make: Callable[[Path], list[str]]) -> Callable[[Path], list[str]]:
    def wrapped(d: Path) -> list[str]:
        config = d / "fast.toml"
        config.write_text(text)
        return [*make(d), "--config", str(config)]
    return wrapped


def _resampled(rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    return resample_poly(_partner(), rate, SAMPLE_RATE).astype(np.float32)


def _video(with_audio: bool) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        import av

        path = d / ("talk.mp4" if with_audio else "silent_film.mp4")
        with av.open(str(path), "w") as container:
            video = container.add_stream("mpeg4", rate=10)
            video.width, video.height, video.pix_fmt = 64, 48, "yuv420p"
            audio = container.add_stream("aac", rate=SAMPLE_RATE) if with_audio else None
            for i in range(65):
                frame = av.VideoFrame.from_ndarray(np.full((48, 64, 3), i % 255, np.uint8), "rgb24")
                for packet in video.encode(frame):
                    container.mux(packet)
            if audio is not None:
                speech = _partner()[None, :].astype(np.float32)
                frame = av.AudioFrame.from_ndarray(speech, format="fltp", layout="mono")
                frame.sample_rate = SAMPLE_RATE
                for packet in audio.encode(frame):
                    container.mux(packet)
                for packet in audio.encode(None):
                    container.mux(packet)
            for packet in video.encode(None):
                container.mux(packet)
        return [str(path)]
    return make


# --- paths -------------------------------------------------------------------------------------

def _non_utf8(d: Path, content: bytes) -> list[str]:
    """A file whose name is not UTF-8 (bytes 0xff 0xfe): Python sees it with surrogates."""
    path = os.fsdecode(os.fsencode(str(d)) + b"/\xff\xfe.wav")
    Path(path).write_bytes(content)
    return [path]


def _symlink_loop(d: Path) -> list[str]:
    (d / "loop.wav").symlink_to(d / "loop.wav")
    return [str(d / "loop.wav")]


def _broken_link(d: Path) -> list[str]:
    (d / "gone.wav").symlink_to(d / "never-there.wav")
    return [str(d / "gone.wav")]


def _fifo(d: Path) -> list[str]:
    os.mkfifo(d / "pipe.wav")
    return [str(d / "pipe.wav")]


def _fifo_in_folder(d: Path) -> list[str]:
    (d / "in").mkdir()
    os.mkfifo(d / "in" / "pipe.wav")
    return [str(d / "in")]


def _empty_folder(d: Path) -> list[str]:
    (d / "in").mkdir()
    (d / "in" / "notes.txt").write_text("no recordings here")
    return [str(d / "in")]


def _out_is_input(d: Path) -> list[str]:
    (d / "in").mkdir()
    _wav(d / "in" / "a.wav", syllable_train(1.0))
    return [str(d / "in"), "--out", str(d / "in")]


def _out_under_a_file(d: Path) -> list[str]:
    (d / "blocker").write_text("a file, not a folder")
    return [str(_wav(d / "a.wav", syllable_train(1.0))), "--out", str(d / "blocker" / "out")]


def _out_is_a_file(d: Path) -> list[str]:
    (d / "taken").write_text("a file, not a folder")
    return [str(_wav(d / "a.wav", syllable_train(1.0))), "--out", str(d / "taken")]


def _two_channels(*extra: str) -> Callable[[Path], list[str]]:
    return _signal("stereo.wav", lambda: np.stack([syllable_train(1.0)] * 2), extra=extra)


# --- config files ------------------------------------------------------------------------------

def _config(content: bytes | str, name: str = "coach.toml") -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        path = d / name
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        return [str(_wav(d / "a.wav", syllable_train(1.0))), "--config", str(path)]
    return make


def _config_path(kind: str) -> Callable[[Path], list[str]]:
    def make(d: Path) -> list[str]:
        wav = str(_wav(d / "a.wav", syllable_train(1.0)))
        if kind == "folder":
            return [wav, "--config", str(d)]
        if kind == "fifo":
            os.mkfifo(d / "c.toml")
            return [wav, "--config", str(d / "c.toml")]
        if kind == "device":
            return [wav, "--config", os.devnull]
        if kind == "empty":
            return [wav, "--config", ""]
        return [wav, "--config", str(d / "missing.toml")]
    return make


BAD_TOML: dict[str, tuple[bytes | str, str]] = {
    "toml-syntax": ("[pace\nfast_wpm = ", "is not valid TOML"),
    "toml-binary": (bytes(range(256)) * 4, "is not UTF-8 text"),
    "toml-latin-1": ("[pace] # café\n".encode("latin-1"), "is not UTF-8 text"),
    "toml-utf16": ("[pace]\nfast_wpm = 170\n".encode("utf-16"), "is not UTF-8 text"),
    "toml-nul": (b"[pace]\x00\n", "is not valid TOML"),
    "toml-duplicate-key": ("[pace]\nfast_wpm = 1\nfast_wpm = 2\n", "is not valid TOML"),
    "toml-duplicate-table": ("[pace]\n[pace]\n", "is not valid TOML"),
    "toml-unknown-section": ("[paces]\nfast_wpm = 1\n", r"Unknown section\(s\) \['paces'\]"),
    "toml-unknown-key": ("[pace]\nfast_wmp = 1\n", r"Unknown key\(s\) \['fast_wmp'\].*Valid keys"),
    "toml-key-outside-section": ("beam_size = 3\n", r"Unknown section\(s\) \['beam_size'\]"),
    "toml-section-not-table": ("pace = 3\n", r"\[pace\] must be a table"),
    "toml-string-for-number": ('[pace]\nfast_wpm = "fast"\n', "pace.fast_wpm must be a number, got 'fast'"),
    "toml-float-for-int": ("[pace]\nmin_words = 2.5\n", "pace.min_words must be a whole number"),
    "toml-bool-for-number": ("[pace]\nfast_wpm = true\n", "pace.fast_wpm must be a number, got True"),
    "toml-int-for-bool": ("[voice]\nenabled = 1\n", "voice.enabled must be true or false"),
    "toml-array-for-number": ("[pace]\nfast_wpm = [1, 2]\n", "pace.fast_wpm must be a number"),
    "toml-table-for-number": ("[pace.fast_wpm]\nx = 1\n", "pace.fast_wpm must be a number"),
    "toml-date-for-number": ("[pace]\nfast_wpm = 2026-01-01\n", "pace.fast_wpm must be a number"),
    "toml-nan": ("[pace]\nfast_wpm = nan\n", "pace.fast_wpm must be a finite number, got nan"),
    "toml-inf": ("[pauses]\ndead_air_s = inf\n", "pauses.dead_air_s must be a finite number, got inf"),
    "toml-negative-duration": ("[pauses]\ndead_air_s = -1\n", "dead_air_s must be more than 0, got -1.0"),
    "toml-beam-zero": ("[transcribe]\nbeam_size = 0\n", "transcribe.beam_size must be 1 or more, got 0"),
    "toml-frame-zero": ("[speakers]\nframe_s = 0\n", "frame_s must be more than 0 and at most 1, got 0.0"),
    "toml-wpm-negative": ("[pace]\ntarget_wpm_min = -50\n", "target_wpm_min must be more than 0.*got -50.0"),
    "toml-min-above-max": ("[pace]\ntarget_wpm_min = 150\n", "at most pace.target_wpm_max"),
    "toml-threshold-above-one": ("[transcribe]\nno_speech_threshold = 2\n", "must be 0 to 1, got 2.0"),
    "toml-bad-choice": ('[speakers]\nmode = "guess"\n', "speakers.mode must be one of auto, channels"),
    "toml-channels-twice": ('[speakers]\nchannels = ["trainee", "trainee"]\n', "trainee named twice"),
    "toml-channels-unknown": ('[speakers]\nchannels = ["trainee", "banana"]\n', "unknown name.*'banana'"),
    "toml-channels-numbers": ("[speakers]\nchannels = [0, 1]\n", "must be a list of names"),
}

CASES: list[Case] = [
    # unreadable audio: refused before any model loads
    Case("zero-byte-wav", _bytes("empty.wav", b""), EXIT_ERROR, r"empty\.wav: the file is empty \(0 bytes\)"),
    Case("zero-byte-mp3", _bytes("empty.mp3", b""), EXIT_ERROR, r"empty\.mp3: the file is empty"),
    Case("header-only-wav", _bytes("header.wav", _header_only_wav), EXIT_ERROR,
         r"header\.wav: decodes to no audio samples"),
    Case("id3-only-mp3", _bytes("tag.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00"), EXIT_ERROR, NOT_AUDIO),
    Case("truncated-wav-header", _bytes("cut.wav", lambda: _encoded("WAV")[:30]), EXIT_ERROR, NOT_AUDIO),
    Case("truncated-flac", _bytes("cut.flac", lambda: _encoded("FLAC")[:60]), EXIT_ERROR,
         r"cut\.flac: (not a readable audio|cannot decode|decodes to no audio)"),
    Case("truncated-opus", _bytes("cut.opus", lambda: SAMPLE.read_bytes()[:400]), EXIT_ERROR,
         r"cut\.opus: (not a readable audio|cannot decode|decodes to no audio)"),
    Case("random-wav", _bytes("noise.wav", _random(5000, 1)), EXIT_ERROR, NOT_AUDIO),
    Case("random-mp3", _bytes("noise.mp3", _random(5000, 2)), EXIT_ERROR, NOT_AUDIO),
    Case("random-flac", _bytes("noise.flac", _random(5000, 3)), EXIT_ERROR,
         rf"noise\.flac: ({NOT_AUDIO}|decodes to no audio samples)"),
    Case("random-opus", _bytes("noise.opus", _random(5000, 4)), EXIT_ERROR, NOT_AUDIO),
    Case("random-m4a", _bytes("noise.m4a", _random(5000, 5)), EXIT_ERROR, NOT_AUDIO),
    Case("random-mp4", _bytes("noise.mp4", _random(5000, 6)), EXIT_ERROR, NOT_AUDIO),
    Case("text-as-wav", _bytes("notes.wav", b"this is not audio\n" * 40), EXIT_ERROR, NOT_AUDIO),
    Case("text-as-mp3", _bytes("notes.mp3", "caf\u00e9 \u2615\n".encode() * 40), EXIT_ERROR, NOT_AUDIO),
    Case("png-as-wav", _bytes("picture.wav", lambda: _image("png")), EXIT_ERROR, NOT_AUDIO),
    Case("jpeg-as-mp3", _bytes("picture.mp3", lambda: _image("jpeg")), EXIT_ERROR, NOT_AUDIO),
    Case("video-without-audio", _video(with_audio=False), EXIT_ERROR,
         r"silent_film\.mp4: has no audio track"),
    Case("nan-samples", _signal("nan.wav", lambda: np.where(np.arange(16000) == 500, np.nan,
                                                          syllable_train(1.0)), subtype="FLOAT"),
         EXIT_ERROR, r"nan\.wav: holds NaN or infinite samples near 0\.0 s"),
    Case("inf-samples", _signal("inf.wav", lambda: np.where(np.arange(16000) == 9000, -np.inf,
                                                          syllable_train(1.0)), subtype="DOUBLE"),
         EXIT_ERROR, r"inf\.wav: holds NaN or infinite samples"),
    Case("six-channels-default-map", _signal("six.wav", lambda: np.stack([syllable_train(1.0)] * 6)),
         EXIT_ERROR, r"6 channels but the channel map names 2 \(trainee,partner\); pass --channels"),
    Case("digital-silence", _signal("silence.wav", lambda: np.zeros((2, 3 * SAMPLE_RATE))), EXIT_ERROR,
         r"silence\.wav: no speech found"),
    Case("nine-channels", _signal("nine.wav", lambda: np.stack([syllable_train(0.5)] * 9)),
         EXIT_ERROR, r"nine\.wav: 9 channels; at most 8 are supported"),
    Case("unicode-name-not-audio", _bytes("rôle_日本語 ☕.wav", b"not audio at all" * 10), EXIT_ERROR,
         r"rôle_日本語 ☕\.wav: not a readable audio"),
    Case("non-utf8-name", lambda d: _non_utf8(d, b"not audio" * 10), EXIT_ERROR,
         r"\\udcff\\udcfe\.wav: not a readable audio"),
    Case("non-media-extension", _bytes("notes.txt", b"hello"), EXIT_ERROR, NOT_AUDIO),
    # paths
    Case("missing-file", lambda d: [str(d / "nope.wav")], EXIT_ERROR, r"nope\.wav: no such file or folder"),
    Case("symlink-loop", _symlink_loop, EXIT_ERROR, r"loop\.wav: is a symbolic link loop"),
    Case("broken-symlink", _broken_link, EXIT_ERROR, r"gone\.wav: is a broken symbolic link"),
    Case("fifo", _fifo, EXIT_ERROR, r"pipe\.wav: is a named pipe \(FIFO\), not a recording"),
    Case("fifo-in-folder", _fifo_in_folder, EXIT_ERROR, r"pipe\.wav: is a named pipe \(FIFO\)"),
    Case("device-file", lambda d: [os.devnull], EXIT_ERROR, r"/dev/null: is a device, not a recording"),
    Case("empty-path", lambda d: [""], EXIT_ERROR, r'^error: An input is an empty path \(""\)'),
    Case("folder-without-recordings", _empty_folder, EXIT_ERROR,
         r"^error: Nothing to analyse: folder .*in holds no audio or video files"),
    Case("output-is-input", _out_is_input, EXIT_ERROR,
         r"^error: The output folder .* is also an input folder"),
    Case("output-under-a-file", _out_under_a_file, EXIT_ERROR, r"^error: Cannot create the output folder"),
    Case("output-is-a-file", _out_is_a_file, EXIT_ERROR, r"^error: Cannot create the output folder"),
    # command line
    Case("channels-twice", _two_channels("--channels", "trainee,trainee"), EXIT_ERROR,
         r"^error: --channels 'trainee,trainee': trainee named twice"),
    Case("channels-unknown", _two_channels("--channels", "trainee,banana"), EXIT_ERROR,
         r"^error: --channels 'trainee,banana': unknown name\(s\) 'banana'"),
    Case("channels-empty", _two_channels("--channels", ""), EXIT_ERROR, r"^error: --channels '': unknown"),
    Case("channels-only-skips", _two_channels("--channels", "-,-"), EXIT_ERROR, r"no trainee or partner"),
    Case("channels-three-on-two", _two_channels("--channels", "trainee,partner,-"), EXIT_ERROR,
         r"stereo\.wav: 2 channels but the channel map names 3 \(trainee,partner,-\)"),
    Case("channels-six-on-two", _two_channels("--channels", "-,trainee,partner,-,-,-"), EXIT_ERROR,
         r"stereo\.wav: 2 channels but the channel map names 6"),
    Case("channels-two-on-mono", _signal("mono.wav", lambda: syllable_train(1.0),
                                         extra=("--channels", "partner,trainee")), EXIT_ERROR,
         r"mono\.wav: 1 channel but the channel map names 2.*leave out --channels"),
    Case("diarize-and-channels", _two_channels("--diarize", "--channels", "trainee,partner"), EXIT_ERROR,
         r"^error: --diarize and --channels exclude each other"),
    Case("negative-jobs", _two_channels("--jobs", "-1"), EXIT_ERROR, r"^error: --jobs must be 0"),
    # other commands that read a file given on the command line
    Case("render-empty-path", lambda d: [""], EXIT_ERROR,
         r'^error: An empty path \(""\) was given; pass a session', command="render"),
    Case("render-fifo", _fifo, EXIT_ERROR,
         r"pipe\.wav: is a named pipe \(FIFO\), not a session JSON", command="render"),
    Case("render-symlink-loop", _symlink_loop, EXIT_ERROR,
         r"loop\.wav: is a symbolic link loop; point it at a session JSON", command="render"),
    Case("render-binary-json", _bytes("s.json", _random(300, 7)), EXIT_ERROR,
         r"s\.json is not a session JSON", command="render"),
    Case("export-device", lambda d: [os.devnull, "--format", "srt"], EXIT_ERROR,
         r"/dev/null: is a device, not a session JSON", command="export"),
    Case("export-folder", lambda d: [str(d), "--format", "vtt"], EXIT_ERROR,
         r"is a folder, not a session JSON", command="export"),
    Case("export-not-a-session", _bytes("s.json", b'{"a": 1}'), EXIT_ERROR,
         r"^error: .*s\.json is not a session JSON: Session JSON has schema ''", command="export"),
    # config files
    *(Case(name, _config(content), EXIT_ERROR, f"^error: Config file .*coach\\.toml.*{message}")
      for name, (content, message) in BAD_TOML.items()),
    Case("config-missing", _config_path("missing"), EXIT_ERROR, r"missing\.toml does not exist"),
    Case("config-folder", _config_path("folder"), EXIT_ERROR, r"^error: Config file .* is a folder"),
    Case("config-fifo", _config_path("fifo"), EXIT_ERROR, r"c\.toml is not a regular file"),
    Case("config-device", _config_path("device"), EXIT_ERROR, r"/dev/null is not a regular file"),
    Case("config-empty-path", _config_path("empty"), EXIT_ERROR, r"^error: --config is an empty path"),
]


def _no_trainee_speech(out: Path, stderr: str) -> None:
    session = json.loads((out / "no_trainee.json").read_text(encoding="utf-8"))
    codes = {f["code"] for f in session["feedback"]}
    assert "no_trainee_speech" in codes and "talk_share" not in codes
    assert "no speech found for trainee" in session["transcript"]["notes"]


def _only_trainee(name: str) -> Callable[[Path, str], None]:
    def check(out: Path, stderr: str) -> None:
        session = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert session["words"] and {w["speaker"] for w in session["words"]} == {"trainee"}
    return check


def _words(name: str) -> Callable[[Path, str], None]:
    def check(out: Path, stderr: str) -> None:
        session = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        assert len(session["words"]) >= 10  # the clips hold 16 or more spoken words
    return check


MODEL_CASES: list[Case] = [
    Case("dc-offset", _with_config(MONO, _signal("dc.wav", lambda: np.full(3 * SAMPLE_RATE, 0.5))),
         EXIT_ERROR, r"dc\.wav: no speech found"),
    Case("tenth-of-a-second", _with_config(MONO, _signal("short.wav", lambda: _speech()[1, 8000:9600])),
         EXIT_ERROR, r"short\.wav: no speech found"),
    Case("clipped", _with_config(MONO, _signal("clipped.wav", lambda: np.clip(_partner() * 30, -1, 1))),
         EXIT_OK, r"1 analysed, 0 unchanged \(skipped\), 0 failed", _words("clipped")),
    Case("8-khz", _with_config(MONO, _signal("narrow.wav", lambda: _resampled(8000), rate=8000)),
         EXIT_OK, r"1 analysed", _words("narrow")),
    Case("96-khz", _with_config(MONO, _signal("wide.wav", lambda: _resampled(96000), rate=96000)),
         EXIT_OK, r"1 analysed", _words("wide")),
    Case("six-channels-mapped", _with_config(FAST, _signal(  # the map the README documents
        "six_mapped.wav", lambda: np.concatenate([_silent(1), _speech(), _silent(3)]),
        extra=("--channels", "-,trainee,partner,-,-,-"))), EXIT_OK, r"1 analysed", _words("six_mapped")),
    Case("skip-channel-zero", _with_config(FAST, _signal(
        "skip.wav", lambda: _speech()[::-1], extra=("--channels", "-,trainee"))), EXIT_OK, r"1 analysed",
         _only_trainee("skip")),
    Case("unicode-path", _with_config(FAST, _signal("rôle-play 日本語 ☕.wav", _speech)), EXIT_OK,
         r"1 analysed", _words("rôle-play 日本語 ☕")),
    Case("video-with-audio", _with_config(MONO, _video(with_audio=True)), EXIT_OK, r"1 analysed",
         _words("talk")),
    Case("no-trainee-speech", _with_config(FAST, _signal(
        "no_trainee.wav", lambda: np.stack([np.zeros(int(CLIP_S * SAMPLE_RATE)), _speech().sum(axis=0)]))),
         EXIT_OK, r"1 analysed", _no_trainee_speech),
]


def _assert_clean_output(out: Path, code: int, before: set[str]) -> None:
    """Only whole results: every stamped recording has its JSON and HTML, nothing else is left
    (``before``: what the folder held before the run)."""
    if not out.is_dir():
        return
    files = {p.name for p in out.iterdir()} - before
    assert not [f for f in files if f.endswith(".partial")], files
    names = {f[: -len(".stamp.json")] for f in files if f.endswith(".stamp.json")}
    finished = {f"{n}{s}" for n in names for s in (".json", ".html", ".stamp.json")}
    assert finished <= files, files
    assert files - finished <= BATCH_FILES, files
    if code != EXIT_OK:
        assert not names, f"a failed run left results: {sorted(names)}"


def _run_case(case: Case, folder: Path, capsys: pytest.CaptureFixture[str],
              caplog: pytest.LogCaptureFixture) -> str:
    args = case.make(folder)
    if "--out" not in args:
        args += ["--out", str(folder / "out")]
    out = Path(args[args.index("--out") + 1])
    before = {p.name for p in out.iterdir()} if out.is_dir() else set()
    capsys.readouterr()
    code = main([case.command, *args])
    captured = capsys.readouterr()
    stderr = captured.err + "".join(f"{r.levelname} {r.getMessage()}\n" for r in caplog.records)
    everything = captured.out + stderr
    assert "Traceback" not in everything and "internal error" not in everything, everything
    assert not [r for r in caplog.records if r.exc_info], "a traceback was logged"
    assert code == case.code, everything
    assert [line for line in everything.splitlines() if re.search(case.message, line)], (
        f"no line matches {case.message!r} in:\n{everything}")
    _assert_clean_output(out, code, before)
    if case.check is not None:
        case.check(out, stderr)
    return stderr


SEPARATE_INPUTS = 2  # loud.wav and the non-UTF-8 name analysed by their own tests below


def test_the_corpus_is_large_enough_and_the_readme_counts_it() -> None:
    total = len(CASES) + len(MODEL_CASES) + SEPARATE_INPUTS
    assert total >= 60
    assert len({c.id for c in CASES + MODEL_CASES}) == len(CASES) + len(MODEL_CASES)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"generates {total} malformed" in readme and f"{len(CASES)} of them are refused" in readme


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_malformed_input_is_refused_in_one_line(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from listening_coach import transcribe

    def no_model(*args: object, **kwargs: object) -> None:
        raise AssertionError("the Whisper model loaded for input that should be refused first")

    monkeypatch.setattr(transcribe, "_load", no_model)
    _run_case(case, tmp_path, capsys, caplog)


@pytest.mark.slow
@pytest.mark.parametrize("case", MODEL_CASES, ids=[c.id for c in MODEL_CASES])
def test_odd_audio_is_analysed_or_refused_in_one_line(
    case: Case, tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    _run_case(case, tmp_path, capsys, caplog)


@pytest.mark.slow
def test_audio_far_outside_full_scale_is_normalised_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture,
) -> None:
    speech = _partner() / np.abs(_partner()).max()  # peak 1.0: what normalising gives back
    normal = _wav(tmp_path / "in" / "normal.wav", speech, subtype="FLOAT")
    _wav(tmp_path / "in" / "loud.wav", speech * 1000, subtype="FLOAT")
    config = tmp_path / "mono.toml"
    config.write_text(MONO)
    out = tmp_path / "out"
    assert main(["analyze", str(normal.parent), "--out", str(out), "--config", str(config)]) == EXIT_OK
    logged = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("loud.wav: samples reach 1e+03 times full scale; scaled down" in m for m in logged)
    assert not any("normal.wav" in m for m in logged)

    assert np.abs(load_audio(tmp_path / "in" / "loud.wav") - load_audio(normal)).max() < 1e-6

    def words(name: str) -> list[str]:
        session = json.loads((out / f"{name}.json").read_text(encoding="utf-8"))
        return [w["text"] for w in session["words"]]

    # the samples match to float32 rounding; int8 decoding may still move a word, not the text
    assert len(words("normal")) >= 10
    assert difflib.SequenceMatcher(None, words("loud"), words("normal")).ratio() >= 0.9


def test_float_audio_far_outside_full_scale_loads_scaled_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    tone = syllable_train(1.0)
    tone = tone / np.abs(tone).max()
    normal = _wav(tmp_path / "normal.wav", tone, subtype="FLOAT")
    loud = _wav(tmp_path / "loud.wav", tone * 1000, subtype="DOUBLE")
    slightly_over = _wav(tmp_path / "over.wav", tone * 1.5, subtype="FLOAT")  # decoder overshoot
    assert np.abs(load_audio(loud) - load_audio(normal)).max() < 1e-6
    assert [r.getMessage() for r in caplog.records] == [
        f"{loud}: samples reach 1e+03 times full scale; scaled down to fit [-1, 1] "
        "(check the export settings of this recording)"]
    assert np.abs(load_audio(slightly_over)).max() == pytest.approx(1.5, rel=1e-6)  # left alone


def test_no_trainee_speech_is_said_instead_of_praised() -> None:
    from listening_coach.config import config_from_dict
    from listening_coach.pipeline import analyze_words
    from listening_coach.testing import script

    words = script("partner 0.0 I have been waiting forty minutes and nobody called me back",
                   "trainee 5.0 mm-hm", "partner 6.0 this is really not fine at all")
    session = analyze_words(words, config_from_dict({"language": {"use_model": False}}))
    codes = [f.code for f in session.feedback if f.exchange is None]
    assert codes == ["no_trainee_speech"]
    assert not any("of the talking" in f.message for f in session.feedback)


@pytest.mark.slow
def test_a_recording_whose_name_is_not_utf8_is_analysed_and_skipped_when_unchanged(
    tmp_path: Path, capsys: pytest.CaptureFixture[str],
) -> None:
    buffer = io.BytesIO()
    sf.write(buffer, _partner(), SAMPLE_RATE, format="WAV")
    (path,) = _non_utf8(tmp_path, buffer.getvalue())
    config = tmp_path / "mono.toml"
    config.write_text(MONO)
    argv = ["analyze", path, "--out", str(tmp_path / "out"), "--config", str(config)]
    assert main(argv) == EXIT_OK
    assert main(argv) == EXIT_OK
    assert "0 analysed, 1 unchanged (skipped), 0 failed" in capsys.readouterr().out
    session = json.loads((tmp_path / "out" / "_xff_xfe.json").read_text(encoding="utf-8"))
    assert session["source"] == path and len(session["words"]) >= 10


def test_the_installed_command_exits_with_the_code_and_no_traceback(tmp_path: Path) -> None:
    """The same through a real process: sys.exit codes, stderr, argv with '-,trainee'."""
    (tmp_path / "loop.wav").symlink_to(tmp_path / "loop.wav")
    (tmp_path / "beam.toml").write_text("[transcribe]\nbeam_size = 0\n")
    stereo = _wav(tmp_path / "stereo.wav", np.stack([syllable_train(1.0)] * 2))
    runs = {
        ("analyze", str(tmp_path / "loop.wav"), "--out", str(tmp_path / "out")): "is a symbolic link loop",
        ("analyze", str(stereo), "--config", str(tmp_path / "beam.toml")): "beam_size must be 1 or more",
        ("analyze", str(stereo), "--channels", "-,trainee,partner", "--out", str(tmp_path / "out")):
            "2 channels but the channel map names 3",
    }
    for argv, message in runs.items():
        result = subprocess.run([sys.executable, "-m", "listening_coach", *argv], capture_output=True,
                                text=True, cwd=tmp_path, timeout=120)
        assert result.returncode == EXIT_ERROR, result.stderr
        assert message in result.stderr and "Traceback" not in result.stderr + result.stdout
