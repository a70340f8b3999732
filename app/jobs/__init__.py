"""Background work: after-commit follow-ups, the periodic sweeper, and the rq worker.

Domains register their jobs here (`register(app)` in their jobs.py); this package
imports no domain, so the package graph stays a DAG.
"""
