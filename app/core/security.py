"""Security headers on every answer, and which reverse proxies to believe.

Pages get a Content-Security-Policy without inline scripts or styles: scripts and
styles come from our own static files only (htmx and Leaflet are vendored), images
from ourselves, data: URIs (Leaflet blanks a cancelled tile with one), the map tile
server (MAP_TILE_URL) and, with S3 storage, the bucket's presigned URLs. Everything
else (JSON, images, files) gets `default-src 'none'`: it is never a document to run.
"""
from urllib.parse import urlsplit

from flask import request
from werkzeug.middleware.proxy_fix import ProxyFix

API_POLICY = "default-src 'none'; frame-ancestors 'none'"
POLICY_KEY = "microgrid.page_policy"
FIXED_HEADERS = {
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate CSP level 2
    "X-Content-Type-Options": "nosniff",
    # Page paths (case ids, filters) stay inside the site; map tiles ask for more in web.js.
    "Referrer-Policy": "same-origin",
}


def init_app(app):
    trust_proxies(app, app.config["TRUSTED_PROXIES"])
    app.extensions[POLICY_KEY] = page_policy(app.config)
    app.after_request(lambda response: add_security_headers(app, response))


def trust_proxies(app, hops):
    # Without this, behind nginx every client has the proxy's address (one shared
    # rate limit for everybody) and no request looks like HTTPS (no HSTS).
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def add_security_headers(app, response):
    headers = response.headers
    is_page = response.mimetype == "text/html"
    headers.setdefault("Content-Security-Policy", app.extensions[POLICY_KEY] if is_page else API_POLICY)
    for name, value in FIXED_HEADERS.items():
        headers.setdefault(name, value)
    hsts_seconds = app.config["HSTS_SECONDS"]
    if request.is_secure and hsts_seconds:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts_seconds}")
    return response


def page_policy(config):
    images = ["'self'", "data:", *tile_sources(config["MAP_TILE_URL"]), *photo_sources(config)]
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src " + " ".join(images),
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ])


def tile_sources(tile_url):
    """The tile server as a CSP source; a {s} subdomain label becomes a wildcard."""
    parts = urlsplit(tile_url)
    labels = ["*" if "{" in label else label for label in parts.netloc.split(".")]
    host = ".".join(labels[labels.index("*"):]) if "*" in labels else parts.netloc
    if host in ("", "*"):
        return [f"{parts.scheme or 'https'}:"]  # a host we cannot name: any host of that scheme
    return [f"{parts.scheme}://{host}" if parts.scheme else host]


def photo_sources(config):
    """Where presigned photo URLs point: the S3 endpoint (path-style), or AWS itself."""
    if config["STORAGE_BACKEND"] != "s3":
        return []  # local photos are under /media, on this origin
    endpoint = config["S3_ENDPOINT_URL"]
    if endpoint:
        parts = urlsplit(endpoint)
        return [f"{parts.scheme}://{parts.netloc}"]
    return ["https://*.amazonaws.com", "https://*.amazonaws.com.cn"]
