"""The staff web inbox: server-rendered Jinja pages in Chinese under /inbox.

The pages use the same service functions as /api/v1/inbox; this package only adds
forms, server-side sessions (auth.py), CSRF protection and HTML error pages. Front-end
libraries are vendored in static/vendor (see vendor.sh): nothing loads from a CDN.
"""
