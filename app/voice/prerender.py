"""Render a whole scenario before the call, so no caller line waits for synthesis.

A plain function given `progress` and `cancelled` callbacks (Orange3's task-state pattern):
the UI runs it in a worker thread and turns the callbacks into signals; tests and the CLI
just call it. It never raises for a line that will not render: a failed line is listed in
the report and played as captions only.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from app.scenario.model import Scenario
from app.voice.cache import AudioCache, LineAudio
from app.voice.synth import SynthError, Synthesiser

_log = logging.getLogger(__name__)


@dataclass
class RenderReport:
    """What a pre-render did, line by line counts and the lines that failed (with why)."""

    total: int = 0
    rendered: int = 0  # newly synthesised into the cache
    cached: int = 0  # already in the cache and valid
    recorded: int = 0  # have voice-over, nothing to synthesise
    unspoken: int = 0  # `voice: false`: shown, never spoken, nothing to synthesise
    failed: list[tuple[str, str]] = field(default_factory=list)  # (line id, reason)
    cancelled: bool = False
    seconds: float = 0.0

    @property
    def done(self) -> int:
        return self.rendered + self.cached + self.recorded + self.unspoken + len(self.failed)

    @property
    def ok(self) -> bool:
        return not self.failed and not self.cancelled


def prerender(
    scenario: Scenario,
    synth: Synthesiser,
    cache: AudioCache,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    *,
    audio_root: Path | None = None,
) -> RenderReport:
    """Render every spoken line of `scenario.lines`, in order, skipping voice-over, valid cache
    and lines that are never spoken (`voice: false`).

    `progress(done, total)` is called once before the first line and after each line;
    `cancelled()` is checked before each line, so a cancel takes effect within one render
    (tens of milliseconds with espeak-ng). Both are called on the calling thread.
    """
    started = time.perf_counter()
    audio = LineAudio(synth, cache, audio_root)
    lines = list(scenario.lines.values())
    report = RenderReport(total=len(lines))
    if progress:
        progress(0, report.total)
    for line in lines:
        if cancelled is not None and cancelled():
            report.cancelled = True
            break
        found = audio.resolve(scenario, line)
        if not line.voice:
            report.unspoken += 1
        elif found.kind == "recorded":
            report.recorded += 1
        elif found.kind == "cached":
            report.cached += 1
        else:
            try:
                audio.ensure(scenario, line)
                report.rendered += 1
            except (SynthError, OSError) as exc:
                _log.warning("%s: line %s not rendered: %s", scenario.id, line.id, exc)
                report.failed.append((line.id, str(exc)))
        if progress:
            progress(report.done, report.total)
    report.seconds = time.perf_counter() - started
    return report
