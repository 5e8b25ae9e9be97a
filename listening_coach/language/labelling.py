"""Label every trainee utterance of every exchange: trained model plus rules.

- :func:`split_utterances`: a response's words -> sentences (by end punctuation, else turns,
  and never longer than ``max_utterance_words``); :func:`split_text` the same for plain text.
- :func:`label_exchanges`: exchanges -> one :class:`~listening_coach.types.Label` per sentence.
- :func:`label_text`: one utterance (and its context) -> a ``Label`` without times (for the
  evaluation command and notebooks); :func:`label_texts` many, optionally with a given model.

Labels: ``reflection`` (simple | complex), ``question`` (open | closed), ``information``,
``advice``, ``affirmation``, ``validation``, ``other``, and ``unknown`` for what cannot be
coded (empty, no letters, not English). Flags: the rule flags of ``rules.py`` plus the skills
``validation``, ``affirmation``, ``emotion_label`` and ``summary``.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from listening_coach.config import LanguageOptions, build_options
from listening_coach.language import rules
from listening_coach.language.features import has_question_form
from listening_coach.language.fidelity import STOP, fidelity
from listening_coach.language.model import Prediction
from listening_coach.types import Exchange, Label, Span, Word, join_words

if TYPE_CHECKING:
    from listening_coach.language.encoder import Encoder
    from listening_coach.language.model import LanguageModel

log = logging.getLogger(__name__)

_END = re.compile(r"[.!?]+[\"')\]]*$")
_LETTERS = re.compile(r"[A-Za-z]")
_ENGLISH_HINTS = STOP | {"yeah", "okay", "ok", "mm", "hmm", "um", "uh"}
_OVERRIDING = frozenset({"command", "threat", "blame", "arguing", "policy"})


def _cuts(tokens: list[str], max_words: int) -> list[tuple[int, int]]:
    """(start, end) token spans: a cut after end punctuation, or after ``max_words`` tokens."""
    spans, start = [], 0
    for i, token in enumerate(tokens):
        if _END.search(token.strip()) or i + 1 - start >= max_words:
            spans.append((start, i + 1))
            start = i + 1
    if start < len(tokens):
        spans.append((start, len(tokens)))
    return spans


def split_utterances(words: tuple[Word, ...], *, max_words: int = 60) -> list[tuple[Word, ...]]:
    """Split words into sentences at end punctuation; chunks of ``max_words`` without it.

    Examples:
      >>> from listening_coach.testing import script
      >>> [len(u) for u in split_utterances(script("trainee 0 Okay. What happened then?"))]
      [1, 3]
    """
    return [words[a:b] for a, b in _cuts([w.text for w in words], max_words)]


def split_text(text: str, *, max_words: int = 60) -> list[str]:
    """:func:`split_utterances` for plain text.

    Examples:
      >>> split_text("Okay. So you're worried?  What else")
      ['Okay.', "So you're worried?", 'What else']
    """
    tokens = text.split()
    return [" ".join(tokens[a:b]) for a, b in _cuts(tokens, max_words)]


def is_codable(text: str) -> bool:
    """False for text with no Latin letters, or 4+ words of which under 20% are English.

    English function words make up 40-60% of conversational English; other Latin-script
    languages share a few ("no", "was") but rarely one in five words.

    Examples:
      >>> is_codable("Ich weiß nicht, was ich tun soll"), is_codable("I see"), is_codable("…")
      (False, True, False)
    """
    if not _LETTERS.search(text):
        return False
    words = re.findall(r"[a-z']+", text.lower())
    if len(words) >= 4 and sum(w in _ENGLISH_HINTS for w in words) < 0.2 * len(words):
        return False
    return True


def _combine(
    text: str,
    context: str,
    prediction: Prediction | None,
    options: LanguageOptions,
    heard: tuple[tuple[str, float], ...] | None = None,
) -> tuple[str, str | None, float, tuple[str, ...], str, tuple[tuple[str, float], ...]]:
    """Merge the model's prediction (if any) with the rules for one utterance."""
    rule = rules.apply_rules(text, heard, unsure_below=options.sound_unsure_below,
                             max_ratio=options.sound_max_ratio)
    flags = list(rule.flags)
    label: str
    subtype: str | None
    confidence: float
    scores: tuple[tuple[str, float], ...]
    if prediction is not None:
        label, subtype, confidence, scores = prediction
        source = "model"
        if label == "question" and not has_question_form(text):
            label, subtype, confidence = _not_a_question(scores)
        elif label != "question" and rules.ACK_THEN_ASK.match(text.strip()):
            label, subtype, confidence, source = "question", "open", 0.8, "rules"
        if label == "other" and rule.label in ("validation", "affirmation"):
            label, subtype, confidence, source = rule.label, None, rule.confidence, "rules"
        elif label == "reflection" and _OVERRIDING & set(rule.flags) and (
            "reflection_stem" not in rule.cues
        ):
            # AnnoMI has no commands or threats; MITI codes them as confront/persuade, never as
            # a reflection, whatever words they share with the partner.
            label, subtype, confidence, source = "other", None, 0.6, "rules"
    else:
        label = rule.label or "other"
        subtype = rule.subtype
        confidence = rule.confidence if rule.label else 0.4
        scores = ()
        source = "rules"
    if label == "summary":
        label, subtype = "reflection", "complex"
    if "summary" in rule.cues:
        flags.append("summary")
    if "validation" in rule.cues or label == "validation":
        flags.append("validation")
    if "affirmation" in rule.cues or label == "affirmation":
        flags.append("affirmation")
    if label == "reflection" and rule.feeling_named:
        flags.append("emotion_label")
    return label, subtype, float(confidence), tuple(dict.fromkeys(flags)), source, scores


def _not_a_question(scores: tuple[tuple[str, float], ...]) -> tuple[str, str | None, float]:
    """The model's best label other than question, with its probability given that the
    utterance is no question: for a line with no form of a question at all ("Three hours and
    nobody has told you anything.", "You need a straight answer."), which the model, trained
    on transcripts whose questions lack question marks, sometimes calls one."""
    main = {k: v for k, v in scores if "." not in k and k != "question"}
    label = max(main, key=lambda k: main[k])
    confidence = main[label] / max(sum(main.values()), 1e-9)
    heads = {"reflection": "reflection.", "therapist_input": "input."}
    sub = {k.split(".", 1)[1]: v for k, v in scores if label in heads and k.startswith(heads[label])}
    subtype = max(sub, key=lambda k: sub[k]) if sub else None
    if label == "therapist_input":
        label, subtype = ("advice" if subtype in ("advice", "negotiation", "options")
                          else "information"), None
    return label, subtype, confidence


def label_text(
    text: str, context: str = "", options: LanguageOptions | dict[str, object] | None = None
) -> Label:
    """Label one utterance given the partner's preceding words (times are 0).

    Args:
      text: The trainee's utterance.
      context: What the partner said just before.
      options: Language options (model or rules).
    """
    return label_texts([(text, context)], options)[0]


def label_texts(
    items: list[tuple[str, str]], options: LanguageOptions | dict[str, object] | None = None,
    *, model: LanguageModel | None = None, encoder: Encoder | None = None,
) -> list[Label]:
    """Label (utterance, partner's preceding words) pairs (times are 0).

    ``model`` and ``encoder``: use these instead of the files ``options`` name (the
    cross-validated evaluation passes each fold's own).
    """
    opts = build_options(LanguageOptions, options, "language")
    return _label_batch(items, opts, [(Span(0.0, 0.0), None)] * len(items), model, encoder)


def _label_batch(
    items: list[tuple[str, str]],
    options: LanguageOptions,
    spans: list[tuple[Span, int | None]],  # (where, exchange) of each item
    model: LanguageModel | None = None,
    encoder: Encoder | None = None,
    heard: list[tuple[tuple[str, float], ...] | None] | None = None,
) -> list[Label]:
    predictions: list[Prediction | None] = [None] * len(items)
    codable = [is_codable(text) for text, _ in items]
    if options.use_model:
        from listening_coach.language.encoder import load_encoder
        from listening_coach.language.model import load_language_model

        if model is None:
            model = load_language_model(options.model_path)
            encoder = load_encoder(options.encoder_path) if options.use_encoder else None
        idx = [i for i, ok in enumerate(codable) if ok]
        for i, p in zip(idx, model.predict([items[i] for i in idx], encoder=encoder,
                                           encoder_below=options.encoder_below)):
            predictions[i] = p
    labels = []
    for (text, context), ok, prediction, ((start, end), exchange), words in zip(
        items, codable, predictions, spans, heard or [None] * len(items)
    ):
        if not ok:
            labels.append(Label(start, end, text, "unknown", 0.0, exchange=exchange))
            continue
        label, subtype, confidence, flags, source, scores = _combine(
            text, context, prediction, options, words
        )
        fid = fidelity(text, context) if label == "reflection" and context else None
        labels.append(
            Label(
                start, end, text, label, round(confidence, 3), subtype=subtype, flags=flags,
                exchange=exchange, source=source, scores=scores, fidelity=fid,
            )
        )
    return labels


def label_exchanges(
    exchanges: tuple[Exchange, ...],
    options: LanguageOptions | dict[str, object] | None = None,
) -> tuple[Label, ...]:
    """Label each sentence of each exchange's trainee response.

    Args:
      exchanges: From ``turns.pair_exchanges``; the partner's prompt is the context.
      options: ``use_model`` (trained model when true, rules otherwise), ``model_path``,
        ``use_encoder`` and ``encoder_path`` (the fine-tuned encoder blended in),
        ``max_utterance_words``.

    Returns:
      Labels in time order, ``exchange`` set to the exchange index, ``start``/``end`` from
      the words' timestamps.

    Raises:
      ModelError: ``use_model`` is set and the model file is missing or corrupt.
    """
    opts = build_options(LanguageOptions, options, "language")
    items: list[tuple[str, str]] = []
    spans: list[tuple[Span, int | None]] = []
    heard: list[tuple[tuple[str, float], ...] | None] = []
    for exchange in exchanges:
        context = join_words([w for w in exchange.prompt_words if not w.unclear])
        for turn in exchange.response:
            for utterance in split_utterances(turn.clear_words, max_words=opts.max_utterance_words):
                items.append((join_words(utterance), context))
                spans.append((Span(utterance[0].start, max(w.end for w in utterance)), exchange.index))
                heard.append(tuple((w.text.strip(), w.probability) for w in utterance))
    if not items:
        return ()
    return tuple(_label_batch(items, opts, spans, heard=heard))
