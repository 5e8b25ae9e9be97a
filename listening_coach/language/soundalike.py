"""Phrases heard through speech-recognition noise: a near-miss that sounds like the phrase.

Whisper tiny.en turns a phrase it is unsure of into other real words that sound alike
("anyone would" -> "and in one would", "any parent would" -> "and it parent would", "school
policy is that" -> "cool policy in that"). The exact phrase rules (:mod:`rules`) miss them.
This module finds a phrase whose *sound* is close to a stretch of the heard words:

- :func:`sound_key`: a rough spelling-based sound key of a word (vowel quality and silent
  letters ignored, letters that sound alike merged: "would" -> ``wald``, "world" -> ``warld``).
- :func:`sound_distance`: edit distance between keys, a vowel edit costing half a consonant's.
- :func:`near_phrases`: (name, first word) of every phrase of the given tables heard as a
  near miss; only where the recogniser itself was unsure where the words differ from the
  phrase (a word the phrase does not have heard with probability under ``unsure_below``), and
  a negated phrase only from negated words ("I can do" is not "I can't do"). Words heard
  surely are taken as said, so text with no probabilities (a script, a typed line) never
  matches this way.

The tolerance is a share of the phrase's key (``max_ratio``); phrases with a key shorter than
``min_key`` sounds ("calm", "i see") are too short to tell from other words and are left to
the exact rules.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence

_VOWEL = "a"
_DIGRAPHS = (("ph", "f"), ("gh", ""), ("ck", "k"), ("wh", "w"), ("th", "0"), ("sh", "s"),
             ("sch", "sk"), ("ch", "s"), ("tion", "san"), ("sion", "san"), ("nd", "n"), ("wr", "r"),
             ("kn", "n"))
_CLASSES = str.maketrans({"c": "k", "q": "k", "x": "k", "z": "s", "v": "f", "g": "k",
                          "e": "a", "i": "a", "o": "a", "u": "a", "y": "a", "h": ""})
# "I can do" is not "I can't do": a phrase and the words heard for it agree on negation.
_NEGATIONS = frozenset({"not", "no", "never", "nothing", "nobody", "cannot", "cant", "dont",
                        "doesnt", "didnt", "wont", "isnt", "arent", "wasnt", "werent", "shouldnt",
                        "wouldnt", "couldnt", "havent", "hasnt", "nt"})
_NOT_LETTER = re.compile(r"[^a-z]")
_RUNS = re.compile(r"(.)\1+")
_SOFT_C = re.compile(r"c(?=[eiy])")


@functools.lru_cache(maxsize=20000)
def sound_key(word: str) -> str:
    """A rough sound key: letters grouped by sound, every vowel as ``a``, runs collapsed.

    Examples:
      >>> sound_key("anyone"), sound_key("in"), sound_key("one"), sound_key("would")
      ('anan', 'an', 'an', 'wald')
      >>> sound_key("course") == sound_key("coarse"), sound_key("policy"), sound_key("police")
      (True, 'palasa', 'palas')
    """
    w = _SOFT_C.sub("s", _NOT_LETTER.sub("", word.lower()))
    for spelled, sound in _DIGRAPHS:
        w = w.replace(spelled, sound)
    key = w.translate(_CLASSES)
    if w[:1] == "y" and len(w) > 1:  # a consonant before a vowel: "you", "yes"
        key = "y" + key[1:]
    key = _RUNS.sub(r"\1", key)
    if len(key) > 2 and key.endswith(_VOWEL) and word.lower().rstrip(".,!?;:'\"").endswith("e"):
        key = key[:-1]  # a silent final e
    return key


def sound_distance(a: str, b: str, limit: float = float("inf")) -> float:
    """Weighted edit distance between two sound keys (a vowel inserted, dropped or changed
    costs 0.5, a consonant 1); stops early with a value over ``limit`` once it cannot end
    within it.

    Examples:
      >>> sound_distance("ananwald", "ananwarld"), sound_distance("palasa", "palas")
      (1.0, 0.5)
    """
    weights = [0.5 if c == _VOWEL else 1.0 for c in b]
    prev = [0.0]
    for w in weights:
        prev.append(prev[-1] + w)
    for ca in a:
        wa = 0.5 if ca == _VOWEL else 1.0
        cur = [prev[0] + wa]
        for j, cb in enumerate(b):
            swap = prev[j] + (0.0 if ca == cb else 0.5 if _VOWEL in (ca, cb) else 1.0)
            cur.append(min(prev[j + 1] + wa, cur[j] + weights[j], swap))
        if min(cur) > limit:
            return min(cur)
        prev = cur
    return prev[-1]


def _missing_sounds(key: str, heard: str) -> int:
    """How many of the key's consonants the heard key lacks (each costs at least 0.5)."""
    return sum(max(0, key.count(c) - heard.count(c)) for c in set(key) - {_VOWEL})


@functools.lru_cache(maxsize=8)
def _phrase_keys(
    tables: tuple[tuple[str, tuple[str, ...]], ...], min_key: int
) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """(name, key, words) of each phrase long enough to be matched by sound."""
    out = []
    for name, phrases in tables:
        for phrase in phrases:
            words = tuple(w for w in phrase.replace(" '", "'").replace(" n't", "n't").split())
            key = "".join(sound_key(w) for w in words)
            if len(key) >= min_key:
                out.append((name, key, tuple(w.replace("'", "") for w in words)))
    return tuple(out)


def near_phrases(
    words: Sequence[str],
    probabilities: Sequence[float],
    tables: Iterable[tuple[str, tuple[str, ...]]],
    *,
    unsure_below: float = 0.6,
    max_ratio: float = 0.15,
    min_key: int = 8,
) -> list[tuple[str, int]]:
    """Phrases heard as a near miss: (table name, index of the first word of the stretch).

    Args:
      words: The heard words, in order (punctuation is ignored).
      probabilities: The recogniser's probability for each word.
      tables: (name, phrases) pairs, phrases as in :data:`phrases.PHRASES`.
      unsure_below: A stretch counts only if a word of it was heard with a probability under
        this.
      max_ratio: The largest sound distance, as a share of the phrase's key length.
      min_key: Phrases with a shorter sound key are not matched by sound.

    Examples:
      >>> heard = "And in one would be angry after that".split()
      >>> near_phrases(heard, [0.5, 0.5, 0.9, 0.4, 1, 1, 1, 1], [("validation", ("anyone would",))])
      [('validation', 1)]
      >>> near_phrases(heard, [1.0] * 8, [("validation", ("anyone would",))])
      []
    """
    if len(words) != len(probabilities) or not any(p < unsure_below for p in probabilities):
        return []
    keys = [sound_key(w) for w in words]
    bare = [_NOT_LETTER.sub("", w.lower()) for w in words]
    unsure = [p < unsure_below for p in probabilities]
    whole = "".join(keys)
    found: dict[str, int] = {}  # each table's first phrase heard, and where
    for name, key, phrase_words in _phrase_keys(tuple((n, tuple(p)) for n, p in tables), min_key):
        limit = max_ratio * len(key)
        if name in found or 0.5 * _missing_sounds(key, whole) > limit:
            continue  # the line lacks too many of the phrase's sounds anywhere
        start = _first_match(keys, bare, unsure, key, phrase_words, limit)
        if start is not None:
            found[name] = start
    return sorted(found.items(), key=lambda item: item[1])


def _first_match(
    keys: list[str], bare: list[str], unsure: list[bool], key: str,
    phrase_words: tuple[str, ...], limit: float,
) -> int | None:
    """Where the first stretch of words that sounds like the phrase starts."""
    negated = bool(_NEGATIONS & set(phrase_words))
    for i in range(len(keys)):
        heard = ""
        for j in range(i, len(keys)):
            heard += keys[j]
            if 0.5 * (len(key) - len(heard)) > limit:
                continue  # still too short to match
            if 0.5 * (len(heard) - len(key)) > limit:
                break
            stretch = bare[i: j + 1]
            if tuple(stretch) == phrase_words or not _unsure_where_it_differs(
                    stretch, unsure[i: j + 1], phrase_words):
                continue
            if bool(_NEGATIONS & set(stretch)) != negated:
                continue
            if 0.5 * _missing_sounds(key, heard) > limit:
                continue
            if sound_distance(heard, key, limit) <= limit:
                return i
    return None


def _unsure_where_it_differs(
    stretch: list[str], unsure: list[bool], phrase_words: tuple[str, ...]
) -> bool:
    """Whether the recogniser was unsure where the stretch differs from the phrase: a word
    the phrase does not have was heard unsurely (or, when the stretch only drops phrase words,
    any word of it was). "in your son" (every word sure but "in") is not "in your shoes"."""
    other = [u for word, u in zip(stretch, unsure) if word not in phrase_words]
    return any(other) if other else any(unsure)
