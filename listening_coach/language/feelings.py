"""The partner's feeling: the emotion word they said of themselves, one their words suggest,
or a cue that their turn carries emotion; found clause by clause.

- :func:`split_clauses`: the partner's words cut into clauses at sentence and clause punctuation
  (and before "but"/"because").
- :func:`find_feeling`: the partner's own emotion word, normalised ("terrifying" ->
  terrified), else a feeling inferred from cue words ("waiting", "nobody" -> frustrated).
- :func:`named_feeling`: only a feeling the partner named, heard surely enough.
- :func:`emotional_line`: whether the turn carries emotion a listener should acknowledge.
- :data:`KNOWN_FEELINGS`: every feeling a suggestion may name.

:mod:`listening_coach.language.suggest` builds suggested reflections from these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from listening_coach.language.rules import FEELING_WORDS
from listening_coach.types import Word

# Emotion words in other forms than FEELING_WORDS, as the partner may say them.
_EMOTION_FORMS = {
    "terrifying": "terrified", "frightening": "frightened", "scary": "scared",
    "worrying": "worried", "upsetting": "upset", "annoying": "annoyed", "infuriating": "furious",
    "exhausting": "exhausted", "overwhelming": "overwhelmed", "humiliating": "humiliated",
    "disappointing": "disappointed", "embarrassing": "embarrassed", "stressful": "stressed",
    "heartbreaking": "heartbroken", "unbearable": "overwhelmed",
}
_NORMAL_FEELING = {
    "frustrating": "frustrated", "anger": "angry", "fear": "scared", "fears": "scared",
    "worry": "worried", "worries": "worried", "stress": "stressed", "panic": "panicked",
    "rage": "furious", "pressure": "under pressure", "fed": "fed up", "sick": "sick of this",
    "mad": "angry", "unfair": "being treated unfairly", "unheard": "not being heard",
}
# Cue words that suggest a feeling the partner did not name: (cues, feeling).
_FEELING_CUES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"waiting", "waited", "hours", "again", "nobody", "ridiculous", "joke", "useless",
                "third"}),
     "frustrated"),
    (frozenset({"afraid", "scared", "lose", "losing", "hurt", "danger", "unsafe"}), "worried"),
    (frozenset({"ignored", "listen", "listening", "care", "cares"}), "not being heard"),
    (frozenset({"unfair", "lied", "promised", "cheated", "wrong", "blame"}),
     "being treated unfairly"),
    (frozenset({"deadline", "deadlines", "pressure", "behind"}), "under a lot of pressure"),
)
# A clause that opens with one of these is about the partner themselves ("I ...", "my ...").
FIRST_PERSON = frozenset({"i", "i'm", "i've", "my", "we", "we're", "our", "me", "it", "this"})
# Words that carry emotion without naming a feeling ("he came home crying", "terrible pain").
_EMOTION_CUES = frozenset({
    "crying", "cried", "cry", "tears", "sobbing", "hate", "hates", "hated", "terrible",
    "awful", "horrible", "unbearable", "pain", "agony", "nightmare", "ruined", "desperate",
    "miss", "alone", "sleep", "sleeping", "panicking", "shaking", "screaming", "furious",
})
_NOT_FEELINGS = frozenset({"fear", "lost", "stuck", "torn", "sick"})
# An emotion word after one of these (and no first person) is someone else's feeling.
_OTHERS = frozenset({"he", "she", "they", "you", "his", "her", "their", "him", "them"})
SENTENCE_END = re.compile(r"[.!?…]+[\"')\]]*$")
_CLAUSE_END = re.compile(r"[,;:—–…]+[\"')\]]*$|--$|\.\.\.$")
_CLAUSE_START = frozenset({"but", "because"})
KNOWN_FEELINGS = frozenset({*FEELING_WORDS, *_EMOTION_FORMS.values(), *_NORMAL_FEELING.values(),
                            *(feeling for _, feeling in _FEELING_CUES)})

__all__ = [
    "FIRST_PERSON", "KNOWN_FEELINGS", "SENTENCE_END", "emotional_line", "find_feeling",
    "named_feeling", "split_clauses",
]


def split_clauses(words: Sequence[Word], *, questions: bool = False) -> list[list[Word]]:
    """The partner's statements cut into clauses (questions left out unless ``questions``)."""
    sentences: list[list[Word]] = [[]]
    for w in words:
        sentences[-1].append(w)
        if SENTENCE_END.search(w.text.strip()):
            sentences.append([])
    clauses: list[list[Word]] = []
    for sentence in sentences:
        if not sentence or (sentence[-1].text.strip().endswith("?") and not questions):
            continue
        current: list[Word] = []
        for w in sentence:
            if w.bare in _CLAUSE_START and current:
                clauses.append(current)
                current = []
            current.append(w)
            if _CLAUSE_END.search(w.text.strip()):
                clauses.append(current)
                current = []
        if current:
            clauses.append(current)
    return clauses


def find_feeling(words: Sequence[Word]) -> tuple[str, Word | None] | None:
    """The partner's own emotion word (and that word), else one inferred from cue words.

    An emotion word said of someone else ("he was so angry") is not the partner's feeling.
    """
    for clause in split_clauses(words, questions=True):
        for k, w in enumerate(clause):
            bare = w.bare
            feeling = _EMOTION_FORMS.get(bare)
            after_feel = k > 0 and clause[k - 1].bare in ("feel", "feeling", "felt")
            if feeling is None and bare in FEELING_WORDS and (
                    bare not in _NOT_FEELINGS or after_feel):
                feeling = str(_NORMAL_FEELING.get(bare, bare))
            if feeling is None:
                continue
            before = {v.bare for v in clause[:k]}
            if before & _OTHERS and not before & FIRST_PERSON:
                continue
            return feeling, w
    bares = {w.bare for w in words}
    for cues, feeling in _FEELING_CUES:
        if cues & bares:
            return feeling, None
    return None


def named_feeling(
    partner: Sequence[Word], *, min_probability: float = 0.0
) -> tuple[Word, str] | None:
    """The emotion word the partner said of themselves (heard surely enough) and its
    feeling ("terrifying" -> terrified), or None; inferred feelings do not count."""
    found = find_feeling(partner)
    if found is None or found[1] is None or found[1].probability < min_probability:
        return None
    return found[1], found[0]


def emotional_line(
    partner: Sequence[Word], *, min_probability: float = 0.0
) -> tuple[Word, tuple[Word, ...]] | None:
    """Whether the partner's turn carries emotion a listener should acknowledge: the word
    that shows it (a named feeling, or a cue such as "crying", "terrible pain", "cannot
    sleep", "going to miss it") and the clause around it; None for a matter-of-fact turn."""
    named = named_feeling(partner, min_probability=min_probability)
    clauses = split_clauses(partner, questions=True)
    if named is not None:
        word = named[0]
        return word, next((tuple(c) for c in clauses if word in c), (word,))
    for clause in clauses:
        for w in clause:
            if w.bare in _EMOTION_CUES and w.probability >= min_probability:
                return w, tuple(clause)
    return None
