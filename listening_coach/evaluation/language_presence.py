"""Which behaviours a counsellor turn holds, as the pipeline labels it: one label per sentence.

AnnoMI codes one main behaviour per turn, but AnnoMI-full also marks every behaviour present
in it (``reflection_exists``, ``question_exists``, ``therapist_input_exists``). The pipeline
labels each sentence, so a turn like "So you're worried. What worries you most?" can count a
reflection *and* a question, as MITI coders would. These functions score that run-time path:

- :func:`found_behaviours`: per turn, the behaviours among its sentence labels, and the one
  behaviour of the whole turn's label (the evaluation's usual unit) for comparison.
- :func:`score_presence`: precision, recall and F1 of "this behaviour is in the turn" against
  the coder's marks.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from listening_coach.config import LanguageOptions, build_options
from listening_coach.language.features import normalize
from listening_coach.language.labelling import label_texts, split_text
from listening_coach.evaluation.language_training import BEHAVIOURS, Example

if TYPE_CHECKING:
    from listening_coach.language.encoder import Encoder
    from listening_coach.language.model import LanguageModel

# Run-time labels -> AnnoMI behaviours (summaries are labelled reflection/complex).
_BEHAVIOUR_OF = {"reflection": "reflection", "question": "question",
                 "information": "therapist_input", "advice": "therapist_input"}

Found = tuple[frozenset[str], frozenset[str]]


def found_behaviours(
    examples: list[Example], options: LanguageOptions | dict[str, object] | None = None, *,
    model: LanguageModel | None = None, encoder: Encoder | None = None,
    asr_style: bool = False,
) -> list[Found]:
    """Per example: (behaviours in its sentence labels, behaviour of its whole-turn label).

    ``model``/``encoder`` as in :func:`~listening_coach.language.labelling.label_texts`;
    ``asr_style`` lower-cases and strips punctuation first, so a turn becomes one sentence
    unless it is longer than ``max_utterance_words``.
    """
    opts = build_options(LanguageOptions, options, "language")
    texts = [normalize(ex.text, asr_style=True) if asr_style else ex.text for ex in examples]
    pairs, owner = [], []
    for n, (text, ex) in enumerate(zip(texts, examples)):
        for sentence in split_text(text, max_words=opts.max_utterance_words):
            pairs.append((sentence, ex.context))
            owner.append(n)
    in_sentences: list[set[str]] = [set() for _ in examples]
    for n, label in zip(owner, label_texts(pairs, opts, model=model, encoder=encoder)):
        if label.label in _BEHAVIOUR_OF:
            in_sentences[n].add(_BEHAVIOUR_OF[label.label])
    whole = label_texts([(t, ex.context) for t, ex in zip(texts, examples)], opts,
                        model=model, encoder=encoder)
    return [(frozenset(s), frozenset({_BEHAVIOUR_OF[w.label]} if w.label in _BEHAVIOUR_OF
                                     else ()))
            for s, w in zip(in_sentences, whole)]


def score_presence(examples: list[Example], found: list[Found]) -> dict[str, dict[str, object]]:
    """``{"sentences" | "turn": {behaviour: {precision, recall, f1, support}}}``.

    Only examples whose file marks presence (``Example.present`` not None) count.
    """
    scored = [(ex.present, f) for ex, f in zip(examples, found) if ex.present is not None]
    out: dict[str, dict[str, object]] = {}
    for way, pick in (("sentences", 0), ("turn", 1)):
        rows: dict[str, object] = {}
        for b in BEHAVIOURS:
            tp = sum(1 for gold, f in scored if b in gold and b in f[pick])
            predicted = sum(1 for _, f in scored if b in f[pick])
            support = sum(1 for gold, _ in scored if b in gold)
            p = tp / predicted if predicted else 0.0
            r = tp / support if support else 0.0
            rows[b] = {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0,
                       "support": support, "n": len(scored)}
        out[way] = rows
    return out
