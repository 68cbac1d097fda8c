"""callsim: a 999 call-handling simulator for police control-room trainees."""

__version__ = "0.2.0"  # the one place the version is written (pyproject reads it)
