"""A suggested reflection built from the partner's own words (no network, no language model).

- :func:`suggest_reflection`: partner text -> "It sounds like you're <feeling> because <their
  words, turned round>." The feeling is the one they named, or one inferred from cue words
  ("waiting", "nobody", "again" -> frustrated); the topic is their most content-rich clause
  with the pronouns swapped ("I've been waiting" -> "you've been waiting").
- :func:`swap_pronouns`: first person <-> second person, word by word.

This shows what good would have sounded like; it is a template, so it is marked as a
suggestion in feedback and never scored.
"""

from __future__ import annotations

import re

from listening_coach.language.fidelity import content_stems
from listening_coach.language.rules import FEELING_WORDS

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
                              "that"})
# A clause cut off mid-phrase (speech trailing away, or a transcript cut at a block edge)
# ends on one of these; they are dropped so the suggestion does not end on "for my".
_DANGLING = frozenset({
    "a", "an", "the", "my", "your", "our", "his", "her", "their", "its", "this", "that", "some",
    "for", "to", "of", "in", "on", "at", "with", "about", "from", "by", "and", "but", "or",
    "so", "because", "if", "than", "i", "you", "we", "they", "he", "she", "is", "are", "was",
    "be", "have", "has", "had", "just", "very", "really", "um", "uh",
})
# Cue words that suggest a feeling the partner did not name: (cues, feeling).
_FEELING_CUES: tuple[tuple[frozenset[str], str], ...] = (
    (frozenset({"waiting", "waited", "hours", "again", "nobody", "nothing", "still", "keep",
                "ridiculous", "joke", "useless", "every", "always", "never", "third"}),
     "frustrated"),
    (frozenset({"afraid", "scared", "what if", "lose", "losing", "hurt", "danger", "unsafe"}),
     "worried"),
    (frozenset({"alone", "nobody cares", "ignored", "listen", "listening", "care"}),
     "not being heard"),
    (frozenset({"unfair", "lied", "promised", "cheated", "wrong", "blame"}),
     "treated unfairly"),
    (frozenset({"deadline", "deadlines", "too much", "pressure", "can't cope", "behind"}),
     "under a lot of pressure"),
)
_NORMAL_FEELING = {
    "frustrating": "frustrated", "anger": "angry", "fear": "scared", "fears": "scared",
    "worry": "worried", "worries": "worried", "stress": "stressed", "panic": "panicked",
    "rage": "furious", "pressure": "under pressure", "fed": "fed up", "sick": "sick of this",
    "mad": "angry", "unfair": "treated unfairly", "unheard": "not being heard",
}
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE = re.compile(r"\s*(?:,|;|--|—|…|\.\.\.| and then | but | because )\s*")
_TOKEN = re.compile(r"[A-Za-z']+|\d+(?:[.,:]\d+)*|[^\sA-Za-z'\d]")


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


def _feeling(text: str) -> str | None:
    lowered = text.lower()
    words = re.findall(r"[a-z']+", lowered)
    for word in words:
        if word in FEELING_WORDS and word not in ("fear", "lost", "stuck", "torn"):
            return str(_NORMAL_FEELING.get(word, word))
    for cues, feeling in _FEELING_CUES:
        if any((" " in cue and cue in lowered) or cue in words for cue in cues):
            return feeling
    return None


def _topic(text: str) -> str | None:
    sentences = [s for s in _SENTENCE.split(text) if not s.rstrip().endswith("?")]
    clauses = [c.strip(" .!?\"'") for s in sentences for c in _CLAUSE.split(s)]
    clauses = [c for c in clauses if c]
    if not clauses:
        return None
    best = max(clauses, key=lambda c: (len(content_stems(c)), -abs(len(c.split()) - 8)))
    if not content_stems(best):
        return None
    words = best.split()
    while len(words) > 1 and words[0].lower().strip(",") in _LEADING_JOINERS:
        words = words[1:]
    if len(words) > 14:
        words = words[:14]
    while len(words) > 2 and words[-1].lower().strip(".,!?-—…") in _DANGLING:
        words = words[:-1]
    topic = swap_pronouns(" ".join(words))
    first = topic.split(" ", 1)[0]
    if not (first == "I" or first.startswith("I'")):
        topic = topic[:1].lower() + topic[1:]
    return topic


def suggest_reflection(partner_text: str) -> str | None:
    """Build a reflection from the partner's feeling and topic, or None if they said nothing.

    Args:
      partner_text: The partner's turn (what the trainee should have reflected).

    Returns:
      One sentence such as "It sounds like you're frustrated — you've been waiting three hours."

    Examples:
      >>> suggest_reflection("I've been waiting three hours and nobody told me anything!")
      "It sounds like you're frustrated — you've been waiting three hours and nobody told you anything."
      >>> suggest_reflection("You are not even listening to me.")
      "It sounds like you're not being heard — as if I am not even listening to you."
    """
    text = " ".join(partner_text.split())
    if not re.search(r"[A-Za-z]", text):
        return None
    feeling = _feeling(text)
    topic = _topic(text)
    if feeling and topic:
        # about the listener ("you are not listening to me" -> "I am not listening to you"):
        # say how it seems to them, not as a fact the listener confirms
        joint = "as if " if re.match(r"(?i)i\b|i'", topic) else ""
        return f"It sounds like you're {feeling} — {joint}{topic}."
    if feeling:
        return f"It sounds like you're really {feeling} about this."
    if topic:
        return f"So {topic} — and that matters to you."
    return None
