"""Catalog: task and workflow definitions as files, their validation and rendering."""
