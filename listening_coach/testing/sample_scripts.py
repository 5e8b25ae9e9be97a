"""The scripts of the bundled role-plays in ``audio_samples/`` (rendered by ``make samples``).

- :data:`SAMPLES`: name -> :class:`~listening_coach.testing.roleplay.RolePlay`.

Between them the scripts hold, on purpose: an interruption by the trainee (angry_customer,
line 6) and one by the partner (distressed_caller, line 7); backchannels (angry_customer line 3,
waiting_room line 3); terminal overlaps by the trainee (angry_customer line 10) and by the
partner (waiting_room line 7); a long effective pause (distressed_caller: the partner stops
about 1.8 s between lines 2 and 3 while the trainee stays silent); a fast trainee turn
(waiting_room line 4, about 200 WPM), a brisk one (angry_customer line 8, about 160 WPM, the
"calm down") and slow ones (distressed_caller lines 1 and 8, about 107 WPM). Speeds are espeak-ng ``-s``
values; the measured pace of every line is in its truth file.
"""

from __future__ import annotations

import dataclasses

from listening_coach.testing.roleplay import Line, RolePlay
from listening_coach.testing.roleplay_audio import PIPER_VOICE
from listening_coach.types import PARTNER as P
from listening_coach.types import TRAINEE as T

ANGRY_CUSTOMER = RolePlay(
    name="angry_customer",
    title="Angry customer demanding a refund",
    bleed_db=20.0,
    lines=(
        Line(
            P,
            "I have been on hold for forty minutes and I want my money back right now.",
            after_s=0.0,
            speed_wpm=125,
        ),
        Line(
            T,
            "It sounds like you were kept waiting far too long.",
            after_s=0.7,
            speed_wpm=105,
            move="reflection",
            feedback=("simple_reflection",),
        ),
        Line(
            P,
            "Of course I am frustrated. You charged me twice and nobody has answered any of my emails.",
            after_s=0.5,
            speed_wpm=125,
        ),
        Line(T, "Yeah.", after_s=-2.6, speed_wpm=120, expect="backchannel", move="backchannel"),
        Line(
            T,
            "So you were charged twice and nobody got back to you.",
            after_s=0.8,
            speed_wpm=105,
            move="reflection",
            feedback=("simple_reflection",),
        ),
        Line(
            P,
            "Exactly, and now you will tell me there is some policy and that I have to "
            "wait another week for my",
            after_s=0.5,
            speed_wpm=125,
        ),
        Line(
            T,
            "Let me stop you there because our refund policy says seven working days.",
            after_s=-1.25,
            speed_wpm=115,
            expect="interruption",
            move="interruption, policy-hiding",
            feedback=("policy",),
        ),
        Line(
            P,
            "See, that is exactly what I mean. You are not even listening to me.",
            after_s=0.3,
            speed_wpm=125,
        ),
        Line(
            T,
            "Okay please calm down because I only want to help you here.",
            after_s=0.4,
            speed_wpm=130,
            move="command (calm down), brisk",
            feedback=("command",),
        ),
        Line(P, "Do not tell me to calm down. I just want my refund.", after_s=0.3, speed_wpm=130),
        Line(
            T,
            "You want your refund today and you want someone to take this seriously.",
            after_s=-0.2,
            speed_wpm=105,
            expect="terminal_overlap",
            move="reflection",
            feedback=("complex_reflection",),
        ),
    ),
)

DISTRESSED_CALLER = RolePlay(
    name="distressed_caller",
    title="Distressed caller on a crisis line",
    bleed_db=23.0,
    bleed_delay_ms=3.0,
    lines=(
        Line(
            P,
            "Please help me. My husband left this morning and he is not answering his phone.",
            after_s=0.0,
            speed_wpm=125,
        ),
        Line(
            T,
            "Can you tell me what happened when he left this morning?",
            after_s=1.0,
            speed_wpm=80,
            word_gap_ms=20,
            move="open question, slow",
            feedback=("open_question",),
        ),
        Line(P, "He was so angry when he left.", after_s=0.6, speed_wpm=110),
        Line(
            P,
            "He took the car keys and slammed the door so hard the window cracked.",
            after_s=1.8,
            speed_wpm=125,
            move="goes on after an effective pause",
        ),
        Line(
            T,
            "You sound really scared about where he went and what might happen.",
            after_s=1.2,
            speed_wpm=105,
            move="complex reflection",
            feedback=("complex_reflection",),
        ),
        Line(
            P,
            "I am scared. I keep thinking something terrible has happened.",
            after_s=0.5,
            speed_wpm=120,
        ),
        Line(
            T,
            "Is there someone who could come over and stay with you while we",
            after_s=0.7,
            speed_wpm=110,
            move="closed question",
        ),
        Line(
            P,
            "No one can come, that is the whole problem, I am completely alone here.",
            after_s=-1.35,
            speed_wpm=125,
            expect="interruption",
        ),
        Line(
            T,
            "You feel completely alone right now and that feels frightening.",
            after_s=0.9,
            speed_wpm=105,
            move="reflection",
            feedback=("complex_reflection",),
        ),
    ),
)

WAITING_ROOM = RolePlay(
    name="waiting_room",
    title="Agitated visitor in a hospital waiting room",
    bleed_db=18.0,
    bleed_delay_ms=1.0,
    seed=441,
    lines=(
        Line(
            P,
            "How much longer do I have to sit here? I have waited three hours.",
            after_s=0.0,
            speed_wpm=125,
        ),
        Line(
            T,
            "Waiting that long must be very hard when you feel worried.",
            after_s=0.6,
            speed_wpm=85,
            move="validation",
            feedback=("validation",),
        ),
        Line(
            P,
            "My mother is in there and nobody has told me anything, not one single word.",
            after_s=0.4,
            speed_wpm=125,
        ),
        Line(T, "I see.", after_s=-3.0, speed_wpm=140, expect="backchannel", move="backchannel"),
        Line(
            T,
            "So you are worried about your mother and it feels like everyone here is ignoring you.",
            after_s=0.5,
            speed_wpm=150,
            move="reflection, fast",
            feedback=("complex_reflection", "fast_answer",),
        ),
        Line(
            P,
            "Yes, and if someone does not come out soon I am going in there myself.",
            after_s=0.4,
            speed_wpm=125,
        ),
        Line(
            T,
            "But you have to understand that the staff are very busy.",
            after_s=0.5,
            speed_wpm=105,
            move="dismissive but",
            feedback=("dismissive_but",),
        ),
        Line(
            P,
            "Busy? Nobody here cares about us.",
            after_s=-0.2,
            speed_wpm=125,
            expect="terminal_overlap",
        ),
        Line(
            T,
            "What has it been like for you sitting here and waiting for news?",
            after_s=0.9,
            speed_wpm=100,
            move="open question",
            feedback=("open_question",),
        ),
        Line(
            P,
            "Honestly, it has been terrifying. I just want to know she is okay.",
            after_s=0.6,
            speed_wpm=115,
        ),
        Line(
            T,
            "It makes sense that you feel scared, so let me go and ask the nurse now.",
            after_s=0.8,
            speed_wpm=105,
            move="validation, offer",
            feedback=("validation",),
        ),
    ),
)

SAMPLES: dict[str, RolePlay] = {r.name: r for r in (ANGRY_CUSTOMER, DISTRESSED_CALLER, WAITING_ROOM)}


def _phone(roleplay: RolePlay) -> RolePlay:
    """``roleplay`` as one phone on the table hears it: the partner speaks with the Piper
    neural voice, both voices through the telephone band, noise 30 dB under the louder voice,
    no channel bleed (the two clean tracks are summed to one channel by ``make samples``)."""
    return dataclasses.replace(
        roleplay, name=f"phone_{roleplay.name}", title=f"{roleplay.title} (one phone, mono)",
        voices=((T, "en-gb+f3"), (P, PIPER_VOICE)), bleed_db=120.0, band="phone", snr_db=30.0,
    )


# Mono samples (audio_samples/mono/): two people, one channel; diarized by the pipeline.
MONO_SAMPLES: dict[str, RolePlay] = {r.name: r for r in map(_phone, (DISTRESSED_CALLER, WAITING_ROOM))}
