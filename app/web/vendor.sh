#!/usr/bin/env bash
# Reproduce app/web/static/vendor/ from the npm registry: the exact versions pinned in
# package.json / package-lock.json, installed with `npm ci`, then only the files the pages
# load are copied, each with its LICENSE. The copies are committed; nothing is fetched from
# a CDN at run time and npm is not needed to run or test the app.
# Usage: bash app/web/vendor.sh   (or: npm run vendor). To upgrade: change the version in
# package.json, run `npm install` (updates package-lock.json), then run this script.
set -euo pipefail
cd "$(dirname "$0")/../.."

npm ci --ignore-scripts --no-audit --no-fund

out=app/web/static/vendor
rm -rf "$out/htmx" "$out/leaflet" "$out/echarts"
mkdir -p "$out/htmx" "$out/leaflet/images" "$out/echarts"

cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx/"
cp node_modules/htmx.org/LICENSE "$out/htmx/LICENSE"

cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css "$out/leaflet/"
cp node_modules/leaflet/dist/images/*.png "$out/leaflet/images/"
cp node_modules/leaflet/LICENSE "$out/leaflet/LICENSE"

# The full build: the statistics overview needs its map series (the grid's own GeoJSON).
cp node_modules/echarts/dist/echarts.min.js "$out/echarts/"
cp node_modules/echarts/LICENSE node_modules/echarts/NOTICE "$out/echarts/"

version() { node -p "require('./node_modules/$1/package.json').version"; }
{
  echo "# Written by app/web/vendor.sh; do not edit by hand."
  echo "htmx.org $(version htmx.org)"
  echo "leaflet $(version leaflet)"
  echo "echarts $(version echarts)"
} > "$out/VERSIONS.txt"
cat "$out/VERSIONS.txt"
