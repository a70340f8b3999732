"""Daily patrols (巡查) by grid information collectors: sign-in geofence, findings, zero reports,
per-cell compliance against a daily cut-off, and statistics."""
