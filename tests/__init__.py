"""Cross-app suites: the access matrix, faults, backup, security and the browser journeys (app tests stay in
their apps)."""
