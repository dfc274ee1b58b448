"""The test suite (a package, so `tests.helpers` is ours even if an installed
distribution ships a top-level `tests` package)."""
