"""What a drill with a scripted partner leaves behind, in words: the curve, the steps, the cohort.

- :func:`curve_chart`: the partner's agitation over the exchanges as a small text chart.
- :func:`transcript`: the drill exchange by exchange: the partner's line and state, the
  trainee's words, what moved the partner and by how much, and the outcome.
- :func:`scenario_from_report`: an analysed role-play's session JSON -> a linear scenario
  (its partner's lines in order), to replay a real difficult call as a drill.
- :func:`cohort_rows` / :func:`render_cohort`: per trainee, how many drills ended resolved,
  escalated or unresolved, from a folder of drill session files.

All of them read the ``drill`` record of a drill's ``ID.json`` (docs/schema.md).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from listening_coach.errors import ConfigError
from listening_coach.live.partner import SIGNAL_TEXT
from listening_coach.paths import refuse_special
from listening_coach.live.scenario import Scenario, band_of
from listening_coach.live.scenario_file import parse_scenario

OUTCOMES = ("resolved", "escalated", "unresolved", "unfinished")


def curve_chart(curve: Sequence[float], *, goal: float, ceiling: float, height: int = 11) -> list[str]:
    r"""Agitation (0-10) at the start and after each exchange as text rows, 10 at the top;
    each value sits on the nearest row; the goal and ceiling rows are labelled.

    Examples:
      >>> print("\n".join(curve_chart([8, 5.5, 3, 1], goal=2, ceiling=9, height=6)))
      10 |              ceiling 9
       8 |  *
       6 |     *
       4 |        *
       2 |           *  goal 2
       0 |
            0  1  2  3  exchange (0: start)
    """
    step = 10 / (height - 1)
    levels = [10 - r * step for r in range(height)]
    near = [min(range(height), key=lambda r: abs(levels[r] - v)) for v in curve]
    at_goal = min(range(height), key=lambda r: abs(levels[r] - goal))
    at_ceiling = min(range(height), key=lambda r: abs(levels[r] - ceiling))
    rows = []
    for r, level in enumerate(levels):
        cells = "".join("  *" if n == r else "   " for n in near)
        marks = [f"ceiling {ceiling:g}"] if r == at_ceiling else []
        marks += [f"goal {goal:g}"] if r == at_goal else []
        rows.append(f"{level:>2.0f} |{cells}  {'  '.join(marks)}".rstrip())
    rows.append("    " + "".join(f"{i:>3}" for i in range(len(curve))) + "  exchange (0: start)")
    return rows


def _moves(step: dict[str, Any], width: int) -> list[str]:
    out = []
    for m in step["moves"]:
        name = SIGNAL_TEXT.get(m["signal"], m["signal"])
        words = m["words"] if m["signal"] in ("pause", "fast", "loud") else (
            f'"{m["words"]}"' if m["words"] else "")
        out.append(_cut(f"      {m['delta']:+.1f}  {name:<18} {words}".rstrip(), width))
    return out or ["      (nothing moved them)"]


def transcript(drill: dict[str, Any], *, width: int = 100) -> str:
    """The drill as text: per exchange the line, the answer, the change and why."""
    from listening_coach.feedback import counted

    out = [f"{drill.get('title', drill.get('scenario', 'drill'))} ({drill.get('difficulty', '')})",
           ""]
    for step in drill["steps"]:
        before, after = step["before"], step["after"]
        out.append(f"{step['exchange'] + 1}. Partner ({band_of(before)}, {before:g}): "
                   f"{step['partner']}")
        out.append(f"   You: {step['trainee'] or '(no answer)'}")
        out.append(f"   Agitation {before:g} -> {after:g}:")
        out += _moves(step, width)
    out.append("")
    out += curve_chart(drill["agitation"], goal=drill["goal"], ceiling=drill["ceiling"])
    met = ", ".join(drill.get("needs_met", [])) or "none"
    out.append(f"\nOutcome: {drill['outcome']} after {counted(len(drill['steps']), 'exchange')} "
               f"(needs addressed: {met})")
    return "\n".join(out)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _toml(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def scenario_from_report(path: str | Path) -> tuple[Scenario, str]:
    """A linear scenario from the partner's lines of an analysed role-play, and its TOML text.

    Raises:
      ConfigError: the file is missing, not a session JSON, or has no partner lines.
    """
    path = Path(path)
    refuse_special(path, "a session JSON (NAME.json)")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path} does not exist: pass the NAME.json that "
                          "'listening-coach analyze' wrote") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ConfigError(f"{path} is not a session JSON ({e}); pass the NAME.json that "
                          "'listening-coach analyze' wrote") from None
    if not isinstance(data, dict) or "exchanges" not in data or "turns" not in data:
        raise ConfigError(f"{path} is not a session JSON (no exchanges/turns); pass the "
                          "NAME.json that 'listening-coach analyze' wrote")
    turns = data["turns"]
    lines = []
    for ex in data["exchanges"]:
        text = " ".join(turns[i]["text"].strip() for i in ex.get("prompt", [])
                        if not turns[i].get("backchannel")).strip()
        if text:
            lines.append(text)
    if not lines:
        raise ConfigError(f"{path} has no partner lines to replay (no exchange has a prompt); "
                          "check its channel map (--channels) and analyse it again")
    name = f"replay_{data.get('id') or path.stem}"
    toml = [f"# Replay of {data.get('source', path.name)}: the partner's lines in order.",
            f"name = {_toml(name)}", f"title = {_toml('Replay: ' + str(data.get('id', path.stem)))}",
            'difficulty = "medium"', 'skills = ["reflection", "validation", "no_interruption"]',
            f"description = {_toml('The partner lines of a recorded role-play, said in order.')}",
            "", "[partner]", "agitation = 7", "",
            "[ending]", "goal = 3", "ceiling = 9.5", f"max_exchanges = {len(lines)}"]
    for text in lines:
        toml += ["", "[[lines]]", f"text = {_toml(text)}"]
    source = "\n".join(toml) + "\n"
    return parse_scenario(source, path.with_name(f"{name}.toml")), source


def cohort_rows(folder: str | Path) -> list[dict[str, Any]]:
    """Per trainee (and scenario): drills, resolved, escalated, unresolved, unfinished.

    Reads every ``*.json`` under ``folder`` with a ``drill`` record; others are skipped.
    """
    counts: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(Path(folder).rglob("*.json")):
        try:
            drill = json.loads(path.read_text(encoding="utf-8")).get("drill")
        except (OSError, UnicodeDecodeError, json.JSONDecodeError, AttributeError):
            continue
        if not isinstance(drill, dict) or "outcome" not in drill:
            continue
        key = (drill.get("trainee") or "(unnamed)", drill.get("scenario", ""))
        row = counts.setdefault(key, {"trainee": key[0], "scenario": key[1], "drills": 0,
                                      **{o: 0 for o in OUTCOMES}})
        row["drills"] += 1
        row[drill["outcome"] if drill["outcome"] in OUTCOMES else "unfinished"] += 1
    return sorted(counts.values(), key=lambda r: (r["trainee"].casefold(), r["scenario"]))


def render_cohort(rows: Sequence[dict[str, Any]]) -> str:
    """The cohort rows as a text table, with a total per trainee."""
    out = [f"{'trainee':<16} {'scenario':<20} {'drills':>6} {'resolved':>8} {'escalated':>9} "
           f"{'unresolved':>10}"]
    totals: dict[str, list[int]] = {}
    for r in rows:
        out.append(f"{r['trainee']:<16} {r['scenario']:<20} {r['drills']:>6} {r['resolved']:>8} "
                   f"{r['escalated']:>9} {r['unresolved']:>10}")
        t = totals.setdefault(r["trainee"], [0, 0])
        t[0] += r["drills"]
        t[1] += r["resolved"]
    out += [f"{name}: {resolved} of {n} drills resolved" for name, (n, resolved) in totals.items()]
    return "\n".join(out)


__all__ = ["OUTCOMES", "cohort_rows", "curve_chart", "render_cohort", "scenario_from_report",
           "transcript"]
