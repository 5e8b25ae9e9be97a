"""Words -> turns -> exchanges (PRODUCT.md, core vocabulary).

- :func:`group_turns`: spurts of each speaker's words become floor turns or backchannels.
- :func:`is_backchannel_text`: the lexicon test for minimal encouragers ("mm-hm", "I see").
- :func:`pair_exchanges`: partner turn(s) followed by the trainee's response.

::

    partner  |--- I waited two hours ---|  |-- and nobody called --|        |-- no --|
    trainee                   |mm-hm|                  |-- that sounds awful --|
             '------------------- exchange 0 --------------------------------''-- 1 ...

A turn is a maximal run of one speaker's words: a silence inside it still belongs to it unless
another speaker took the floor in between (a backchannel does not take the floor). With only one
speaker in the session (a trainee practising against prompts we did not record), a silence of
``close_after_s`` ends the turn instead.
"""

from __future__ import annotations

from listening_coach.config import TurnOptions
from listening_coach.types import TRAINEE, Exchange, Turn, Word


def _spurts(words: list[Word], others: list[Word], options: TurnOptions) -> list[list[Word]]:
    """Split one speaker's words at silences of ``turn_gap_s``, or where someone else spoke.

    A gap in which another speaker only said lexicon words ("mm-hm") does not split.
    """
    lexicon = set(options.backchannel_words)
    starts = sorted((w.start, w.bare in lexicon) for w in others)
    spurts: list[list[Word]] = []
    for word in words:
        if spurts:
            prev_end = spurts[-1][-1].end
            interjected = any(
                prev_end < start < word.start and not is_lexicon for start, is_lexicon in starts
            )
            if word.start - prev_end < options.turn_gap_s and not interjected:
                spurts[-1].append(word)
                continue
        spurts.append([word])
    return spurts


def is_backchannel_text(words: tuple[Word, ...] | list[Word], options: TurnOptions) -> bool:
    """Return True if the words form one of the lexicon's minimal encouragers.

    Examples:
      >>> from listening_coach.testing import script
      >>> is_backchannel_text(script("trainee 0.0 Mm-hm."), TurnOptions())
      True
      >>> is_backchannel_text(script("trainee 0.0 I see."), TurnOptions())
      True
      >>> is_backchannel_text(script("trainee 0.0 I disagree"), TurnOptions())
      False
    """
    if not words or len(words) > options.backchannel_max_words:
        return False
    lexicon = set(options.backchannel_words)
    bare = [w.bare for w in words]
    return " ".join(bare) in lexicon or all(b in lexicon for b in bare)


def _holds_floor(other: list[Word], start: float, end: float, options: TurnOptions) -> bool:
    """Did ``other`` speak shortly before ``start`` and carry on after ``end``?"""
    before = any(w.start < start and w.end > start - options.turn_gap_s for w in other)
    after = any(start < w.start and w.start < end + options.turn_gap_s for w in other)
    return before and after


def group_turns(words: tuple[Word, ...] | list[Word], options: TurnOptions | None = None) -> tuple[Turn, ...]:
    """Group speaker-attributed words into floor turns and backchannel turns, by start time.

    Words without a speaker are ignored.
    """
    options = options or TurnOptions()
    by_speaker: dict[str, list[Word]] = {}
    for w in sorted(words):
        if w.speaker is not None:
            by_speaker.setdefault(w.speaker, []).append(w)
    if not by_speaker:
        return ()

    # 1. spurts per speaker, each marked backchannel or floor
    spurts: list[tuple[str, list[Word], bool]] = []
    for speaker, own in by_speaker.items():
        others = [w for s, ws in by_speaker.items() if s != speaker for w in ws]
        for spurt in _spurts(own, others, options):
            start, end = spurt[0].start, max(w.end for w in spurt)
            backchannel = (
                end - start <= options.backchannel_max_s
                and is_backchannel_text(spurt, options)
                and _holds_floor(others, start, end, options)
            )
            spurts.append((speaker, spurt, backchannel))
    spurts.sort(key=lambda s: s[1][0].start)

    # 2. merge a speaker's consecutive floor spurts unless someone else took the floor between
    single = len(by_speaker) == 1
    turns: list[Turn] = []
    open_turn: dict[str, list[Word]] = {}
    last_floor: str | None = None
    for speaker, spurt, backchannel in spurts:
        if backchannel:
            turns.append(Turn(speaker, tuple(spurt), backchannel=True))
            continue
        current = open_turn.get(speaker)
        gap_closes = (
            single and current is not None and spurt[0].start - current[-1].end >= options.close_after_s
        )
        if current is not None and last_floor == speaker and not gap_closes:
            current.extend(spurt)
        else:
            if current is not None:
                turns.append(Turn(speaker, tuple(current)))
            open_turn[speaker] = list(spurt)
        last_floor = speaker
    turns.extend(Turn(s, tuple(ws)) for s, ws in open_turn.items())
    return tuple(sorted(turns, key=lambda t: (t.start, t.end)))


def pair_exchanges(turns: tuple[Turn, ...], options: TurnOptions | None = None) -> tuple[Exchange, ...]:
    """Pair partner turns (prompt) with the trainee turns that follow (response).

    A new exchange begins when a non-trainee speaker takes the floor after the trainee answered,
    and, with no partner in the session, at every trainee turn. Backchannels go to the exchange
    whose span contains their start (else the one before).
    """
    floor = [t for t in turns if not t.backchannel]
    solo = all(t.speaker == TRAINEE for t in floor)
    groups: list[tuple[list[Turn], list[Turn]]] = []
    for turn in floor:
        if turn.speaker == TRAINEE:
            if not groups or (solo and groups[-1][1]):
                groups.append(([], []))
            groups[-1][1].append(turn)
        else:
            if not groups or groups[-1][1]:
                groups.append(([], []))
            groups[-1][0].append(turn)
    spans = [(min(t.start for t in p + r), max(t.end for t in p + r)) for p, r in groups]
    backchannels: list[list[Turn]] = [[] for _ in groups]
    for bc in (t for t in turns if t.backchannel):
        index = 0
        for i, (start, _) in enumerate(spans):
            if start <= bc.start:
                index = i
        if groups:
            backchannels[index].append(bc)
    return tuple(
        Exchange(i, tuple(p), tuple(r), tuple(bcs))
        for i, ((p, r), bcs) in enumerate(zip(groups, backchannels))
    )
