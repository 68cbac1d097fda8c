"""Plain text handling shared by the scenario format and the matcher: normalising what a
trainee typed (case, punctuation, typos, text-speak). The bottom layer: imports nothing of app."""

from app.text.normalise import data_lines, normalise, tokens

__all__ = ["data_lines", "normalise", "tokens"]
