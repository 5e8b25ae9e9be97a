"""Rule-based language signals over spaCy's Matcher (token patterns, no model).

- :func:`apply_rules`: one utterance -> :class:`RuleResult` (a main label, subtype, flags).
- :data:`FLAGS`: the de-escalation flags: command, blame, arguing, dismissive_but, threat,
  policy, apology (apology is a neutral-to-good flag, the others escalate).
- :func:`tokenizer`: the blank English pipeline the patterns run on (no model download).

The phrases and patterns are in :mod:`listening_coach.language.phrases`. They use ``LOWER``
and token shapes only, so they run on ``spacy.blank("en")`` in unit tests and on
lower-cased, unpunctuated ASR text alike. The trained model (``model.py``) decides the MI
behaviour when it is available; these rules always supply the flags and the labels AnnoMI
does not code (validation, affirmation, summary, emotion labelling).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from listening_coach.language.phrases import FEELING_WORDS as FEELING_WORDS  # re-exported
from listening_coach.language.phrases import PATTERNS, PHRASES, TEMPLATED
from listening_coach.language.soundalike import near_phrases

FLAGS: tuple[str, ...] = (
    "command", "blame", "arguing", "dismissive_but", "threat", "policy", "apology",
)
ESCALATING_FLAGS: frozenset[str] = frozenset(FLAGS) - {"apology"}
# Flags that mark a skill rather than a fault (set by the labeller, see labelling.py).
SKILL_FLAGS: tuple[str, ...] = ("apology", "validation", "affirmation", "emotion_label", "summary")

WH_WORDS = frozenset({"what", "how", "why", "where", "when", "who", "which", "whose", "whom"})
AUXILIARIES = frozenset({
    "do", "does", "did", "is", "are", "was", "were", "am", "can", "could", "would", "will",
    "should", "shall", "have", "has", "had", "may", "might", "must", "isn't", "aren't",
    "don't", "doesn't", "didn't", "won't", "wouldn't", "can't", "couldn't", "haven't",
    "hasn't", "wasn't", "weren't", "shouldn't",
})
SUBJECTS = frozenset({"you", "i", "we", "they", "he", "she", "it", "that", "this", "there"})
# "I hear you. What have they told you?" heard as one sentence: an open question right after
# an opening acknowledgement, no full stop between (the labeller splits there). Not "what I
# hear", "what we can do is..." (a subject right after "what" makes a clause, not a question),
# and "how" only before an auxiliary ("how awful" is no question).
ACK_THEN_ASK = re.compile(
    r"^(?:so\s+)?(?:i hear you|i see|i understand|okay|ok|right),?\s+"
    r"(?:what\s+(?!(?:i|you|we|they|he|she|it|that|this|some|people)\b)"
    r"|how\s+(?:are|is|was|were|do|does|did|have|has|can|could|will|would)\b)",
    re.IGNORECASE)
LEADING_FILLERS = frozenset({
    "so", "and", "but", "well", "okay", "ok", "um", "uh", "now", "right", "alright", "then",
    "oh", "mm", "hmm", "yeah", "mhm",
})



@dataclass(frozen=True, slots=True)
class RuleResult:
    """What the rules found in one utterance.

    ``label`` is None when no rule decides the main behaviour; ``cues`` names the matched
    patterns (for explanations and tests).
    """

    label: str | None
    subtype: str | None
    confidence: float
    flags: tuple[str, ...]
    cues: tuple[str, ...]
    feeling_named: bool


@functools.lru_cache(maxsize=1)
def tokenizer() -> Any:
    """Return a cached ``spacy.blank("en")`` pipeline (tokenizer only, no download)."""
    import spacy

    return spacy.blank("en")


_FULL_FORMS = ((" ca n't", " can not"), (" wo n't", " will not"), (" n't", " not"),
               (" 're", " are"), (" 've", " have"), (" 'll", " will"), (" 'm", " am"),
               (" 'd", " would"), (" 's", " is"))


def _spelled_out(phrase: str) -> tuple[str, ...]:
    """The phrase, and the same with its contractions spelled out ("that 's not true" ->
    "that is not true"), as people say them either way.

    Examples:
      >>> _spelled_out("you 're being ridiculous"), _spelled_out("calm down")
      (("you 're being ridiculous", 'you are being ridiculous'), ('calm down',))
    """
    full = phrase
    for short, long in _FULL_FORMS:
        full = full.replace(short, long)
    return (phrase, full) if full != phrase else (phrase,)


@functools.lru_cache(maxsize=4)
def _matcher(vocab_id: int) -> Any:
    from spacy.matcher import Matcher

    nlp = tokenizer()
    matcher = Matcher(nlp.vocab)
    for name, phrases in PHRASES.items():
        patterns = []
        for phrase in dict.fromkeys(v for p in phrases for v in _spelled_out(p)):
            natural = phrase.replace(" '", "'").replace(" n't", "n't")
            tokens = [t.text.lower() for t in nlp.make_doc(natural)]
            patterns.append([{"LOWER": t} for t in tokens])
            if any("'" in t for t in tokens):  # ASR-style text drops apostrophes: "youre"
                bare = [t.replace("'", "") for t in tokens]
                patterns.append([{"LOWER": t} for t in bare])
                merged = " ".join(bare).replace("it s ", "its ").split()
                if merged != bare:  # "its" is one token
                    patterns.append([{"LOWER": t} for t in merged])
        patterns.extend(PATTERNS.get(name, ()))
        matcher.add(name, patterns)
    return matcher


def tokens_of(text: str) -> list[str]:
    """Lower-case spaCy tokens of ``text``.

    Examples:
      >>> tokens_of("You're right, aren't you?")
      ['you', "'re", 'right', ',', 'are', "n't", 'you', '?']
    """
    return [t.lower_ for t in tokenizer().make_doc(text)]


def _is_question(tokens: list[str], text: str) -> tuple[bool, str | None, str]:
    """Return (is_question, subtype, cue) from a question mark, wh-word or inversion."""
    words = [t for t in tokens if t.isalpha() or "'" in t]
    while words and words[0] in LEADING_FILLERS and len(words) > 1:
        words = words[1:]
    has_mark = text.rstrip().endswith("?") or "?" in text
    first = words[0] if words else ""
    second = words[1] if len(words) > 1 else ""
    if first in WH_WORDS:
        # "what I hear is ..." is a reflection stem, not a question.
        if first in ("what", "how") and second in ("i", "you") and not has_mark:
            return False, None, ""
        return True, "open", f"wh:{first}"
    if first in AUXILIARIES and (second in SUBJECTS or second in ("n't", "not")):
        return True, "closed", f"inversion:{first}"
    if has_mark:
        return True, None, "question_mark"
    return False, None, ""


# Phrase tables also matched by sound where ASR was unsure (soundalike.py): the flags and the
# skills a garbled word hides; not the short or structural ones (acknowledgements, stems).
SOUNDALIKE_TABLES: tuple[str, ...] = (
    "blame", "arguing", "threat", "policy", "validation", "affirmation",
)


def apply_rules(
    text: str, heard: Sequence[tuple[str, float]] | None = None, *,
    unsure_below: float = 0.6, max_ratio: float = 0.15,
) -> RuleResult:
    """Code one utterance with the phrase rules.

    Args:
      text: One sentence or turn, punctuated or not.
      heard: The recognised words of ``text`` and their probabilities, when it comes from
        ASR: a phrase of :data:`SOUNDALIKE_TABLES` that the exact rules miss then also
        counts when a stretch the recogniser was unsure of sounds like it (cues ``NAME`` and
        ``NAME~``).
      unsure_below, max_ratio: How unsure, and how near in sound
        (:func:`~listening_coach.language.soundalike.near_phrases`).

    Returns:
      The rule label (``reflection``, ``question``, ``validation``, ``affirmation``,
      ``summary`` or None), its subtype, a confidence, flags and the cues that fired.

    Examples:
      >>> apply_rules("Calm down, it's company policy.").flags
      ('command', 'policy')
      >>> r = apply_rules("What happened this morning?"); (r.label, r.subtype)
      ('question', 'open')
    """
    nlp = tokenizer()
    doc = nlp.make_doc(text)
    tokens = [t.lower_ for t in doc]
    matcher = _matcher(id(nlp.vocab))
    found: dict[str, list[int]] = {}
    for match_id, start, _end in matcher(doc):
        found.setdefault(nlp.vocab.strings[match_id], []).append(start)
    cues = sorted(found)
    for name, start in _sound_matches(text, doc, heard, found, unsure_below, max_ratio):
        found[name] = [start]
        cues += [name, f"{name}~"]
    flags = [f for f in FLAGS if f in found and f != "dismissive_but"]
    is_question, q_subtype, q_cue = _is_question(tokens, text)
    if _dismissive_but(tokens, found, is_question):
        flags.append("dismissive_but")
        cues.append("dismissive_but")
    flags = sorted(set(flags), key=FLAGS.index)
    feeling = any(t in FEELING_WORDS for t in tokens)

    if "open_question_start" in found and min(found["open_question_start"]) <= 2:
        is_question, q_subtype, q_cue = True, "open", "open_question_start"
    if is_question and q_cue:
        cues.append(q_cue)

    question = (q_subtype, q_cue) if is_question else None
    label, subtype, confidence = _main_label(found, question, feeling, len(tokens))
    return RuleResult(label, subtype, confidence, tuple(flags), tuple(cues), feeling)


def _sound_matches(
    text: str, doc: Any, heard: Sequence[tuple[str, float]] | None, found: dict[str, list[int]],
    unsure_below: float, max_ratio: float,
) -> list[tuple[str, int]]:
    """(table, token index) of phrases heard as near misses (see :func:`apply_rules`)."""
    if not heard or unsure_below <= 0:
        return []
    tables = [t for t in _soundalike_tables() if t[0] not in found]
    words = [w for w, _ in heard]
    near = near_phrases(words, [p for _, p in heard], tables, unsure_below=unsure_below,
                        max_ratio=max_ratio)
    if not near:
        return []
    starts, pos = [], 0
    for w in words:  # where each heard word starts in the text
        at = text.find(w, pos)
        starts.append(at if at >= 0 else pos)
        pos = max(pos, at + len(w)) if at >= 0 else pos
    return [(name, next((t.i for t in doc if t.idx >= starts[k]), len(doc) - 1)) for name, k in near]


@functools.cache
def _soundalike_tables() -> tuple[tuple[str, tuple[str, ...]], ...]:
    """:data:`SOUNDALIKE_TABLES` with their phrases, less the templated ones."""
    return tuple((n, tuple(p for p in PHRASES[n] if p not in TEMPLATED)) for n in SOUNDALIKE_TABLES)


def _dismissive_but(tokens: list[str], found: dict[str, list[int]], is_question: bool) -> bool:
    """Whether a "but" dismisses what came before it (the "yes, but")."""
    # an acknowledgement followed later by "but"/"however"/"although"
    buts = [i for i, t in enumerate(tokens) if t in ("but", "however", "although")]
    acks = found.get("acknowledge", [])
    words = [t for t in tokens if t.isalpha()]
    # "But those are the rules.": a statement that opens by countering the partner's line
    # (the acknowledgement before it is often lost in speech recognition); not "But what...?"
    opens_with_but = bool(words) and words[0] == "but" and not is_question
    # "..., but there is nothing I can do": a "but" that turns to a refusal or a rule dismisses
    # what came before it, whether or not ASR kept the acknowledgement.
    refusals = found.get("policy", []) + found.get("refusal", [])
    but_refuses = any(0 < b < r for b in buts for r in refusals)
    # "I understand, there is nothing I can do": ASR may drop the "but" between an opening
    # acknowledgement ("I understand", "I hear you", "that makes sense"; not a bare "okay")
    # and the refusal or rule that takes it back.
    ack_refuses = any(a <= 2 < r and tokens[a] in ("i", "that", "hear", "understand")
                      for a in acks for r in refusals)
    return bool((buts and acks and any(b > a for b in buts for a in acks) and min(buts) > 0)
                or opens_with_but or but_refuses or ack_refuses)


def _main_label(
    found: dict[str, list[int]], question: tuple[str | None, str] | None, feeling: bool,
    n_tokens: int,
) -> tuple[str | None, str | None, float]:
    """The main behaviour the rules decide, its subtype and confidence (None, None, 0.0: none).

    ``question``: the question's subtype and cue when the utterance is one.
    """
    if "summary" in found:
        return "summary", None, 0.6
    if "reflection_stem" in found and not (question is not None and question[1].startswith("wh:")):
        return "reflection", "complex" if feeling or n_tokens > 14 else "simple", 0.6
    if question is not None:
        q_subtype, q_cue = question
        return "question", q_subtype or "closed", 0.8 if q_cue != "question_mark" else 0.6
    for label, confidence in (("validation", 0.6), ("affirmation", 0.6), ("advice", 0.5)):
        if label in found:
            return label, None, confidence
    return None, None, 0.0
