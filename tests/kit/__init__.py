"""The one test kit: named users (users.py), objects built through the actions (factories.py),
rooms and whole meetings built from them (rooms.py, meetings.py), the one set of test files
(files.py), the base test cases (cases.py) and one set of browser fixtures (browser.py, loaded
by tests/conftest.py)."""
