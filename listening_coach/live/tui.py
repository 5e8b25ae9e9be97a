"""The drill's terminal view (rich): a hook consumer, so the engine itself never prints.

- :class:`DrillView`: pass it as the drill's ``hook``; inside ``with view:`` it shows the
  scenario, the partner's current line, a listening indicator, and one short cue per exchange.
- :func:`render_summary`: the end-of-drill report (per-exchange cue, session feedback, where
  the recording and session file are, overflows and errors).

Dense live dashboards hurt trainees (PRODUCT.md), so the live view stays to one line per
exchange; the detail is in the summary and the saved session.
"""

from __future__ import annotations

import time
from typing import Any, cast

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from listening_coach.types import TRAINEE, Feedback
from listening_coach.feedback import counted

_STYLE = {"praise": "green", "tip": "yellow", "concern": "bold red"}
_MARK = {"praise": "+", "tip": "~", "concern": "!"}


class DrillView:
    """Live view of a drill, updated from hook events.

    Args:
      title: Scenario title (or "Live role-play").
      console: Where to draw; default stdout.
      cues: Show the one-line cue after each exchange.
    """

    def __init__(self, title: str, *, console: Console | None = None, cues: bool = True,
                 skills: tuple[str, ...] = ()) -> None:
        self.title = title
        self.console = console or Console()
        self.cues_on = cues
        self.skills = skills
        self.partner_line = ""
        self.prompt_kind = "line"
        self.state = "starting"
        self.trainee_speaking = False
        self.cues: list[tuple[int, Feedback | None]] = []
        self.words = 0
        self.lag_s = 0.0
        self.degraded_s = 0.0
        self.agitation: float | None = None
        self.band = ""
        self.moved = ""  # what moved the partner after the last exchange
        self._live: Live | None = None
        self._started = time.monotonic()

    def __enter__(self) -> DrillView:
        self._live = Live(self.render(), console=self.console, refresh_per_second=8,
                          transient=False)
        self._live.__enter__()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._live is not None:
            self._live.update(self.render())
            self._live.__exit__(*exc)
            self._live = None

    def __call__(self, step: str, artifact: object) -> None:
        """The hook: take one event from the drill and redraw."""
        if step == "drill.prompt":
            info: dict[str, Any] = artifact  # type: ignore[assignment]
            self.partner_line = str(info["text"])
            self.prompt_kind = str(info["kind"])
            if "agitation" in info:
                self.agitation, self.band = float(info["agitation"]), str(info.get("band", ""))
        elif step == "drill.partner":
            from listening_coach.live.partner import SIGNAL_TEXT

            st: Any = artifact
            self.agitation = float(st.after)
            parts = [f"{SIGNAL_TEXT.get(m.signal, m.signal)} {m.delta:+.1f}" for m in st.moves]
            self.moved = f"{st.before:g} -> {st.after:g}: " + (", ".join(parts) or "no change")
        elif step == "drill.state":
            self.state = str(artifact)
        elif step == "live.speech":
            speaker, speaking = cast(tuple[str, bool], artifact)
            if speaker == TRAINEE:
                self.trainee_speaking = bool(speaking)
        elif step == "live.words":
            self.words += len(artifact)  # type: ignore[arg-type]
        elif step == "live.cue":
            cue = (artifact.exchange, artifact.feedback)  # type: ignore[attr-defined]
            self.cues = [c for c in self.cues if c[0] != cue[0]] + [cue]  # a re-cue replaces
        elif step == "live.degraded":
            self.degraded_s = float(artifact)  # type: ignore[arg-type]
        elif step == "live.lag":
            self.lag_s = float(artifact)  # type: ignore[arg-type]
        if self._live is not None:
            self._live.update(self.render())

    def render(self) -> RenderableType:
        """The current screen."""
        rows: list[RenderableType] = []
        if self.agitation is not None:
            filled = int(round(self.agitation))
            style = "red" if self.agitation >= 7 else "yellow" if self.agitation >= 4 else "green"
            rows.append(Text.assemble(("Partner agitation ", "dim"),
                                      ("█" * filled + "░" * (10 - filled), style),
                                      (f" {self.agitation:.1f} {self.band}", style),
                                      (f"   ({self.moved})" if self.moved else "", "dim")))
        if self.partner_line:
            who = {"escalation": "Partner (escalating)", "reaction": "Partner (reacting)",
                   "ending": "Partner (last word)"}.get(self.prompt_kind, "Partner")
            rows.append(Text.assemble((f"{who}: ", "bold cyan"), (self.partner_line, "cyan")))
        if self.state == "listening":
            indicator = ("● you are speaking", "bold green") if self.trainee_speaking else (
                "○ listening", "dim")
        else:
            indicator = (f"… {self.state}", "yellow")
        rows.append(Text(indicator[0], style=indicator[1]))
        if self.cues_on:
            for index, feedback in self.cues[-4:]:
                rows.append(cue_line(index, feedback))
        if self.degraded_s and not self.lag_s:
            rows.append(Text(f"(busy machine, {self.degraded_s:.1f} s behind: quicker live labels; "
                             "the final report is complete)", style="dim"))
        if self.lag_s:
            rows.append(Text(f"(running {self.lag_s:.1f} s behind: cues paused, the full "
                             "report comes at the end)", style="dim"))
        rows.append(Text("Ctrl-C ends the drill and shows the report", style="dim"))
        subtitle = f"{time.monotonic() - self._started:.0f} s"
        if self.skills:
            subtitle += " · practise: " + ", ".join(self.skills)
        return Panel(Group(*rows), title=self.title, subtitle=subtitle, border_style="blue")


def cue_line(index: int, feedback: Feedback | None) -> Text:
    """One line per exchange: ``3 ~ try naming the feeling``."""
    if feedback is None:
        return Text(f"{index + 1:>2}   (nothing to flag)", style="dim")
    return Text.assemble(
        (f"{index + 1:>2} {_MARK.get(feedback.level, '?')} ", _STYLE.get(feedback.level, "")),
        (feedback.message, _STYLE.get(feedback.level, "")),
    )


def render_summary(result: Any) -> RenderableType:
    """The end-of-drill report from a :class:`~listening_coach.live.drill.DrillResult`."""
    parts: list[RenderableType] = []
    session = result.session
    if session is not None and session.exchanges:
        table = Table(title="Exchanges", show_lines=False, expand=True)
        table.add_column("#", justify="right")
        table.add_column("partner", ratio=2)
        table.add_column("you", ratio=2)
        table.add_column("latency", justify="right")
        table.add_column("feedback", ratio=3)
        for ex in session.exchanges:
            latency = ex.response_latency
            items = [f for f in session.feedback if f.exchange == ex.index and not f.more]
            table.add_row(
                str(ex.index + 1),
                _cut(" ".join(t.text for t in ex.prompt)),
                _cut(" ".join(t.text for t in ex.response)),
                "" if latency is None else f"{latency:+.1f} s",
                Text("\n").join(cue_line(ex.index, f) for f in items) if items else "",
            )
        parts.append(table)
        overall = [f for f in session.feedback if f.exchange is None and not f.more]
        if overall:
            parts.append(Text("Overall", style="bold"))
            parts += [Text(f" {_MARK.get(f.level, '?')} {f.message}", style=_STYLE.get(f.level, ""))
                      for f in overall]
    else:
        parts.append(Text("No exchange was recorded.", style="yellow"))
    if getattr(result, "drill", None) and result.drill.get("steps"):
        from listening_coach.live.drill_report import transcript

        parts.append(Text(transcript(result.drill)))
    facts = [f"Ended: {result.stopped_by.replace('_', ' ')}. {result.message}"]
    if result.overflows:
        facts.append(f"Input overflows: {counted(result.overflows, 'block')} of audio lost by the "
                     "device (close other programs or raise the block size)")
    if result.errors:
        facts.append(f"{counted(result.errors, 'piece')} of speech could not be transcribed live")
    if result.echo_gated_s:
        facts.append(f"Loudspeaker echo removed: {result.echo_gated_s:.1f} s (headphones avoid it)")
    parts += [Text(f, style="dim") for f in facts]
    return Panel(Group(*parts), title="Drill report", border_style="green")


def _cut(text: str, limit: int = 70) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
