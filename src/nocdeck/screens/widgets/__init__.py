"""Widgets shared by the screens: form fields, the diff view, the coalesced log."""
