"""The phrase tables the language rules match (:mod:`listening_coach.language.rules`).

- :data:`PHRASES`: name -> phrases, lower-case words with contractions split as spaCy splits
  them ("you 're", "do n't"); each also matches spelled out and without apostrophes.
- :data:`PATTERNS`: name -> extra spaCy Matcher token patterns, for wordings a phrase list
  cannot hold ("our" + up to two words + a rule noun).
- :data:`FEELING_WORDS`: words that name a feeling.
"""

from __future__ import annotations

from typing import Any

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
REFUSAL: tuple[str, ...] = (
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
PHRASES: dict[str, tuple[str, ...]] = {
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
        "in trouble before", "far too late",
        "you did this yourself", "you chose to", "because you missed", "because you did n't",
        "because you forgot", "you forgot to", "you failed to", "caused this",
        "for too late",  # "far too late" as ASR often hears it
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
    "refusal": REFUSAL,
    "acknowledge": (
        "i understand", "i hear you", "i see", "i know", "i get it", "i get that",
        "yes", "yeah", "okay", "ok", "right", "sure", "i appreciate", "i hear what",
        "that makes sense", "i 'm sorry", "i see what", "i understand that",
        "hear you", "understand", "i know that",
    ),
}

# Phrases made from a template (an obligation or a refusal and one of many verbs): they differ
# from each other by one verb, so a near miss of one says little; not matched by sound.
TEMPLATED: frozenset[str] = frozenset({*_MUST_DO, *_CANNOT, *REFUSAL})

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

# Queue order as a reason not to help: "repairs are booked in the order they arrive", however
# ASR hears the words between ("in the order may arrive", "in the order we received them").
_IN_ORDER: list[dict[str, Any]] = [
    {"LOWER": "in"}, {"LOWER": "the"}, {"LOWER": "order"},
    {"IS_ALPHA": True, "OP": "{0,2}"},
    {"LOWER": {"IN": ["arrive", "arrived", "arrives", "came", "come", "comes", "received",
                      "receive", "reached"]}},
]
# Hindsight blame: "you should have reported it earlier" survives ASR as "you should ...
# earlier" even when "should have reported" becomes "shouldn't report" (up to five words
# between, no punctuation; not "you should be seen sooner", which sides with the partner).
_SHOULD_EARLIER: list[dict[str, Any]] = [
    {"LOWER": "you"}, {"LOWER": "should"}, {"IS_PUNCT": False, "LOWER": {"NOT_IN": ["be", "been"]}},
    {"IS_PUNCT": False, "OP": "{0,4}"},
    {"LOWER": {"IN": ["earlier", "sooner"]}},
]
# "You should not have done that" blames; "you should not have to chase this" validates.
_SHOULD_NOT_HAVE: list[dict[str, Any]] = [
    {"LOWER": "you"}, {"LOWER": "should"}, {"LOWER": {"IN": ["not", "n't", "nt"]}},
    {"LOWER": "have"}, {"LOWER": {"NOT_IN": ["to"]}},
]

PATTERNS: dict[str, list[list[dict[str, Any]]]] = {
    "policy": [_OUR_RULES, _IN_ORDER],
    "blame": [_SHOULD_EARLIER, _SHOULD_NOT_HAVE],
}
