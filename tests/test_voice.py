"""Voice features on synthetic voices with known pitch and level."""

from __future__ import annotations

import numpy as np
import pytest

from listening_coach.config import DEFAULT_CONFIG, VoiceOptions
from listening_coach.metrics.effect import partner_changes
from listening_coach.metrics.voice import voice_metrics
from listening_coach.testing import script, silence, syllable_train
from listening_coach.turns import group_turns, pair_exchanges
from listening_coach.prosody import merge_voice, voice_frames


def test_pitch_is_found_only_where_the_speaker_talks() -> None:
    x = np.concatenate([silence(1.0), syllable_train(2.0, frequency_hz=150), silence(2.0),
                        syllable_train(1.0, frequency_hz=220), silence(1.0)])
    active = np.zeros(int(x.size / 320) + 1, bool)
    active[50:150] = True  # 1-3 s
    active[250:300] = True  # 5-6 s
    loudness, pitch = voice_frames(x, active, 0.02, VoiceOptions())
    assert loudness.shape == pitch.shape == (700,)
    assert np.nanmedian(pitch[100:300]) == pytest.approx(150, rel=0.03)
    assert np.nanmedian(pitch[500:600]) == pytest.approx(220, rel=0.03)
    assert not np.isfinite(pitch[:100]).any() and not np.isfinite(pitch[320:480]).any()
    assert loudness[150] > loudness[50] + 40  # speech vs digital silence


def test_voice_metrics_compare_trainee_with_partner_and_follow_the_partner() -> None:
    words = script(
        "partner 0.0 I am so angry about all of this",  # 0-3.6 s
        "trainee 4.0 that sounds really hard",  # 4-5.6 s
        "partner 6.0 it really is and nobody cares",  # 6-9.2 s
        "trainee 10.0 you feel nobody cares",
    )
    exchanges = pair_exchanges(group_turns(words))
    n = 12 * 100
    trainee_pitch = np.full(n, np.nan, np.float32)
    partner_pitch = np.full(n, np.nan, np.float32)
    trainee_loud = np.full(n, -80.0, np.float32)
    partner_loud = np.full(n, -80.0, np.float32)
    partner_pitch[0:360], partner_loud[0:360] = 200.0, -20.0
    trainee_pitch[400:560], trainee_loud[400:560] = 100.0, -26.0
    partner_pitch[600:920], partner_loud[600:920] = 150.0, -24.0  # calmer after the reflection
    voice = merge_voice(0.01, {"trainee": [(trainee_loud, trainee_pitch)],
                               "partner": [(partner_loud, partner_pitch)]})
    measured = voice_metrics(exchanges, voice, DEFAULT_CONFIG.voice)
    metrics = {(m.name, m.exchange): m.value for m in measured + partner_changes(exchanges, measured)}
    assert metrics[("voice.loudness_vs_partner_db", 0)] == pytest.approx(-6.0, abs=0.1)
    assert metrics[("voice.pitch_vs_partner_st", 0)] == pytest.approx(-12.0, abs=0.1)
    assert metrics[("effect.partner_loudness_change_db", 0)] == pytest.approx(-4.0, abs=0.1)
    assert metrics[("effect.partner_pitch_change_st", 0)] == pytest.approx(12 * np.log2(150 / 200), abs=0.05)
    assert voice_metrics(exchanges, None, DEFAULT_CONFIG.voice) == ()
