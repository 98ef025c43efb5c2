"""Device drivers behind one interface (nocdeck.providers.base)."""
