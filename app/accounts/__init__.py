"""Who is calling: WeChat users and staff, tokens, roles, and bindings to grid cells."""
