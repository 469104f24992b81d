"""Builds the project's spaCy pipeline (blank English + lookup lemmas + clinic terminology)."""
