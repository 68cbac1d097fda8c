"""The assessor area's second source of records: the training centre's central store.

When the machine configuration sets `[store] url`, the area offers "This PC" / "Centre
(server)". Choosing the centre opens `app.central.store.CentralStore` (read-only) in a worker,
so the UI never waits on the network; the same library page lists its sessions, and
`CentralReplayScreen` replays one read-only: its events and timeline, the central checks
(`app.central.check.central_checks`, the audit trail checked with the PC's code) and the
rebuild and re-score with the scenario text held centrally, as `callsim verify --central`
does. Reports (HTML, PDF) are the central report (`app.assessor.central_report`).

Nothing is marked here: marks, comments, verdicts and sign-offs on a session are made on the
PC that recorded it and reach the centre with that PC's next sync (as audit entries, see
app/central/outbox.py); the central store refuses writes from this connection anyway.

Signing in: the area is still unlocked with the PC's credentials; the central store is read
with the PostgreSQL login in `[store] url` (who may read is the server's business).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QThreadPool, Signal
from PySide6.QtWidgets import QLabel, QVBoxLayout

from app.assessor.central_report import central_report_html
from app.assessor.files import write_atomically
from app.assessor.marks import Marking
from app.assessor.replay import Replay, ScenarioFinder
from app.assessor.replay import timeline as build_timeline
from app.assessor.report import Generated
from app.assessor.reviewed import reviewed_result
from app.central.check import CentralCheck, central_checks
from app.central.views import CENTRAL_PROVES, Rebuilder, results_csv, verify_audit
from app.storage import SessionInfo, SessionStore
from app.storage.errors import UnknownSessionError
from app.ui.assessor.exports import Exporter, SaveAsker
from app.ui.assessor.library_page import LibraryPage
from app.ui.assessor.opening import Opened
from app.ui.assessor.replay_screen import ReplayScreen
from app.ui.assessor.words import tr
from app.ui.workers import TaskHandle, TaskState, run_task

if TYPE_CHECKING:
    from app.central.store import CentralStore

CENTRAL = "central"
LOCAL = "local"

NO_MARKING = (
    "This session is held by the training centre's store and is read-only here: marks, "
    "comments, the verdict and sign-off are made on the PC that recorded it, and reach the "
    "centre with that PC's next sync."
)


def configured_url() -> str | None:
    """The machine configuration's `[store] url`, or None (not set, or the file is broken:
    start-up has said so already)."""
    from app.config import ConfigError, load_config

    try:
        url = str(load_config().get("store.url") or "").strip()
    except (ConfigError, OSError):
        return None
    return url or None


def plain_line(message: str) -> str:
    """A worker's failure ("CentralUnreachableError: cannot reach ...") as one plain line
    that says what to do."""
    first = message.split(": ", 1)
    text = first[1] if len(first) == 2 and first[0].endswith("Error") else message
    text = text.strip().splitlines()[0] if text.strip() else text
    return text.rstrip(".") + " — check the network or ask IT."


class CentralSource(QObject):
    """Opens the central store at `url` in a worker (once); `opener` is the store's class
    (tests may pass another)."""

    sig_store_opened = Signal(object)
    """The central store is open (the `CentralStore`)."""

    sig_store_failed = Signal(str)
    """It could not be opened: one plain line saying what to do."""

    def __init__(
        self,
        url: str,
        pool: QThreadPool,
        *,
        opener: Callable[[str], Any] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.url = url
        self.pool = pool
        self.store: CentralStore | None = None
        self._opener = opener
        self._task: TaskHandle | None = None

    @property
    def busy(self) -> bool:
        return self._task is not None

    def open(self) -> None:
        """Open the store (in a worker); `sig_store_opened` or `sig_store_failed` follows."""
        if self.store is not None:
            self.sig_store_opened.emit(self.store)
            return
        if self._task is not None:
            return
        url, opener = self.url, self._opener

        def work(state: TaskState) -> Any:
            if opener is not None:
                store = opener(url)
            else:
                from app.central.store import CentralStore

                store = CentralStore(url, timeout=5.0)
            if state.cancelled():  # the area was left meanwhile: nobody will close it
                store.close()
            return store

        self._task = run_task(
            self.pool, work, parent=self, on_done=self._opened, on_failed=self._failed
        )

    def _opened(self, store: CentralStore) -> None:
        self._task = None
        self.store = store
        self.sig_store_opened.emit(store)

    def _failed(self, message: str) -> None:
        self._task = None
        self.sig_store_failed.emit(plain_line(message))

    def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        store, self.store = self.store, None
        if store is not None:
            store.close()


# -- reading and checking a central session (plain Python, run in workers) -----------------


@dataclass(frozen=True)
class CentralChecked:
    """What the second step found: the replay with its scenario and rebuild, and every
    check in order (the first with `ok` False is the first difference)."""

    replay: Replay
    checks: list[CentralCheck]

    @property
    def altered(self) -> CentralCheck | None:
        return next((c for c in self.checks if c.ok is False), None)


def central_glance(store: CentralStore, session_id: str) -> Opened:
    """The stored call and its event chain, from the central store (no marks: those are
    the PC's); the automatic result is shown as the result."""
    info = store.session(session_id)
    if info is None:
        raise UnknownSessionError(session_id)
    events = store.events(session_id)
    items, duration = build_timeline(events)
    replay = Replay(info, events, items, duration, None, None, store.verify(session_id), None)
    result = store.result(session_id)
    reviewed = reviewed_result(result, {}) if result is not None else None
    return Opened(replay, reviewed, [], None)


def central_complete(store: CentralStore, partial: Replay) -> CentralChecked:
    """The central checks, then the call rebuilt and re-scored with the scenario text the
    central store holds (as `callsim verify --central`: `app.central.views`)."""
    sid = partial.session.id
    checks = central_checks(store, sid, verify_audit=verify_audit)
    try:
        rebuilt = Rebuilder(store).rebuild(sid, partial.events)
    except LookupError:
        raise UnknownSessionError(sid) from None
    if rebuilt.scenario is None:
        replay = replace(partial, rebuild_error=rebuilt.error)
    else:
        replay = replace(
            partial,
            scenario=rebuilt.scenario,
            scenario_matches=True,
            rebuilt_equal=rebuilt.equal,
            rebuild_error=rebuilt.error,
        )
    return CentralChecked(replay, checks + rebuilt.checks)


def central_banner(checked: CentralChecked) -> tuple[str, bool]:
    """The verification banner: (words, good)."""
    bad = checked.altered
    if bad is not None:
        return tr("✗ ALTERED in the central store: ") + f"{bad.name}: {bad.detail}", False
    done = sum(1 for c in checked.checks if c.ok)
    missing = [c.name for c in checked.checks if c.ok is None]
    text = tr("✓ Verified in the central store: nothing differs ({n} checks)").replace(
        "{n}", str(done)
    )
    if missing:
        text += tr("; not checked: ") + ", ".join(missing)
    return text, True


# -- the CSV of central results ------------------------------------------------------------


def central_results_csv(
    store: CentralStore,
    out: Path,
    *,
    trainee: str | None = None,
    scenario_id: str | None = None,
    since: datetime | None = None,
) -> int:
    """Write the CSV of the central sessions matching the filters (`app.central.views`, as
    `callsim export --central`); returns the count."""
    text, n = results_csv(store, trainee=trainee, scenario_id=scenario_id, since=since)
    write_atomically(out, text.encode("utf-8"), what="CSV export")
    return n


# -- the library, the replay screen and the reports ----------------------------------------


class CentralLibraryPage(LibraryPage):
    """The library page over the central store; a failed read is one plain line, and
    `sig_connection_lost` says the store must be opened again."""

    sig_connection_lost = Signal(str)
    """A read failed because the connection is gone (the plain line shown)."""

    def _failed(self, message: str) -> None:
        line = plain_line(message)
        super()._failed(line)
        self.count.setText(line)
        if message.startswith("CentralUnreachableError"):
            self.sig_connection_lost.emit(line)


class CentralExporter(Exporter):
    """Reports of central sessions (the central report page, as HTML or PDF) and the CSV of
    central results."""

    def __init__(
        self,
        central: CentralStore,
        local: SessionStore,
        marking: Marking,
        pool: QThreadPool,
        ask: SaveAsker | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(local, marking, pool, ask, parent)
        self.central = central

    def _report(
        self, session_id: str, scenarios: ScenarioFinder | None, generated: Generated
    ) -> tuple[str, SessionInfo | None]:
        central = self.central
        partial = central_glance(central, session_id).replay
        checked = central_complete(central, partial)
        html = central_report_html(
            central,
            session_id,
            checks=[(c.name, c.ok, c.detail) for c in checked.checks],
            where=central.where,
            proves=CENTRAL_PROVES,
            audit=central.audit_rows(session_id),
            generated=generated,
        )
        return html, partial.session

    def _results(
        self, out: Path, trainee: str | None, scenario_id: str | None, since: datetime | None
    ) -> None:
        central_results_csv(
            self.central, out, trainee=trainee, scenario_id=scenario_id, since=since
        )


class CentralReplayScreen(ReplayScreen):
    """The replay screen on a central session: read-only (every marking control disabled,
    with `NO_MARKING` saying why), verified with the central checks."""

    sig_central_checked = Signal(object)
    """The central checks are done (the `CentralChecked`); the banner shows them."""

    def __init__(
        self,
        central: CentralStore,
        store: SessionStore,
        marking: Marking,
        pool: QThreadPool,
        exporter: Exporter,
        **kwargs: Any,
    ) -> None:
        """`store` and `marking`: this PC's (the screen's parts need them; nothing is
        written through them from here)."""
        super().__init__(store, marking, pool, exporter, **kwargs)
        self.central = central
        self.checked: CentralChecked | None = None
        self.read_only = QLabel(tr(NO_MARKING))
        self.read_only.setObjectName("banner")
        self.read_only.setProperty("state", "warn")
        self.read_only.setWordWrap(True)
        self.read_only.setAccessibleName(tr("Read-only: a session of the central store"))
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        layout.insertWidget(2, self.read_only)  # under the header, in place of the sign-off
        self.signoff.hide()

    def load(self, session_id: str, scenarios: ScenarioFinder) -> None:
        """Open a central session: the stored call and its chain first, then the central
        checks, the rebuild and the re-score (both in workers)."""
        self.player.pause()
        self._loading += 1
        token = self._loading
        self.session_id = session_id
        self._scenarios = None
        self.checked = None
        self.header.show_loading()
        central = self.central

        def failed(message: str) -> None:
            if token == self._loading:
                text = message.split(": ", 1)[-1]
                self.header.show_problem(tr("This session could not be opened: ") + text)
                self.sig_replay_failed.emit(text)

        def previewed(opened: Opened) -> None:
            if token != self._loading:
                return
            self.show_opened(opened, complete=False)
            run_task(
                self.pool,
                lambda _s: central_complete(central, opened.replay),
                parent=self,
                on_done=lambda checked: self._checked(token, checked),
                on_failed=failed,
            )

        run_task(
            self.pool,
            lambda _s: central_glance(central, session_id),
            parent=self,
            on_done=previewed,
            on_failed=failed,
        )

    def _checked(self, token: int, checked: CentralChecked) -> None:
        if token != self._loading or checked.replay.session.id != self.session_id:
            return
        self.checked = checked
        self._completed(token, checked.replay)

    def _completed(self, token: int, replay: Replay) -> None:
        if token != self._loading or replay.session.id != self.session_id:
            return
        checked = self.checked
        super()._completed(token, replay)
        if checked is not None:  # show_replay drew the PC's banner: the central one instead
            words, good = central_banner(checked)
            self.header.show_verified(words, good=good)
            self.sig_central_checked.emit(checked)

    def show_signed(self, signed: Any) -> None:
        """Always locked: nothing is marked on a central session."""
        self.signoff.show_state(signed)
        for panel in (self.marking_panel, self.comments, self.verdict):
            panel.set_locked(True)

    def show_moderation(self, opened: Opened) -> None:
        super().show_moderation(opened)
        self.signoff.hide()

    # Defence in depth: the controls are disabled, but no request may reach the PC's store.
    def _refuse(self, *_args: Any) -> None:
        self.sig_status_posted.emit(tr(NO_MARKING))

    _mark_requested = _refuse  # type: ignore[assignment]
    _comment_requested = _refuse  # type: ignore[assignment]
    _verdict_requested = _refuse  # type: ignore[assignment]
    _withdraw_requested = _refuse  # type: ignore[assignment]
    _sign_off_requested = _refuse  # type: ignore[assignment]
    _reopen_requested = _refuse  # type: ignore[assignment]
    _second_marking_submitted = _refuse  # type: ignore[assignment]
