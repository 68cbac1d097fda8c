"""Reusable Qt widgets for the trainee screens."""
