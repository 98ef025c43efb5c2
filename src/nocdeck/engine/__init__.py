"""The workflow engine: plan, run, approvals, events. Never imports Textual."""
