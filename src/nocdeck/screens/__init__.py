"""Textual screens; only app.py imports this package."""
