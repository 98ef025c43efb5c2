"""Recorded interactive SSH sessions."""
