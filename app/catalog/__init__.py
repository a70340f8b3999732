"""Reference data every domain reads: categories (部件/事件) and departments (承办单位).

Kept apart from reports and cases because both depend on it; it depends on neither.
Minor category codes are provisional local data, so they live in rows, not code.
"""
