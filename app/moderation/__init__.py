"""Content security: WeChat's text and image checks on what reporters send us."""
