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

Turns stand on the audio, not only on Whisper's words: with one channel per person the words
come snapped to each channel's speech activity, and speech Whisper heard nothing in arrives as
unclear-speech placeholder words (:data:`~listening_coach.types.UNCLEAR_TEXT`), so a line Whisper
dropped still takes the floor, splits the other's turns and counts in timing. A short spurt said
over the other's speech while they carry on is a backchannel by its acoustics, whatever Whisper
made of it ("it may make him" for "mm-hm"); its text is kept as heard.
"""

from __future__ import annotations

from listening_coach.config import TurnOptions
from listening_coach.span import merge_spans
from listening_coach.types import TRAINEE, Exchange, Span, Turn, Word

TALKED_S = 0.25  # the other speaking this long inside a silence of ours took the floor ...
STRETCH_JOIN_S = 0.1  # the other's words closer than this are one stretch of their speech
PAUSE_S = 0.5  # ... unless it is a pause this short and they were talking all through it
CARRY_ON_S = 0.3  # the other "carries on" when their speech runs at least this past a spurt


def _spurts(words: list[Word], others: list[Word], options: TurnOptions) -> list[list[Word]]:
    """Split one speaker's words at silences of ``turn_gap_s``, or where someone else talked.

    Someone else talked when their speech fills ``TALKED_S`` of the silence; their lexicon
    words ("mm-hm") do not count, nor does speech that runs all through a pause shorter than
    ``PAUSE_S`` (two people talking at once, as in an interruption: the interrupted speaker's
    last words and the interrupter's first ones stay in their turns).

    A lone lexicon word that runs on (within ``runon_gap_s``) into more speech while the other
    is still talking ("Okay, you need to...", said over the partner) is not split from what
    follows: the turn, and the interruption, start at "okay".
    """
    lexicon = set(options.backchannel_words)
    spoken = merge_spans((w.span for w in others if w.bare not in lexicon), STRETCH_JOIN_S)
    spurts: list[list[Word]] = []
    for word in words:
        if spurts:
            current = spurts[-1]
            prev_end = max(w.end for w in current)
            through = word.start - prev_end < PAUSE_S  # a pause while both talk: an overlap
            gap = Span(prev_end, max(prev_end, word.start))  # empty when the words overlap
            talked = sum(
                stretch.overlap(gap) for stretch in spoken if not (through and gap in stretch)
            ) >= TALKED_S
            runs_on = (
                word.start - prev_end < options.runon_gap_s
                and word.bare not in lexicon
                and current[-1].end - current[0].start <= options.backchannel_max_s
                and is_backchannel_text(current, options)
                and _talking(others, word.start)
            )
            if word.start - prev_end < options.turn_gap_s and (not talked or runs_on):
                current.append(word)
                continue
        spurts.append([word])
    return spurts


def _talking(others: list[Word], time: float, slack: float = 0.1) -> bool:
    """Is someone in ``others`` speaking at ``time`` (within ``slack``)?"""
    return any(w.start - slack <= time <= w.end + slack for w in others)


def is_backchannel_text(words: tuple[Word, ...] | list[Word], options: TurnOptions) -> bool:
    """Return True if the words form one of the lexicon's minimal encouragers.

    Examples:
      >>> from listening_coach.testing import script
      >>> is_backchannel_text(script("trainee 0.0 Mm-hm."), TurnOptions())
      True
      >>> is_backchannel_text(script("trainee 0.0 I see."), TurnOptions())
      True
      >>> is_backchannel_text(script("trainee 0.0 MMHM."), TurnOptions())  # spelling aside
      True
      >>> is_backchannel_text(script("trainee 0.0 I disagree"), TurnOptions())
      False
    """
    if not words or len(words) > options.backchannel_max_words:
        return False
    lexicon = {_squash(w) for w in options.backchannel_words}
    bare = [_squash(w.bare) for w in words]
    return "".join(bare) in lexicon or all(b in lexicon for b in bare)


def _squash(text: str) -> str:
    """"Mm-hmm", "mm hmm", "mmhmm" -> "mmhmm"; repeated letters are kept."""
    return text.replace("-", "").replace(" ", "")


def _holds_floor(other: list[Word], start: float, end: float, options: TurnOptions) -> bool:
    """Did ``other`` speak shortly before ``start`` and carry on after ``end``?

    Carrying on is a word that starts after ``start`` (within the turn gap after ``end``), or
    speech (an unclear stretch) that runs on past ``end``.
    """
    before = any(w.start < start and w.end > start - options.turn_gap_s for w in other)
    after = any(
        w.start < end + options.turn_gap_s and (start < w.start or w.end > end + CARRY_ON_S) for w in other
    )
    return before and after


def _overlap_s(words: list[Word], other: list[Word]) -> float:
    """Seconds of ``words`` during which ``other`` speaks (pairwise, an upper bound)."""
    return sum(a.span.overlap(b.span) for a in words for b in other)


def _is_backchannel(spurt: list[Word], others: list[Word], options: TurnOptions) -> bool:
    """A short spurt while the other holds the floor: lexicon text, or (by its acoustics, whatever
    Whisper made of it: junk or unclear speech) a spurt said over the other's speech."""
    start, end = spurt[0].start, max(w.end for w in spurt)
    if end - start > options.backchannel_max_s or not _holds_floor(others, start, end, options):
        return False
    if is_backchannel_text(spurt, options):
        return True
    return _overlap_s(spurt, others) >= options.backchannel_min_overlap_s


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
            spurts.append((speaker, spurt, _is_backchannel(spurt, others, options)))
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
