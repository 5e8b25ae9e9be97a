"""Word error rate of the pipeline's transcription against reference transcripts.

- :func:`normalize_words`: the text normalisation both sides go through before scoring.
- :func:`align_errors`: substitutions, deletions and insertions (Levenshtein over words).
- :func:`find_clips`: audio files in a folder paired with their reference transcripts.
- :func:`evaluate_asr`: run :func:`listening_coach.pipeline.analyze` on every clip and score
  each speaker's words; returns an :class:`AsrReport` (per clip + overall WER).

Reference files next to ``NAME.wav|flac|...`` (the layout of ``../shared/data/speech``):
``NAME.txt`` (plain text; a TIMIT line ``START END text`` loses its two sample offsets),
``NAME.segments.tsv`` (``speaker start end text`` rows, joined in time order), or
``NAME.left.txt`` / ``NAME.right.txt`` for a two-channel file with one speaker per channel
(channel 0 is scored as the trainee, channel 1 as the partner, the default channel map).
Overall WER is the sum of errors over the sum of reference words (not a mean of clip WERs).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from listening_coach.config import DEFAULT_CONFIG, Config, SpeakerMode
from listening_coach.errors import AudioError, CoachError
from listening_coach.pipeline import analyze
from listening_coach.span import merge_spans
from listening_coach.transcribe import describe
from listening_coach.types import PARTNER, TRAINEE, Turn

AUDIO_SUFFIXES = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a")
_ONES = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_TENS = ["_", "_", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


@dataclass(frozen=True, slots=True)
class ClipScore:
    """One speaker of one clip: reference vs hypothesis words and the errors between them."""

    clip: str
    speaker: str
    duration_s: float
    reference: tuple[str, ...]
    hypothesis: tuple[str, ...]
    substitutions: int
    deletions: int
    insertions: int
    overlap_s: float | None = None  # two-speaker clips: time both speakers' turns run

    @property
    def errors(self) -> int:
        return self.substitutions + self.deletions + self.insertions

    @property
    def wer(self) -> float:
        return self.errors / max(len(self.reference), 1)


@dataclass(frozen=True, slots=True)
class AsrReport:
    """Every clip's score; ``wer`` is total errors / total reference words."""

    scores: tuple[ClipScore, ...]
    model: str
    failures: tuple[tuple[str, str], ...] = ()  # (clip, error) for clips that could not be read

    @property
    def reference_words(self) -> int:
        return sum(len(s.reference) for s in self.scores)

    @property
    def errors(self) -> int:
        return sum(s.errors for s in self.scores)

    @property
    def wer(self) -> float:
        return self.errors / max(self.reference_words, 1)


def number_words(digits: str) -> list[str]:
    """Spell a digit string: 0-99 as a cardinal, longer strings digit by digit.

    Examples:
      >>> number_words("40"), number_words("7"), number_words("1902")
      (['forty'], ['seven'], ['one', 'nine', 'zero', 'two'])
    """
    if len(digits) <= 2:
        n = int(digits)
        if n < 20:
            return [_ONES[n]]
        return [_TENS[n // 10]] + ([_ONES[n % 10]] if n % 10 else [])
    return [_ONES[int(d)] for d in digits]


def normalize_words(text: str) -> list[str]:
    """Lower-case words with punctuation removed and numbers spelled out.

    Rules, applied to reference and hypothesis alike: lower case; thousands separators dropped
    ("1,000" -> "1000"); digit runs spelled (:func:`number_words`); "oh" read as a digit becomes
    "zero"; hyphens and slashes split words ("mm-hm" -> "mm hm"); other punctuation removed,
    apostrophes inside words kept ("i'm" stays one word, as the AMI reference writes "I'M").

    Examples:
      >>> normalize_words("And so, my fellow Americans: ask not -- 40 times!")
      ['and', 'so', 'my', 'fellow', 'americans', 'ask', 'not', 'forty', 'times']
      >>> normalize_words("one nine oh two, 1-0-0-3")
      ['one', 'nine', 'zero', 'two', 'one', 'zero', 'zero', 'three']
    """
    text = re.sub(r"(?<=\d),(?=\d{3})", "", text.lower())
    text = re.sub(r"[-/–—]", " ", text)
    out: list[str] = []
    for token in re.findall(r"[a-z0-9']+", text):
        token = token.strip("'")
        if not token:
            continue
        for part in re.findall(r"\d+|[a-z']+", token):
            out.extend(number_words(part) if part.isdigit() else [part])
    return ["zero" if w == "oh" else w for w in out]


def align_errors(reference: list[str], hypothesis: list[str]) -> tuple[int, int, int]:
    """Return (substitutions, deletions, insertions) of the cheapest word alignment.

    Examples:
      >>> align_errors("a b c d".split(), "a x c d e".split())
      (1, 0, 1)
    """
    # cost table of (errors, subs, dels, ins) per prefix pair
    prev = [(j, 0, 0, j) for j in range(len(hypothesis) + 1)]
    for i, ref_word in enumerate(reference, 1):
        row = [(i, 0, i, 0)]
        for j, hyp_word in enumerate(hypothesis, 1):
            e, s, d, n = prev[j - 1]
            best = (e, s, d, n) if ref_word == hyp_word else (e + 1, s + 1, d, n)
            e, s, d, n = prev[j]
            best = min(best, (e + 1, s, d + 1, n))
            e, s, d, n = row[j - 1]
            best = min(best, (e + 1, s, d, n + 1))
            row.append(best)
        prev = row
    _, subs, dels, ins = prev[-1]
    return subs, dels, ins


def read_reference(path: Path) -> str:
    """Return the reference text of one ``.txt`` or ``.segments.tsv`` file."""
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".tsv"):
        rows = [line.split("\t") for line in text.splitlines()[1:] if line.strip()]
        rows.sort(key=lambda r: float(r[1]))
        return " ".join(r[3] for r in rows if len(r) >= 4)
    return re.sub(r"^\s*\d+\s+\d+\s+", "", text.strip())  # TIMIT: "0 46797 She had..."


def find_clips(folder: str | Path) -> list[tuple[Path, dict[str, str]]]:
    """Return ``(audio, {speaker: reference text})`` for every audio file with a reference.

    Raises:
      AudioError: the folder does not exist or holds no audio file with a reference.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise AudioError(f"{folder}: not a folder; pass the folder holding clips and their .txt")
    clips: list[tuple[Path, dict[str, str]]] = []
    for audio in sorted(p for p in folder.iterdir() if p.suffix.lower() in AUDIO_SUFFIXES):
        stem = audio.with_suffix("")
        left, right = Path(f"{stem}.left.txt"), Path(f"{stem}.right.txt")
        refs: dict[str, str] = {}
        if left.is_file() and right.is_file():
            refs = {TRAINEE: read_reference(left), PARTNER: read_reference(right)}
        else:
            for candidate in (Path(f"{stem}.txt"), Path(f"{stem}.segments.tsv")):
                if candidate.is_file():
                    refs = {TRAINEE: read_reference(candidate)}
                    break
        if refs:
            clips.append((audio, refs))
    if not clips:
        raise AudioError(
            f"{folder}: no audio file has a reference transcript next to it "
            "(NAME.txt, NAME.segments.tsv or NAME.left.txt + NAME.right.txt)"
        )
    return clips


def overlap_seconds(turns: Iterable[Turn], a: str, b: str) -> float:
    """Return the time during which turns of speakers ``a`` and ``b`` both run.

    Turns, not words: the short silences between one speaker's words still belong to their
    speech, as a listener hears it.
    """
    turns = list(turns)
    spans_a = merge_spans(t.span for t in turns if t.speaker == a)
    spans_b = merge_spans(t.span for t in turns if t.speaker == b)
    return round(sum(x.overlap(y) for x in spans_a for y in spans_b), 3)


def evaluate_asr(
    folder: str | Path,
    config: Config = DEFAULT_CONFIG,
    *,
    progress: Callable[[ClipScore], None] | None = None,
) -> AsrReport:
    """Transcribe every clip in ``folder`` with the full pipeline and score it.

    Mono clips are analysed as one speaker (``speakers.mode = "trainee"``, no diarization);
    clips with ``.left.txt``/``.right.txt`` with one speaker per channel. Voice features and
    the language model are switched off: they do not change the words.

    Args:
      folder: clips and reference transcripts (see the module docstring).
      config: transcription options (model, beam size, VAD) come from here.
      progress: called with each :class:`ClipScore` as it is ready.

    A clip the pipeline cannot read is listed in ``failures`` and the others still run.
    """
    scores: list[ClipScore] = []
    failures: list[tuple[str, str]] = []
    for audio, refs in find_clips(folder):
        mode: SpeakerMode = "channels" if len(refs) > 1 else "trainee"
        clip_config = dataclasses.replace(
            config,
            speakers=dataclasses.replace(config.speakers, mode=mode),
            voice=dataclasses.replace(config.voice, enabled=False),
            language=dataclasses.replace(config.language, use_model=False),
        )
        try:
            session = analyze(audio, clip_config)
        except CoachError as e:
            failures.append((audio.name, str(e)))
            continue
        duration = session.transcript.duration if session.transcript else 0.0
        overlap = overlap_seconds(session.turns, TRAINEE, PARTNER) if len(refs) > 1 else None
        for speaker, text in refs.items():
            ref = normalize_words(text)
            hyp = normalize_words(" ".join(w.text for w in session.words if w.speaker == speaker))
            subs, dels, ins = align_errors(ref, hyp)
            score = ClipScore(
                audio.name,
                speaker,
                round(duration, 2),
                tuple(ref),
                tuple(hyp),
                subs,
                dels,
                ins,
                overlap,
            )
            scores.append(score)
            if progress is not None:
                progress(score)
    return AsrReport(tuple(scores), describe(config.transcribe)[0], tuple(failures))


def render_table(report: AsrReport) -> str:
    """Return the per-clip table and overall WER as plain text."""
    lines = [
        (
            f"{'clip':<36} {'speaker':<8} {'dur s':>6} {'ref':>4} {'S':>3} {'D':>3} {'I':>3} "
            f"{'WER':>6}  overlap s"
        )
    ]
    for s in report.scores:
        overlap = f"{s.overlap_s:.2f}" if s.overlap_s is not None else "-"
        lines.append(
            f"{s.clip[:36]:<36} {s.speaker:<8} {s.duration_s:>6.1f} {len(s.reference):>4} "
            f"{s.substitutions:>3} {s.deletions:>3} {s.insertions:>3} {s.wer:>6.1%}  {overlap}"
        )
    lines.extend(f"failed: {clip}: {error}" for clip, error in report.failures)
    lines.append(
        f"overall: {report.errors} errors / {report.reference_words} reference words = "
        f"WER {report.wer:.1%}  (model: {report.model})"
    )
    return "\n".join(lines)
