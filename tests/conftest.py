"""Plugins for every test; fixtures of one kind of test live in its own folder."""

pytest_plugins = ["tests.support.db", "infrastructure.exact.sandbox.pytest_plugin"]
