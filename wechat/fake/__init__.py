"""A fake WeChat API: a real HTTP server speaking WeChat's request and response shapes.

Shipped, not test-only: development without WECHAT_APPID runs against it.
"""
