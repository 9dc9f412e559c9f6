"""Every state change of a meeting: one function each, atomic, permission-checked, audited,
announced after commit (through meetings.events.emit). Split by topic."""
