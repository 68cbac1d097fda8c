"""The assessor's workspace without Qt: passphrase, session library, replay, marks with an
audit trail, reports and exports. The screens live in app/ui/assessor/."""

from app.assessor.auth import AssessorAuth, WeakPassphrase, WrongPassphrase
from app.assessor.library import LibraryRow, query_sessions, resolve_session
from app.assessor.marks import AuditEntry, Comment, Mark, MarkError, Marking, Verdict
from app.assessor.replay import Replay, ScenarioFinder, TimelineItem, open_replay
from app.assessor.report import ProgressPoint, export_csv, progress, report_html
from app.assessor.reviewed import reviewed_result

__all__ = [
    "AssessorAuth",
    "AuditEntry",
    "Comment",
    "LibraryRow",
    "Mark",
    "MarkError",
    "Marking",
    "ProgressPoint",
    "Replay",
    "ScenarioFinder",
    "TimelineItem",
    "Verdict",
    "WeakPassphrase",
    "WrongPassphrase",
    "export_csv",
    "open_replay",
    "progress",
    "query_sessions",
    "report_html",
    "resolve_session",
    "reviewed_result",
]
