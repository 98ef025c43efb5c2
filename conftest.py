"""Root conftest: the shared fixtures live in tests/fixtures/, one module per concern."""

pytest_plugins = [
    "tests.fixtures.isolation",
    "tests.fixtures.lab",
    "tests.fixtures.store",
]
