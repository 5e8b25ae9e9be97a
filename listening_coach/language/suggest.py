"""A suggested reflection built from the partner's own words (no network, no language model).

- :func:`build_suggestion`: the partner's words -> a :class:`Suggestion` ("It sounds like
  you're <feeling> — <their words, turned round>."), or None when it would not be trustworthy.
- :func:`suggest_reflection`: the same for plain text, returning only the sentence.
- :func:`swap_pronouns`: first person <-> second person, word by word.
- :func:`check_sentence`: re-check a finished suggestion: a known phrasing whose partner part
  is a well-formed clause (what the benchmark's sample in ``docs/feedback.md`` reports).

The feeling is the one the partner named ("scared", "terrifying" -> terrified), or one
inferred from cue words ("waiting", "nobody", "again" -> frustrated), found by
:mod:`listening_coach.language.feelings` (which also holds ``named_feeling`` and
``emotional_line``, re-exported here); the topic is their most
content-rich clause with the pronouns swapped ("I've been waiting" -> "you've been waiting").
Each family (feeling and topic, feeling only, topic only) has several phrasings, picked by a
stable hash of the partner's words so a report reads the same every run.

Two evidence gates keep made-up sentences out (issue 13): every partner word the suggestion
reuses must have been heard with ASR probability >= ``min_probability``, and the turned-round
topic must parse as a well-formed finite clause (:mod:`listening_coach.language.grammar`).
When a gate fails the caller gives generic advice instead; a suggestion is a template, marked
as such in feedback, and never scored.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from listening_coach.language.feelings import (
    FIRST_PERSON, KNOWN_FEELINGS, SENTENCE_END, find_feeling, split_clauses,
)
from listening_coach.language.feelings import emotional_line as emotional_line  # re-exported
from listening_coach.language.feelings import named_feeling as named_feeling  # re-exported
from listening_coach.language.fidelity import content_stems
from listening_coach.language.grammar import clause_problems, well_formed_clause
from listening_coach.types import Word

_SWAPS = {
    "i": "you", "me": "you", "my": "your", "mine": "yours", "myself": "yourself",
    "i'm": "you're", "im": "you're", "i've": "you've", "ive": "you've", "i'd": "you'd",
    "i'll": "you'll", "am": "are", "we": "you", "us": "you", "our": "your", "ours": "yours",
    "we're": "you're", "we've": "you've", "ourselves": "yourselves", "was": "was",
    "you": "I", "your": "my", "yours": "mine", "you're": "I'm", "you've": "I've",
    "yourself": "myself",
}
# Verb agreement after swapping ("you are" -> "I are" -> "I am").
_AGREEMENT: tuple[tuple[str, str], ...] = (
    ("I are", "I am"), ("I were", "I was"), ("you am", "you are"), ("you was", "you were"),
    ("I aren't", "I'm not"), ("you wasn't", "you weren't"),
)
_LEADING_JOINERS = frozenset({"and", "but", "so", "because", "then", "or", "well", "like",
                              "that", "yes", "no", "see", "look", "honestly", "okay", "ok"})
# A clause cut off mid-phrase (speech trailing away, or a transcript cut at a block edge)
# ends on one of these; they are dropped so the suggestion does not end on "for my".
_DANGLING = frozenset({
    "a", "an", "the", "my", "your", "our", "his", "her", "their", "its", "this", "that", "some",
    "for", "to", "of", "in", "on", "at", "with", "about", "from", "by", "and", "but", "or",
    "so", "because", "if", "than", "i", "you", "we", "they", "he", "she", "is", "are", "was",
    "be", "have", "has", "had", "just", "very", "really", "um", "uh",
})
# Several phrasings per family; {f} is the feeling, {t} the topic, {tc} the topic as a clause
# that can follow "that" (about the listener: "it feels as if I am not listening to you").
_PHRASINGS: dict[str, tuple[str, ...]] = {
    "feeling_topic": (
        "It sounds like you're {f} — {tc}.",
        "So {tc}, and you're {f}.",
        "I hear that {tc}, and you're {f}.",
    ),
    "feeling": (
        "It sounds like you're really {f} about this.",
        "You're {f}, and that's hard.",
        "I can hear that you're {f}.",
    ),
    "topic": (
        "So {tc} — and that matters to you.",
        "What I'm hearing is that {tc}.",
        "You're saying that {tc}.",
    ),
}
_TOKEN = re.compile(r"[A-Za-z']+|\d+(?:[.,:]\d+)*|[^\sA-Za-z'\d]")


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A suggested reflection and what it is made of.

    ``family`` is ``feeling_topic``, ``feeling`` or ``topic``; ``reused`` are the partner words
    it carries back (the topic's words and the feeling word, if the partner said one).
    """

    text: str
    family: str
    feeling: str | None
    topic: str | None
    reused: tuple[Word, ...]


def swap_pronouns(text: str) -> str:
    """Turn the partner's first person into second person and back.

    Examples:
      >>> swap_pronouns("I've been waiting for my refund and you ignored me")
      "you've been waiting for your refund and I ignored you"
    """
    out = []
    for token in _TOKEN.findall(text):
        swap = _SWAPS.get(token.lower())
        out.append(swap if swap is not None else token)
    joined = re.sub(r"\s+([,.!?;:])", r"\1", " ".join(out))
    for wrong, right in _AGREEMENT:
        joined = re.sub(rf"\b{wrong}\b", right, joined)
    return joined


def _text(words: Sequence[Word]) -> str:
    return " ".join(w.text.strip() for w in words)


_LISTENER = frozenset({"you", "your", "you're", "you've", "yours", "yourself"})


def _topics(words: Sequence[Word], skip: Word | None) -> list[tuple[str, tuple[Word, ...]]]:
    """Candidate topics, best first: content-rich clauses about the partner ("I ...", "my
    ..."), turned round. Clauses about the listener ("you will tell me...") come after those
    about the partner, the clause holding the feeling word ``skip`` last; a clause the
    partner did not finish (the turn was cut off) or too long to say back is left out."""
    clauses = [c for c in split_clauses(words) if content_stems(_text(c)) or (
        len(c) >= 4 and any(w.bare in FIRST_PERSON for w in c[:3]))]
    if clauses and words and not SENTENCE_END.search(words[-1].text.strip()):
        clauses = [c for c in clauses if words[-1] not in c]  # cut off mid-sentence

    def score(c: list[Word]) -> tuple[bool, bool, float, int]:
        mine = any(w.bare in FIRST_PERSON for w in c[:3])
        about_listener = any(w.bare in _LISTENER for w in c)
        return (skip not in c, not about_listener,
                len(content_stems(_text(c))) + 1.5 * mine, -abs(len(c) - 8))

    out = []
    for best in sorted(clauses, key=score, reverse=True):
        while len(best) > 1 and best[0].bare in _LEADING_JOINERS:
            best = best[1:]
        while len(best) > 2 and best[-1].bare in _DANGLING:
            best = best[:-1]
        if len(best) > 16:
            continue  # too long to say back in one breath (and never cut mid-phrase)
        plain = _text(best).strip(" .,!?;:\"'—–…-")
        topic = swap_pronouns(plain)
        first = topic.split(" ", 1)[0]
        if not (first == "I" or first.startswith("I'")):
            topic = topic[:1].lower() + topic[1:]
        out.append((topic, tuple(best)))
    return out


def _as_words(partner: str | Sequence[Word]) -> tuple[Word, ...]:
    if not isinstance(partner, str):
        return tuple(partner)
    tokens = " ".join(partner.split()).split(" ")
    return tuple(Word(float(k), float(k) + 0.5, " " + t) for k, t in enumerate(tokens) if t)


def build_suggestion(
    partner: str | Sequence[Word],
    *,
    min_probability: float = 0.0,
    check_grammar: bool = True,
) -> Suggestion | None:
    """Build a reflection from the partner's feeling and topic, or None.

    Args:
      partner: The partner's turn (what the trainee should have reflected), as words with
        their ASR probabilities, or as plain text (every word then counts as well heard).
      min_probability: Every partner word the suggestion reuses must have at least this ASR
        probability; a topic or feeling word heard less surely is left out.
      check_grammar: Keep a topic only if it parses as a well-formed clause (spaCy).

    Returns:
      The suggestion, or None when the partner said nothing usable.
    """
    words = _as_words(partner)
    if not any(re.search(r"[A-Za-z]", w.text) for w in words):
        return None
    found = find_feeling(words)
    feeling, feeling_word = found if found else (None, None)
    if feeling_word is not None and feeling_word.probability < min_probability:
        feeling = feeling_word = None
    topic: str | None = None
    topic_words: tuple[Word, ...] = ()
    for candidate, used in _topics(words, feeling_word):
        if all(w.probability >= min_probability for w in used) and (
            not check_grammar or well_formed_clause(candidate)
        ):
            topic, topic_words = candidate, used
            break
    if feeling_word is not None and feeling_word in topic_words:
        topic, topic_words = None, ()  # "it has been terrifying, and you're terrified"
    family = "feeling_topic" if feeling and topic else "feeling" if feeling else (
        "topic" if topic else None)
    if family is None:
        return None
    # about the listener ("you are not listening to me" -> "I am not listening to you"):
    # say how it seems to them, not as a fact the listener confirms
    about_me = topic is not None and re.match(r"(?i)i\b|i'", topic) is not None
    clause = f"it feels as if {topic}" if about_me else topic
    phrasings = _PHRASINGS[family]
    pick = phrasings[zlib.crc32(_text(words).lower().encode()) % len(phrasings)]
    if about_me and pick.startswith("It sounds like"):
        clause = f"as if {topic}"
    text = pick.format(f=feeling, t=topic, tc=clause)
    reused = topic_words + ((feeling_word,) if feeling_word is not None else ())
    return Suggestion(text[:1].upper() + text[1:], family, feeling, topic, reused)


def suggest_reflection(partner_text: str, *, check_grammar: bool = True) -> str | None:
    """The sentence of :func:`build_suggestion` for plain text, or None.

    Examples:
      >>> suggest_reflection("I've been waiting three hours and nobody told me anything!")
      "So you've been waiting three hours and nobody told you anything, and you're frustrated."
    """
    found = build_suggestion(partner_text, check_grammar=check_grammar)
    return found.text if found else None


def _frame(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{f\}|\{t\}|\{tc\})", template)
    out = []
    for part in parts:
        if part == "{f}":
            out.append(r"(?P<f>[a-z ]+?)")
        elif part in ("{t}", "{tc}"):
            out.append(r"(?:it feels as if |as if )?(?P<t>.+?)")
        else:
            out.append(re.escape(part))
    return re.compile("^" + "".join(out) + "$", re.IGNORECASE)


_FRAMES = [_frame(t) for ts in _PHRASINGS.values() for t in ts]


def check_sentence(text: str) -> list[str]:
    """What is wrong with a suggested sentence (empty: nothing): it must be one of the
    phrasings, with a known feeling and a well-formed clause as its partner part.

    Examples:
      >>> check_sentence("So you have waited three hours, and you're frustrated.")
      []
      >>> check_sentence("So thank I — and that matters to you.")
      ['no subject']
    """
    for frame in _FRAMES:
        found = frame.match(text)
        if found is None:
            continue
        groups = found.groupdict()
        if "f" in groups and groups["f"] not in KNOWN_FEELINGS and not (
                groups["f"].startswith("really ") and groups["f"][7:] in KNOWN_FEELINGS):
            continue
        topic = groups.get("t")
        if topic is None:
            return []
        return clause_problems(topic[:1].lower() + topic[1:] if not topic.startswith("I") else topic)
    return ["not one of the phrasings"]
