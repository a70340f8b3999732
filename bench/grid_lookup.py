"""Point -> cell lookup speed of app.grid.index.CellIndex, with no database.

    .venv/bin/python bench/grid_lookup.py            # full run (~1 minute on 2 cores)
    .venv/bin/python bench/grid_lookup.py --quick    # tiny sizes, a few seconds (CI smoke test)

Grids:
  demo        the 926-cell demo grid (app.grid.demo.build_demo_features), polygons
              parsed with shapely.from_geojson as service.build_cell_index does
  lattice     a square lattice of ~110 m boxes over the demo grid's bounding box
              (100,000 cells; built vectorised with shapely.box)
  voronoi     100,000 Voronoi cells (~7 vertices each) of random seeds, clipped to the
              same box: irregular shapes closer to real cell boundaries

Modes (all µs per point, median of --repeats timed runs after a warm-up):
  single      index.locate(lat, lng) in a Python loop over --single points
  bulk        index.locate_many(lats, lngs) over --bulk points
  single+gcj  datum.to_wgs84(lat, lng, "gcj02") then index.locate: what a request pays
  bulk+gcj    datum.to_wgs84_many(lats, lngs, "gcj02") (numpy), then one locate_many
  (before)    the same as single / single+gcj with the app's code before the speed-ups
              (shapely.Point + scalar STRtree.query; prcoords.gcj_wgs_bored): bench-only
  naive       for each point, unprepared polygons in code order, `polygon.covers(point)`
              until the first hit (lowest code wins, like the index). Timed on a subsample;
              the per-test cost is multiplied by the mean number of tests the full sample
              needs (hit rank + 1, known from the index's answers) to give µs/point.

Correctness checked in the same run: single == bulk == before on a sample (including
points exactly on shared edges and corners for the lattice), naive == index on the naive
subsample, datum.to_wgs84 / to_gcj02 bit-identical to prcoords, to_wgs84_many within
1 mm of to_wgs84, and the GCJ-02 round trip lands in the same cell.
"""
import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness  # noqa: E402  (bench/ is on sys.path when run as a script)
import prcoords  # noqa: E402

from app.grid import datum  # noqa: E402
from app.grid.demo import build_demo_features  # noqa: E402
from app.grid.index import CellIndex, CellRecord  # noqa: E402

TARGET_US = 10.0  # per point, at 100,000 cells
# The demo grid's bounding box (WGS-84), roughly Jinshan: 45 km x 27 km.
BOUNDS = (120.975, 30.685, 121.445, 30.930)


# ------------------------------------------------------------------ grids


def demo_grid():
    features = build_demo_features()["features"]
    cells = [f for f in features if f["properties"]["level"] == "cell"]
    parents = {f["properties"]["code"]: f["properties"] for f in features}
    records, geojson = [], []
    for f in cells:
        p = f["properties"]
        community = parents[p["parent_code"]]
        street = parents[community["parent_code"]]
        records.append(CellRecord(p["code"], p["name"], community["code"], community["name"],
                                  street["code"], street["name"]))
        geojson.append(json.dumps(f["geometry"]))
    return records, geojson


def synthetic_records(n):
    # 15-digit codes like the real ones, zero-padded so code order == build order.
    return [CellRecord(f"310116{i:09d}", f"cell {i}", f"310116{i // 400:06d}", "c",
                       f"310116{i // 10000:03d}", "s") for i in range(n)]


def lattice_grid(nx, ny):
    minx, miny, maxx, maxy = BOUNDS
    xs = np.linspace(minx, maxx, nx + 1)
    ys = np.linspace(miny, maxy, ny + 1)
    x0, y0 = np.meshgrid(xs[:-1], ys[:-1])
    x1, y1 = np.meshgrid(xs[1:], ys[1:])
    boxes = shapely.box(x0.ravel(), y0.ravel(), x1.ravel(), y1.ravel())
    return synthetic_records(len(boxes)), shapely.to_geojson(boxes).tolist(), (xs, ys)


def voronoi_grid(n, seed=1):
    rng = np.random.default_rng(seed)
    minx, miny, maxx, maxy = BOUNDS
    seeds = shapely.points(rng.uniform(minx, maxx, n), rng.uniform(miny, maxy, n))
    frame = shapely.box(*BOUNDS)
    regions = shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=frame, ordered=True)
    cells = shapely.intersection(shapely.get_parts(regions), frame)
    return synthetic_records(len(cells)), shapely.to_geojson(cells).tolist()


# ------------------------------------------------------------------ points


def points_inside(polygons, count, rng):
    """Uniform random WGS-84 points inside the union of `polygons` (lat, lng arrays)."""
    coverage = shapely.union_all(polygons)
    shapely.prepare(coverage)
    minx, miny, maxx, maxy = coverage.bounds
    lats, lngs = [], []
    while sum(map(len, lats)) < count:
        x = rng.uniform(minx, maxx, count)
        y = rng.uniform(miny, maxy, count)
        keep = shapely.contains_xy(coverage, x, y)
        lngs.append(x[keep])
        lats.append(y[keep])
    return np.concatenate(lats)[:count], np.concatenate(lngs)[:count]


def to_gcj(lats, lngs):
    pairs = [datum.to_gcj02(a, b) for a, b in zip(lats.tolist(), lngs.tolist())]
    return np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs])


# ------------------------------------------------------------------ before (bench-only references)
# What the app did before the changes measured here (bench/README.md), kept to show the gain
# in the same run. Each is checked against the app's answers.


def before_locate(index, lat, lng):
    """CellIndex.locate as it was: shapely.Point and a scalar STRtree.query."""
    hits = index.tree.query(shapely.Point(lng, lat), predicate="intersects")
    return index.records[hits.min()] if len(hits) else None


def before_to_wgs84(lat, lng):
    """datum.to_wgs84(..., "gcj02") as it was: prcoords itself."""
    point = prcoords.gcj_wgs_bored((lat, lng))
    return point.lat, point.lon


# ------------------------------------------------------------------ timing


def median_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def time_single(index, lats, lngs, repeats):
    lat_list, lng_list = lats.tolist(), lngs.tolist()
    locate = index.locate

    def run():
        for lat, lng in zip(lat_list, lng_list):
            locate(lat, lng)

    return median_time(run, repeats) / len(lat_list) * 1e6


def time_single_gcj(index, glats, glngs, repeats):
    lat_list, lng_list = glats.tolist(), glngs.tolist()
    locate, to_wgs84 = index.locate, datum.to_wgs84

    def run():
        for lat, lng in zip(lat_list, lng_list):
            locate(*to_wgs84(lat, lng, "gcj02"))

    return median_time(run, repeats) / len(lat_list) * 1e6


def time_bulk(index, lats, lngs, repeats):
    return median_time(lambda: index.locate_many(lats, lngs), repeats) / len(lats) * 1e6


def time_bulk_gcj(index, glats, glngs, repeats):
    """datum.to_wgs84_many (numpy) then one locate_many."""
    def run():
        index.locate_many(*datum.to_wgs84_many(glats, glngs, "gcj02"))

    return median_time(run, repeats) / len(glats) * 1e6


def time_datum_only(glats, glngs, repeats, convert=None):
    lat_list, lng_list = glats.tolist(), glngs.tolist()
    to_wgs84 = datum.to_wgs84

    def run():
        if convert is None:
            for a, b in zip(lat_list, lng_list):
                to_wgs84(a, b, "gcj02")
        else:
            for a, b in zip(lat_list, lng_list):
                convert(a, b)

    return median_time(run, repeats) / len(lat_list) * 1e6


def time_datum_many(glats, glngs, repeats):
    return median_time(lambda: datum.to_wgs84_many(glats, glngs, "gcj02"), repeats) / len(glats) * 1e6


def time_before_single(index, lats, lngs, repeats, gcj=False):
    lat_list, lng_list = lats.tolist(), lngs.tolist()

    def run():
        for lat, lng in zip(lat_list, lng_list):
            if gcj:
                lat, lng = before_to_wgs84(lat, lng)
            before_locate(index, lat, lng)

    return median_time(run, repeats) / len(lat_list) * 1e6


def naive_locate(polygons, lat, lng):
    """(position in code order, tests made) of the first polygon covering the point."""
    point = shapely.Point(lng, lat)
    for i, polygon in enumerate(polygons):
        if polygon.covers(point):
            return i, i + 1
    return None, len(polygons)


def time_naive(naive_polygons, index, lats, lngs, sub, full_ranks):
    """Returns (µs/point extrapolated, µs/point measured on subsample, µs/test, mismatches)."""
    sub_lats, sub_lngs = lats[:sub].tolist(), lngs[:sub].tolist()
    naive_locate(naive_polygons, sub_lats[0], sub_lngs[0])  # warm-up
    tests = 0
    mismatches = 0
    start = time.perf_counter()
    answers = [naive_locate(naive_polygons, a, b) for a, b in zip(sub_lats, sub_lngs)]
    elapsed = time.perf_counter() - start
    for (pos, n), a, b in zip(answers, sub_lats, sub_lngs):
        tests += n
        rec = index.locate(a, b)
        if (rec.code if rec else None) != (index.records[pos].code if pos is not None else None):
            mismatches += 1
    per_test = elapsed / tests * 1e6
    mean_tests = float(np.mean(full_ranks + 1))
    return per_test * mean_tests, elapsed / sub * 1e6, per_test, mismatches


# ------------------------------------------------------------------ correctness


def codes(records):
    return [r.code if r is not None else None for r in records]


def check_lookups(index, lats, lngs):
    """Mismatches (bulk vs single, before vs single) and points found outside, on a sample."""
    single = codes(index.locate(a, b) for a, b in zip(lats.tolist(), lngs.tolist()))
    bulk = codes(index.locate_many(lats, lngs))
    before = codes(before_locate(index, a, b) for a, b in zip(lats.tolist(), lngs.tolist()))
    return (sum(x != y for x, y in zip(bulk, single)), sum(x != y for x, y in zip(before, single)),
            sum(c is None for c in single))


def metres(dlat, dlng, lat):
    return np.hypot(np.asarray(dlat) * 111_320, np.asarray(dlng) * 111_320 * np.cos(np.radians(lat)))


def check_datum(index, lats, lngs, glats, glngs):
    """The app's conversions against prcoords: single bit for bit, numpy bulk to < 1 mm."""
    direct = codes(index.locate_many(lats, lngs))
    back = np.array([datum.to_wgs84(a, b, "gcj02") for a, b in zip(glats.tolist(), glngs.tolist())])
    via = codes(index.locate_many(back[:, 0], back[:, 1]))
    reference = np.array([before_to_wgs84(a, b) for a, b in zip(glats.tolist(), glngs.tolist())])
    forward = np.array([datum.to_gcj02(a, b) for a, b in zip(lats.tolist(), lngs.tolist())])
    forward_ref = np.array([tuple(prcoords.wgs_gcj((a, b))) for a, b in zip(lats.tolist(), lngs.tolist())])
    vec_lat, vec_lng = datum.to_wgs84_many(glats, glngs, "gcj02")
    via_vec = codes(index.locate_many(vec_lat, vec_lng))
    return {
        "cell_changes": sum(x != y for x, y in zip(direct, via)),
        "roundtrip_max_m": float(metres(back[:, 0] - lats, back[:, 1] - lngs, lats).max()),
        "lean_not_identical": int(np.sum(np.any(reference != back, axis=1))
                                  + np.sum(np.any(forward_ref != forward, axis=1))),
        "vec_max_m": float(metres(vec_lat - back[:, 0], vec_lng - back[:, 1], lats).max()),
        "vec_roundtrip_max_m": float(metres(vec_lat - lats, vec_lng - lngs, lats).max()),
        "vec_cell_changes": sum(x != y for x, y in zip(direct, via_vec)),
    }


def lattice_edge_points(lattice, rng, count):
    """Points exactly on shared edges (rows 0, 1 mod 3) and corners (2 mod 3) of the lattice."""
    xs, ys = lattice
    i = rng.integers(1, len(xs) - 1, count)
    j = rng.integers(1, len(ys) - 1, count)
    f = rng.uniform(0, 1, count)
    kind = np.arange(count) % 3
    lng = np.where(kind == 1, xs[i - 1] + f * (xs[i] - xs[i - 1]), xs[i])  # on a vertical line
    lat = np.where(kind == 0, ys[j - 1] + f * (ys[j] - ys[j - 1]), ys[j])  # on a horizontal line
    return lat, lng


# ------------------------------------------------------------------ main


def bench_grid(name, records, geojson, args, rng, lattice=None):
    grid_start = time.perf_counter()
    start = time.perf_counter()
    polygons = list(shapely.from_geojson(geojson))
    index = CellIndex(records, polygons)
    build_s = time.perf_counter() - start
    # CellIndex prepares its polygons in place; the naive loop gets its own unprepared
    # copies, in code order (the index's order).
    naive_polygons = list(shapely.from_wkb(shapely.to_wkb(index.polygons)))
    assert not any(shapely.is_prepared(naive_polygons))

    n_points = max(args.single, args.bulk)
    lats, lngs = points_inside(index.polygons, n_points, rng)
    glats, glngs = to_gcj(lats, lngs)
    s_lats, s_lngs, sg_lats, sg_lngs = (lats[:args.single], lngs[:args.single],
                                        glats[:args.single], glngs[:args.single])
    b_lats, b_lngs, bg_lats, bg_lngs = lats[:args.bulk], lngs[:args.bulk], glats[:args.bulk], glngs[:args.bulk]

    # Correctness first.
    sample = min(args.check, n_points)
    check = {"sample": sample}
    check["bulk_mism"], check["before_mism"], check["outside"] = check_lookups(index, lats[:sample], lngs[:sample])
    if lattice is not None:
        e_lats, e_lngs = lattice_edge_points(lattice, rng, min(args.check, 3000))
        check["edge_points"] = len(e_lats)
        check["edge_bulk_mism"], check["edge_before_mism"], _ = check_lookups(index, e_lats, e_lngs)
    check.update(check_datum(index, lats[:sample], lngs[:sample], glats[:sample], glngs[:sample]))

    # Rank in code order of each point's cell = tests the naive loop needs - 1.
    code_pos = {r.code: i for i, r in enumerate(index.records)}
    ranks = np.array([code_pos[r.code] for r in index.locate_many(b_lats, b_lngs)])

    r = args.repeats
    rows = {
        "single": time_single(index, s_lats, s_lngs, r),
        "bulk": time_bulk(index, b_lats, b_lngs, r),
        "single+gcj": time_single_gcj(index, sg_lats, sg_lngs, r),
        "bulk+gcj": time_bulk_gcj(index, bg_lats, bg_lngs, r),
        "single (before)": time_before_single(index, s_lats, s_lngs, r),
        "single+gcj (before)": time_before_single(index, sg_lats, sg_lngs, r, gcj=True),
    }
    datum_us = {"to_wgs84": time_datum_only(sg_lats, sg_lngs, r),
                "prcoords": time_datum_only(sg_lats, sg_lngs, r, convert=before_to_wgs84),
                "to_wgs84_many": time_datum_many(bg_lats, bg_lngs, r)}
    naive_sub = min(args.naive_sub if len(records) > 5000 else args.naive_sub * 10, len(b_lats))
    naive_us, naive_measured, per_test, check["naive_mism"] = time_naive(
        naive_polygons, index, b_lats, b_lngs, naive_sub, ranks)
    return {
        "name": name, "cells": len(index), "build_s": build_s, "rows": rows, "naive_us": naive_us,
        "naive_measured": naive_measured, "naive_sub": naive_sub, "per_test": per_test,
        "datum_us": datum_us, "check": check, "seconds": time.perf_counter() - grid_start,
        "vertices": float(np.mean(shapely.get_num_coordinates(index.polygons))),
    }


def machine():
    return harness.machine(f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
                           f"numpy {np.__version__}")


def load():
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes: proves the script runs")
    parser.add_argument("--cells", type=int, default=100_000, help="synthetic grid size")
    parser.add_argument("--single", type=int, default=20_000, help="points for the single-lookup loop")
    parser.add_argument("--bulk", type=int, default=100_000, help="points for locate_many")
    parser.add_argument("--naive-sub", type=int, default=40, help="naive-loop subsample at 100k cells")
    parser.add_argument("--check", type=int, default=5_000, help="points for the correctness checks")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-voronoi", action="store_true", help="skip the 100k Voronoi grid")
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args(argv)
    if args.quick:
        args.cells, args.single, args.bulk, args.naive_sub, args.check, args.repeats = 2_000, 500, 2_000, 5, 300, 2

    rng = np.random.default_rng(args.seed)
    print(f"machine: {machine()}")
    print(f"date:    {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime())} UTC; load average at start {load()}")
    print(f"points:  single {args.single:,}, bulk {args.bulk:,}; µs/point = median of {args.repeats} "
          f"timed runs after a warm-up run")

    results = []
    t = time.perf_counter()
    records, geojson = demo_grid()
    print(f"built demo grid ({len(records)} cells) in {time.perf_counter() - t:.1f}s")
    results.append(bench_grid("demo", records, geojson, args, rng))

    # ~square cells in metres at 30.8°N: the box is 1.6x wider than tall in metres.
    nx = max(2, math.ceil((args.cells * 1.6) ** 0.5))
    ny = max(2, math.ceil(args.cells / nx))
    t = time.perf_counter()
    records, geojson, lattice = lattice_grid(nx, ny)
    print(f"built {len(records):,}-cell lattice ({nx}x{ny}, ~{45_000 / nx:.0f} m boxes) in {time.perf_counter() - t:.1f}s")
    results.append(bench_grid("lattice", records, geojson, args, rng, lattice=lattice))

    if not args.no_voronoi:
        t = time.perf_counter()
        records, geojson = voronoi_grid(args.cells)
        print(f"built {len(records):,}-cell voronoi grid in {time.perf_counter() - t:.1f}s")
        results.append(bench_grid("voronoi", records, geojson, args, rng))

    print()
    header = (f"{'grid':<8} {'cells':>8}  {'mode':<20} {'µs/point':>9} {'vs naive':>10} "
              f"{'target ≤10µs @100k':>19}")
    print(header)
    print("-" * len(header))
    for res in results:
        big = res["cells"] >= 100_000
        for mode, us in res["rows"].items():
            judged = big and "before" not in mode
            met = ("yes" if us <= TARGET_US else f"NO ({us / TARGET_US:.1f}x)") if judged else "-"
            print(f"{res['name']:<8} {res['cells']:>8,}  {mode:<20} {us:>9.2f} "
                  f"{res['naive_us'] / us:>9,.0f}x {met:>19}")
        print(f"{res['name']:<8} {res['cells']:>8,}  {'naive':<20} {res['naive_us']:>9,.0f} {'1x':>10} {'':>19}")
    print("modes: single = index.locate in a loop; bulk = index.locate_many; +gcj = GCJ-02 input: "
          "datum.to_wgs84 per point (single)\n"
          "       or datum.to_wgs84_many on the array (bulk) first; (before) = the app before this change "
          "(shapely.Point + scalar\n"
          "       query; prcoords), bench-only reference; naive = unprepared polygon.covers() in code order "
          "until a hit (extrapolated)")

    print()
    ok = True
    for res in results:
        c, d = res["check"], res["datum_us"]
        print(f"{res['name']}: {res['cells']:,} cells, {res['vertices']:.1f} coords/polygon, index built in "
              f"{res['build_s'] * 1000:.0f} ms, section took {res['seconds']:.0f}s")
        print(f"  GCJ-02 -> WGS-84 alone, µs/point: datum.to_wgs84 {d['to_wgs84']:.2f}, prcoords "
              f"{d['prcoords']:.2f}, datum.to_wgs84_many {d['to_wgs84_many']:.2f}; naive {res['per_test']:.2f} µs "
              f"per covers() test, {res['naive_measured']:,.0f} µs/point measured on {res['naive_sub']} points")
        edge = ""
        if "edge_points" in c:
            edge = (f"; {c['edge_points']:,} points on shared edges/corners: bulk {c['edge_bulk_mism']}, "
                    f"before {c['edge_before_mism']} mismatches")
        print(f"  check vs single on {c['sample']:,} points: bulk {c['bulk_mism']}, before {c['before_mism']}, "
              f"naive {c['naive_mism']} mismatches, {c['outside']} outside{edge}")
        print(f"  GCJ-02 round trip (to_gcj02 then to_wgs84): max {c['roundtrip_max_m'] * 1000:.3f} mm, "
              f"{c['cell_changes']} cell changes; to_wgs84/to_gcj02 not bit-identical to prcoords on "
              f"{c['lean_not_identical']}; to_wgs84_many round trip max {c['vec_roundtrip_max_m'] * 1000:.3f} mm "
              f"({c['vec_max_m'] * 1000:.6f} mm from to_wgs84), {c['vec_cell_changes']} cell changes")
        bad = (c["bulk_mism"] or c["before_mism"] or c["naive_mism"] or c["outside"]
               or c.get("edge_bulk_mism") or c.get("edge_before_mism") or c["lean_not_identical"]
               or c["vec_max_m"] > 0.001 or c["cell_changes"] or c["vec_cell_changes"])
        ok = ok and not bad
    print()
    print(f"load average at end {load()}")
    print("correctness: OK" if ok else "correctness: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
