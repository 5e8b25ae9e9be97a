"""Rule-based language signals over spaCy's Matcher (token ``LOWER`` patterns only).

- :func:`apply_rules`: one utterance -> :class:`RuleResult` (a main label, subtype, flags).
- :data:`FLAGS`: the de-escalation flags: command, blame, arguing, dismissive_but, threat,
  policy, apology (apology is a neutral-to-good flag, the others escalate).
- :func:`tokenizer`: the blank English pipeline the patterns run on (no model download).

The patterns use ``LOWER`` only, so they run on ``spacy.blank("en")`` in unit tests and on
lower-cased, unpunctuated ASR text alike. The trained model (``model.py``) decides the MI
behaviour when it is available; these rules always supply the flags and the labels AnnoMI
does not code (validation, affirmation, summary, emotion labelling).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

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
LEADING_FILLERS = frozenset({
    "so", "and", "but", "well", "okay", "ok", "um", "uh", "now", "right", "alright", "then",
    "oh", "mm", "hmm", "yeah", "mhm",
})

# "You need to calm down" is a command; "you need to be at that wedding" reflects a need: the
# obligation phrases count only before a verb that tells the partner what to do.
_MUST_DO: tuple[str, ...] = tuple(
    f"{must} {verb}"
    for must in ("you need to", "you have to", "you must", "you 've got to", "you got to",
                 "you gotta", "you will have to", "you 'll have to")
    for verb in ("calm", "stop", "relax", "lower", "listen", "wait", "understand", "accept",
                 "leave", "sit", "go", "step", "take", "be quiet", "be patient", "be reasonable",
                 "follow", "fill", "come back", "call back", "speak", "watch", "keep", "let me",
                 "queue", "get")
)

# "We cannot order early": a refusal that hides behind what the organisation allows.
_CANNOT: tuple[str, ...] = tuple(
    f"we {cannot} {verb}"
    for cannot in ("cannot", "can not", "ca n't", "are not able to", "are unable to")
    for verb in ("order", "do", "give", "change", "make", "refund", "allow", "let", "offer",
                 "book", "move", "release", "issue", "send", "accept", "replace")
)

# "I'm afraid I can't do that": the speaker declining to act (after a "but" it dismisses
# whatever came before it, as a policy line does).
_REFUSAL: tuple[str, ...] = (
    "i cannot do", "i can not do", "i ca n't do", "i 'm not able to do", "i 'm unable to do",
    "we cannot do", "we can not do", "we ca n't do", "we are not able to do", "we are unable to do",
)

# The organisation's own rules, however ASR words the noun: "our refund policies", "our new
# rules", "our booking procedure" ("our" and up to two words before a rule noun).
_RULE_NOUNS = ["policy", "policies", "rule", "rules", "procedure", "procedures", "regulation",
               "regulations", "guidelines", "protocol", "protocols"]
_OUR_RULES: list[dict[str, Any]] = [
    {"LOWER": "our"}, {"IS_ALPHA": True, "OP": "?"}, {"IS_ALPHA": True, "OP": "?"},
    {"LOWER": {"IN": _RULE_NOUNS}},
]

# Phrase lists: lower-case words, contractions split as spaCy splits them ("you 're", "do n't");
# each phrase also matches without apostrophes ("youre", "dont"), as ASR output may write it.
_PHRASES: dict[str, tuple[str, ...]] = {
    "reflection_stem": (
        "it sounds like", "sounds like", "it sounds as if", "it seems like", "it seems that",
        "seems like", "you feel", "you 're feeling", "you are feeling", "you felt",
        "so you 're saying", "so you are saying", "you 're saying", "what i 'm hearing",
        "what i hear", "i hear you saying", "if i understand", "if i 'm hearing",
        "you 're worried", "you 're frustrated", "you 're upset", "you 're angry",
        "you 're scared", "you 're tired", "you seem", "it must be", "must be really",
        "must feel", "you 've been", "you 're not sure", "you 're really",
        "sounds as if", "you wish", "you want", "you 'd like", "you 're concerned",
    ),
    "summary": (
        "let me see if i", "let me make sure", "to sum up", "to summarize", "to summarise",
        "so far you 've", "let me recap", "in summary", "what we 've talked about",
    ),
    "validation": (
        "that makes sense", "makes sense", "i can see why", "i can understand why",
        "i understand why", "anyone would", "of course you", "it 's understandable",
        "that 's understandable", "no wonder", "that 's fair", "you have every right",
        "you 're right to", "i 'd feel the same", "i would feel the same", "that 's valid",
        "i get it", "i get that", "i understand that", "that must have been",
        "that sounds really hard", "that sounds hard", "that sounds difficult",
        "anybody would", "any parent would", "who would n't be", "that would upset anyone",
        "completely reasonable", "perfectly reasonable", "totally reasonable", "understandable",
        "reasonable to want", "reasonable to feel", "reasonable to be", "very frustrating",
        "really frustrating", "so frustrating", "total sense", "perfect sense", "complete sense",
        "in your position", "in your shoes",
        "a painful thing", "a really painful thing", "of course you 're", "of course you are",
        "it makes sense", "it is very frustrating", "it 's very frustrating",
        "that is really hard", "that is so hard", "that 's so hard", "that 's really hard",
    ),
    "affirmation": (
        "thank you for", "thanks for", "i appreciate", "good job", "well done", "great job",
        "you did a great", "you 've done", "that took courage", "that 's a great",
        "you 're clearly", "you obviously care", "good for you", "that 's impressive",
        "took courage", "took a lot of courage", "you did the right thing", "did everything right",
        "you have been really patient", "you 've been really patient", "you have been patient",
        "you 've been patient", "you are clearly", "you handled", "standing up for",
        "you planned this", "shows how much you care", "doing everything you can",
        "you did well", "you 've done really well", "that was brave", "brave of you",
        "shows how much", "courage", "it calmly", "this calmly", "so calmly", "patient with",
        "took real strength", "took strength", "took a lot",
    ),
    "advice": (
        "you could try", "you might try", "i suggest", "i 'd suggest", "i would suggest",
        "i recommend", "i 'd recommend", "my advice", "what you could do", "one option is",
        "you might want to", "you may want to", "have you considered", "it might help to",
    ),
    "open_question_start": (
        "tell me", "tell me more", "help me understand", "walk me through", "describe",
        "can you tell me", "could you tell me", "can you say more", "say more",
        "can you help me understand", "i 'm wondering what", "i wonder what",
        "i 'm curious", "what else", "how come",
    ),
    "command": (
        "calm down", "please come down", "settle down", "relax", *_MUST_DO, "stop it", "stop yelling",
        "stop shouting", "stop talking", "lower your voice", "watch your tone",
        "watch your language", "listen to me", "be quiet", "sit down", "take a breath",
        "just listen", "just stop", "step back", "back off", "do n't talk to me",
        "you should just", "get over it", "go away", "leave now", "that 's enough",
        "enough is enough", "quiet down", "cool down", "chill out", "stop complaining",
    ),
    "blame": (
        "your fault", "you always", "you never", "you should have", "you should 've",
        "if you had just", "if you 'd just", "you caused", "you made this",
        "you did this", "you brought this on", "you 're the one who", "it 's on you",
        "that 's on you", "you started it", "you 're the problem", "your own fault",
        "you only have yourself",
        "in trouble before", "far too late", "you should not have", "you should n't have",
        "you did this yourself", "you chose to", "because you missed", "because you did n't",
        "because you forgot", "you forgot to", "you failed to", "caused this",
    ),
    "arguing": (
        "that 's not true", "that is not true", "you 're wrong", "you are wrong",
        "that 's not what happened", "that 's ridiculous", "you 're overreacting",
        "you are overreacting", "that 's not how", "no , that 's", "that 's not right",
        "you 're being unreasonable", "you 're being ridiculous", "that 's not my problem",
        "you 're exaggerating", "that never happened", "there 's no way", "that 's nonsense",
        "it 's not a big deal", "it 's not that bad", "you do n't understand",
        "you started the", "you started this", "you are also", "you 're also",
        "will not help anyone", "wo n't help anyone", "is not going to help", "not helping",
        "you booked", "you were the one", "not true", "that 's not what happened",
    ),
    "threat": (
        "or else", "call security", "call the police", "call the cops", "have you removed",
        "have you arrested", "you 'll regret", "you will regret", "last warning",
        "final warning", "you 'll be removed", "you will be removed", "calling security",
        "calling the police",
        "you 'll be banned", "you will be banned", "get you fired", "or i 'll", "or i will",
        "i 'll report you", "kick you out", "throw you out",
        "if you keep shouting", "if you keep yelling", "if you speak to me like that",
        "if you talk to me like that", "end this conversation", "end the conversation",
        "end this call", "end the call", "hang up on you",
        "ask you to leave", "have you escorted", "i will have to call", "i 'll have to call",
    ),
    "policy": (
        "it 's policy", "it 's our policy", "it is policy", "company policy", "our policy",
        "the policy is", "the policy says", "policy says", "policy states", "that 's the rule",
        "refund policy", "store policy", "hospital policy", "against policy",
        "those are the rules", "the rules are",
        "nothing i can do", "there 's nothing i can", "nothing we can", "my hands are tied",
        "i do n't make the rules", "not my job", "not allowed", "we ca n't do that",
        "i ca n't do anything", "it 's not up to me", "out of my hands", "rules are rules",
        "system wo n't let me", "i 'm just doing my job", "above my pay grade",
        "airline policy", "school policy", "policy is", "our rule", "the rule", "policy does not",
        "policy does n't", "policy is that",
        "policy only", "our rules", "the rules", "rules say", "rules only", "hospital rules",
        "school rules", "only allowed to", "not allowed to", "in the order they arrive",
        "first come first served", "our procedure", "the procedure", "protocol says",
        "regulations", "terms and conditions", *_CANNOT,
    ),
    "apology": (
        "i 'm sorry", "i am sorry", "i apologize", "i apologise", "my apologies",
        "sorry about", "sorry for", "sorry that", "i 'm so sorry", "i 'm really sorry",
        "we 're sorry", "we apologize",
    ),
    "refusal": _REFUSAL,
    "acknowledge": (
        "i understand", "i hear you", "i see", "i know", "i get it", "i get that",
        "yes", "yeah", "okay", "ok", "right", "sure", "i appreciate", "i hear what",
        "that makes sense", "i 'm sorry", "i see what", "i understand that",
        "hear you", "understand", "i know that",
    ),
}

FEELING_WORDS: frozenset[str] = frozenset({
    "angry", "mad", "furious", "frustrated", "frustrating", "upset", "annoyed", "irritated",
    "scared", "afraid", "frightened", "terrified", "anxious", "worried", "nervous", "stressed",
    "overwhelmed", "sad", "hurt", "disappointed", "ashamed", "embarrassed", "guilty", "lonely",
    "confused", "lost", "stuck", "tired", "exhausted", "fed", "helpless", "hopeless",
    "ignored", "disrespected", "unheard", "betrayed", "humiliated", "unfair", "powerless",
    "trapped", "desperate", "hopeful", "relieved", "happy", "glad", "proud", "excited",
    "concerned", "uncomfortable", "uneasy", "torn", "unsure", "fear", "fears",
    "anger", "worry", "worries", "stress", "panic", "pressure", "rage", "sick", "miserable",
    "devastated", "heartbroken", "insulted", "offended", "cheated", "dismissed", "invisible",
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
    for name, phrases in _PHRASES.items():
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
        if name == "policy":
            patterns.append(_OUR_RULES)
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


def apply_rules(text: str) -> RuleResult:
    """Code one utterance with the phrase rules.

    Args:
      text: One sentence or turn, punctuated or not.

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
    flags = [f for f in FLAGS if f in found and f != "dismissive_but"]
    # Dismissive "but": an acknowledgement followed later by "but"/"however" (the "yes, but").
    buts = [i for i, t in enumerate(tokens) if t in ("but", "however", "although")]
    acks = found.get("acknowledge", [])
    is_question, q_subtype, q_cue = _is_question(tokens, text)
    words = [t for t in tokens if t.isalpha()]
    # "But those are the rules.": a statement that opens by countering the partner's line
    # (the acknowledgement before it is often lost in speech recognition); not "But what...?"
    opens_with_but = bool(words) and words[0] == "but" and not is_question
    # "..., but there is nothing I can do": a "but" that turns to a refusal or a rule dismisses
    # what came before it, whether or not ASR kept the acknowledgement.
    refusals = found.get("policy", []) + found.get("refusal", [])
    but_refuses = any(0 < b < r for b in buts for r in refusals)
    if (buts and acks and any(b > a for b in buts for a in acks) and min(buts) > 0) or (
            opens_with_but or but_refuses):
        flags.append("dismissive_but")
        cues.append("dismissive_but")
    flags = sorted(set(flags), key=FLAGS.index)
    feeling = any(t in FEELING_WORDS for t in tokens)

    if "open_question_start" in found and min(found["open_question_start"]) <= 2:
        is_question, q_subtype, q_cue = True, "open", "open_question_start"
    if is_question and q_cue:
        cues.append(q_cue)

    label: str | None = None
    subtype: str | None = None
    confidence = 0.0
    if "summary" in found:
        label, confidence = "summary", 0.6
    elif "reflection_stem" in found and not (is_question and q_cue.startswith("wh:")):
        label, confidence = "reflection", 0.6
        subtype = "complex" if feeling or len(tokens) > 14 else "simple"
    elif is_question:
        label, subtype = "question", q_subtype or "closed"
        confidence = 0.8 if q_cue != "question_mark" else 0.6
    elif "validation" in found:
        label, confidence = "validation", 0.6
    elif "affirmation" in found:
        label, confidence = "affirmation", 0.6
    elif "advice" in found:
        label, confidence = "advice", 0.5
    return RuleResult(label, subtype, confidence, tuple(flags), tuple(cues), feeling)
