#!/usr/bin/env bash
# CI smoke test: every benchmark in --quick mode (tiny sizes, about 1.5 minutes in all).
# Proves the scripts still run and their answers are right; the figures are not judged.
# Needs PostgreSQL (127.0.0.1:5432, trust auth) and Redis (127.0.0.1:6379): the service
# benchmarks make their own bench_* databases and use Redis db 7, never `test` or db 15.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-.venv/bin/python}
status=0
for script in grid_lookup photo_pipeline intake end_to_end inbox_queries stats_queries; do
  echo "=== bench/$script.py --quick"
  "$PY" "bench/$script.py" --quick || { echo "bench/$script.py --quick FAILED" >&2; status=1; }
done
exit "$status"
