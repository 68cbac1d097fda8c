"""The grammar of the rubric, the debrief and the playtests (see `grammar.py`)."""

from __future__ import annotations

from app.scenario.grammar_kinds import (
    ANCHOR,
    BOOL,
    CRITERION_KIND,
    DURATION,
    ENDED_BY,
    EVIDENCE_VALUE,
    ID,
    LINE_ID,
    PERCENT,
    SCORE,
    STATUS,
    TEXT,
    TEXTS,
    TRUE,
    WEIGHT,
    Key,
    ListOf,
    MapOf,
    Section,
    or_list,
)

# -- rubric --------------------------------------------------------------------------------
_ANCHORED = ("intent", "flag", "log", "line", "mark", "ended_by")  # kinds that take anchors
_EVIDENCE_KEYS = (
    Key("intent", ID, "the trainee said something carrying this intent", role="kind"),
    Key("flag", ID, "the flag was raised", role="kind"),
    Key("log", ID, "the log field was filled in", role="kind", form="FIELD"),
    Key("line", LINE_ID, "the caller said this line", role="kind"),
    Key("mark", ID, "the moment happened", role="kind", form="NAME"),
    Key("ended_by", ENDED_BY, "this side ended the call", role="kind"),
    Key(
        "all",
        ListOf(EVIDENCE_VALUE, nonempty=True),
        "every item is found",
        role="kind",
        form="[evidence...]",
    ),
    Key(
        "any",
        ListOf(EVIDENCE_VALUE, nonempty=True),
        "at least one item is found",
        role="kind",
        form="[evidence...]",
    ),
    Key(
        "not",
        EVIDENCE_VALUE,
        "the evidence inside is not found (e.g. `{not: {intent: dismiss_allegation}}`: never "
        "said it)",
        role="kind",
        form="EVIDENCE",
    ),
    Key(
        "held_at_end",
        BOOL,
        "the flag was still raised when the call ended",
        role="option",
        applies_to=("flag",),
        form="true",
    ),
    Key(
        "contains_any",
        TEXTS,
        "one of these words (or a synonym: cop, PC = officer; pics = pictures) is in the field",
        role="option",
        applies_to=("log",),
        form="[words]",
    ),
    Key("after", ANCHOR, "found only after this moment", role="option", applies_to=_ANCHORED),
    Key("before", ANCHOR, "found only before this moment", role="option", applies_to=_ANCHORED),
    Key(
        "within",
        DURATION,
        "found within this long of the `after` anchor",
        role="option",
        applies_to=_ANCHORED,
    ),
)
EVIDENCE = Section(
    "evidence",
    _EVIDENCE_KEYS,
    "evidence: exactly one of "
    + ", ".join(k.name for k in _EVIDENCE_KEYS if k.role == "kind")
    + "; anchors ("
    + ", ".join(k.name for k in _EVIDENCE_KEYS if k.applies_to == _ANCHORED)
    + f") on {or_list(_ANCHORED, 'and')} evidence",
)
CRITERION = Section(
    "criterion",
    (
        Key("id", ID, "names the criterion in the result and in playtests", required=True),
        Key("title", TEXT, "what the trainee should have done", required=True),
        Key("weight", WEIGHT, "greater than 0", required=True),
        Key(
            "kind",
            CRITERION_KIND,
            "`required` (the default: earns its weight when the evidence is found), "
            "`prohibited` (loses its weight when the evidence is found) or `manual` (left to "
            "an assessor, not in the automatic score)",
        ),
        Key(
            "critical",
            BOOL,
            "a missed critical requirement or a violated critical prohibition fails the call "
            "whatever the score",
        ),
        Key("evidence", EVIDENCE_VALUE, "what proves it (a manual criterion needs none)"),
        Key("feedback_met", TEXT, "shown when the criterion is met (or not violated)"),
        Key("feedback_missed", TEXT, "shown when it is missed (or violated)"),
    ),
    "a rubric criterion",
)
METRIC = Section(
    "metric",
    (
        Key("at", ANCHOR, "the time it happened"),
        Key("from", ANCHOR, "with `to`: the seconds from this moment..."),
        Key("to", ANCHOR, "...to this one (only when it comes after `from`)"),
    ),
    "a timing figure: {at: ANCHOR}, or {from: ANCHOR, to: ANCHOR} (seconds between)",
)
BUILT_IN_METRICS = ("duration_s",)
RUBRIC = Section(
    "rubric",
    (
        Key("pass_mark", PERCENT, "the score needed to pass, 0 to 100", required=True),
        Key("criteria", ListOf(CRITERION, nonempty=True), "the criteria", required=True),
        Key(
            "metrics",
            MapOf(METRIC, "name", reserved=BUILT_IN_METRICS),
            "timing figures for the result (`duration_s` is built in)",
        ),
    ),
    "how the call is scored",
)
DEBRIEF = Section(
    "debrief",
    (
        Key("summary", TEXT, "what the call was about"),
        Key("questions", TEXTS, "questions for the trainee to think over"),
        Key("learning_points", TEXTS, "what the call teaches"),
    ),
    "shown after the call",
)

# -- playtests -----------------------------------------------------------------------------
_STEP_KEYS = (
    Key("say", TEXT, "the trainee says this", role="action"),
    Key("wait", DURATION, "the trainee stays silent this long", role="action"),
    Key("flag", ID, "the trainee raises this flag", role="action"),
    Key("unflag", ID, "the trainee lowers this flag", role="action"),
    Key(
        "log",
        MapOf(TEXT, "field", nonempty=True),
        "the trainee writes in the log",
        role="action",
        form="{field: TEXT}",
    ),
    Key("end_call", TRUE, "the trainee ends the call", role="action"),
    Key("caller", LINE_ID, "playtests: the caller says this line next", role="action"),
    Key(
        "expect_intent",
        ListOf(ID, single=True),
        "on a say step: intents that must be among those heard",
        role="check",
        applies_to=("say",),
    ),
)
STEP = Section(
    "step",
    _STEP_KEYS,
    "a step: exactly one of " + ", ".join(k.name for k in _STEP_KEYS if k.role == "action"),
)
SCORE_RANGE = Section(
    "score_range",
    (Key("min", PERCENT, "at least this"), Key("max", PERCENT, "at most this")),
    "a score range",
)
EXPECT = Section(
    "expect",
    (
        Key("passed", BOOL, "whether the call passed"),
        Key("score", SCORE, "the score, or a range it must fall in", form="N or {min, max}"),
        Key("critical_failures", ListOf(ID), "the exact list of critical failures"),
        Key(
            "criteria",
            MapOf(STATUS, "criterion_id", ids=False),
            "the status of each criterion named",
        ),
        Key("ended_by", ENDED_BY, "who ended the call"),
    ),
    "what the playtest's result must show",
)
PLAYTEST = Section(
    "playtest",
    (
        Key("name", TEXT, "what the playtest shows", required=True),
        Key("steps", ListOf(STEP, nonempty=True), "the trainee's steps", required=True),
        Key("expect", EXPECT, "what the result must show"),
    ),
    "a playtest",
)
TRANSCRIPT = Section(
    "transcript",
    (Key("name", TEXT), PLAYTEST.key("steps"), PLAYTEST.key("expect")),
    "a `callsim play` transcript written as a mapping",
)
