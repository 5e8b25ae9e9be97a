"""Reflection fidelity: how much of the partner's last turn a reflection carries over.

- :func:`content_stems`: the content words of a text, crudely stemmed ("waiting" -> "wait").
- :func:`fidelity`: weighted share of the partner's content and feeling words that the
  response repeats (feeling words count double), saturating at ``saturation`` words.
- :func:`overlap_features`: the same counts as model features (used in training and inference).

A reflection of something the partner never said is not a reflection (PRODUCT.md); a complex
reflection adds meaning, so a low score is a hint, not a verdict. Naming a feeling when the
partner spoke with feeling earns one unit of credit even in other words.
"""

from __future__ import annotations

import re

from spacy.lang.en.stop_words import STOP_WORDS

from listening_coach.language.rules import FEELING_WORDS

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)?")
_EXTRA_STOP = frozenset({
    "yeah", "okay", "ok", "um", "uh", "mm", "hmm", "like", "just", "really", "know", "think",
    "mean", "right", "gonna", "wanna", "kind", "sort", "thing", "things", "stuff", "lot",
    "got", "get", "oh", "well", "want", "feel", "feeling", "sounds", "sound", "guess",
    "actually", "little", "bit", "way", "pretty", "i'm", "it's", "don't", "that's", "you're",
    "can't", "didn't", "i've", "you've", "let", "tell", "said", "say", "saying", "hear",
})
STOP = frozenset(STOP_WORDS) | _EXTRA_STOP
_SUFFIXES = ("ingly", "ings", "ing", "edly", "ed", "ly", "s")


def stem(word: str) -> str:
    """Strip a common English suffix, keeping at least three letters.

    Examples:
      >>> [stem(w) for w in ("waiting", "worried", "deadlines", "hours")]
      ['wait', 'worry', 'deadline', 'hour']
    """
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word


def content_stems(text: str) -> dict[str, bool]:
    """Return ``{stem: is_feeling}`` for the content words of ``text``.

    Examples:
      >>> content_stems("I'm so frustrated, I keep missing deadlines")
      {'frustrat': True, 'miss': False, 'deadline': False}
    """
    out: dict[str, bool] = {}
    for word in _WORD.findall(text.lower()):
        if word in STOP or len(word) < 3:
            continue
        out.setdefault(stem(word), word in FEELING_WORDS)
    return out


def overlap_features(response: str, context: str) -> tuple[float, float, float, float, float]:
    """Carry-over counts between a response and the partner's preceding words.

    Returns:
      (shared content stems, shared feeling stems, share of the response's content stems that
      come from the context, share of the context's stems carried, response names a feeling).
    """
    r = content_stems(response)
    c = content_stems(context)
    shared = set(r) & set(c)
    feelings = sum(1 for s in shared if c[s])
    from_context = len(shared) / len(r) if r else 0.0
    carried = len(shared) / len(c) if c else 0.0
    names_feeling = 1.0 if any(r.values()) else 0.0
    return float(len(shared)), float(feelings), from_context, carried, names_feeling


def fidelity(response: str, context: str, *, saturation: int = 4) -> float | None:
    """Score in [0, 1] of how much of ``context`` (the partner's turn) ``response`` carries.

    Args:
      response: The trainee's utterance.
      context: The partner's preceding turn.
      saturation: Carrying this many weighted words already scores 1.0 (a good reflection
        picks the heart of a long turn, it does not repeat all of it).

    Returns:
      None when the partner said no content word (nothing to carry over).

    Examples:
      >>> fidelity("you're frustrated about the deadlines", "I keep missing deadlines, so frustrating")
      0.75
      >>> fidelity("what's for lunch?", "I keep missing deadlines")
      0.0
    """
    c = content_stems(context)
    if not c:
        return None
    r = content_stems(response)
    weight = sum(2.0 if is_feeling else 1.0 for is_feeling in c.values())
    carried = sum(2.0 if c[s] else 1.0 for s in set(r) & set(c))
    if any(c.values()) and any(r.values()) and not any(c[s] for s in set(r) & set(c)):
        carried += 1.0  # named a feeling in other words
    return round(min(1.0, carried / min(weight, float(saturation))), 3)
