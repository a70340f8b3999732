"""Operating the service: health and readiness, demo data."""
