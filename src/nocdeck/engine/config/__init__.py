"""The platform config model behind `nocdeck.engine.configtext`: trees, tables, editors."""
