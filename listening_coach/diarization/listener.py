"""Which of two voices reads like the listener: the ``listener`` role rule.

- :func:`utterances`: each speaker's runs of words (split where the other speaker spoke), with
  the other's preceding run as context.
- :func:`listener_score`: share of a speaker's utterances that a listener says (reflection,
  question, validation, affirmation, apology, a backchannel) minus the share that sounds
  agitated (command, blame, arguing, threat), from the language model's labels.
- :func:`stance`: second-person minus first-person pronouns per word ("you"/"your" vs
  "I"/"me"/"my"): a listener talks about the other person, an upset partner about themselves.
- :func:`listener_vote`: +1 .. -1, how clearly speaker ``a`` (positive) rather than ``b`` is
  the listener (labels and stance, half each); 0 when there is nothing to judge.

The trainee practises listening to an agitated partner, so the rule looks at both sides: the
trainee's lines score high and the partner's low. Talk time (``less``) is a weaker cue: an
upset partner may say little and a nervous trainee a lot.
"""

from __future__ import annotations

from collections.abc import Sequence

from listening_coach.config import LanguageOptions, TurnOptions
from listening_coach.types import Speaker, Word

LISTENING_LABELS = frozenset({"reflection", "question", "affirmation", "validation"})
LISTENING_FLAGS = frozenset({"validation", "apology", "emotion_label", "summary"})
AGITATED_FLAGS = frozenset({"command", "blame", "arguing", "threat"})
MAX_UTTERANCES = 80  # per speaker: enough to judge, bounded cost on long files
SCALE = 0.4  # a label-score difference this large is a confident vote
STANCE_SCALE = 0.08  # a stance difference this large (per word) is a confident vote
YOU = frozenset({"you", "your", "yours", "yourself", "you're", "you've", "you'd", "you'll"})
ME = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'd", "i'll"})


def utterances(words: Sequence[Word], speaker: Speaker) -> list[tuple[str, str]]:
    """(text, context) for each run of ``speaker``'s words; context is the other's last run."""
    from listening_coach.config import TurnOptions

    lexicon = set(TurnOptions().backchannel_words)
    runs: list[tuple[Speaker, list[str]]] = []
    for w in sorted(words):
        if w.speaker is None or (w.speaker != speaker and w.bare in lexicon):
            continue  # the other's backchannel does not end this speaker's utterance
        if runs and runs[-1][0] == w.speaker:
            runs[-1][1].append(w.text)
        else:
            runs.append((w.speaker, [w.text]))
    out = []
    context = ""
    for who, texts in runs:
        text = "".join(texts).strip()
        if who == speaker:
            out.append((text, context))
        else:
            context = text
    return out[:MAX_UTTERANCES]


def listener_score(items: list[tuple[str, str]], language: LanguageOptions | None = None) -> float | None:
    """Listening share minus agitated share of ``items`` (None when there are none)."""
    if not items:
        return None
    from listening_coach.language.labelling import label_texts

    lexicon = set(TurnOptions().backchannel_words)
    options = language or LanguageOptions()
    listening = agitated = 0
    backchannel = {i for i, (text, _) in enumerate(items) if _bare(text) in lexicon}
    labels = label_texts([item for i, item in enumerate(items) if i not in backchannel], options)
    for label in labels:
        flags = set(label.flags)
        listening += label.label in LISTENING_LABELS or bool(flags & LISTENING_FLAGS)
        agitated += bool(flags & AGITATED_FLAGS)
    listening += len(backchannel)
    return (listening - agitated) / len(items)


def stance(items: list[tuple[str, str]]) -> float | None:
    """("you" words - "I" words) per word over ``items``; None without words."""
    tokens = [t.strip(".,!?;:\"()-").lower() for text, _ in items for t in text.split()]
    if not tokens:
        return None
    return (sum(t in YOU for t in tokens) - sum(t in ME for t in tokens)) / len(tokens)


def _bare(text: str) -> str:
    return " ".join(t.strip(".,!?;:\"'()-").lower() for t in text.split())


def listener_vote(
    words: Sequence[Word], a: Speaker, b: Speaker, language: LanguageOptions | None = None
) -> float:
    """+1 .. -1: ``a`` (positive) or ``b`` is the listener; 0 without words of both."""
    items_a, items_b = utterances(words, a), utterances(words, b)
    score_a, score_b = listener_score(items_a, language), listener_score(items_b, language)
    stance_a, stance_b = stance(items_a), stance(items_b)
    if score_a is None or score_b is None or stance_a is None or stance_b is None:
        return 0.0
    labels = max(-1.0, min(1.0, (score_a - score_b) / SCALE))
    pronouns = max(-1.0, min(1.0, (stance_a - stance_b) / STANCE_SCALE))
    return 0.5 * labels + 0.5 * pronouns
