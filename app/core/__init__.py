"""What every domain stands on: extensions, errors, request parsing, the clock, the job queue.

Imports nothing from the domains, so any of them may import it.
"""
