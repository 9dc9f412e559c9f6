"""Statistics and reports (tender fn48, fn52, fn53, fn119, fn138): read-only aggregate queries
(reports.py), their charts (charts.py, matplotlib imported lazily) and exports (exports.py).
Who sees what is ecabinet/access.py's `statistics_scope`."""
