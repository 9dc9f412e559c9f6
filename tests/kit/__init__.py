"""The one test kit: named users (users.py), objects built through the actions (factories.py),
one set of browser fixtures (browser.py, loaded by tests/conftest.py)."""
