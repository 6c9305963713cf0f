"""The registrations app's management commands (commands/) and what they share (text.py:
arguments a database can hold, lines a terminal shows as they are)."""
