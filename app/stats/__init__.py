"""Assessment (统一考核): case indicators by street, department, category, source and time; post
indicators for collectors and cell heads; the overview's data; CSV, workbook and bulletin exports.

The definitions are in indicators.py (and docs/STATS.md); every figure is computed in SQL over
the caller's scope (scope.py), grouped by one dimension (groups.py) over a period (periods.py).
"""
