"""The in-process point -> cell index (shapely STRtree), rebuilt when the grid changes."""
import threading
import time
from dataclasses import dataclass

import numpy as np
import shapely
from shapely import STRtree


@dataclass(frozen=True)
class CellRecord:
    code: str
    name: str
    community_code: str
    community_name: str
    street_code: str
    street_name: str


class CellIndex:
    """Cells sorted by code, so a point on a shared edge always resolves to the lowest code."""

    def __init__(self, records, polygons):
        order = sorted(range(len(records)), key=lambda i: records[i].code)
        self.records = [records[i] for i in order]
        self.polygons = np.array([polygons[i] for i in order], dtype=object)
        shapely.prepare(self.polygons)
        self.tree = STRtree(self.polygons)

    def __len__(self):
        return len(self.records)

    def locate(self, lat, lng):
        """The record of the cell covering (lat, lng) in WGS-84, or None."""
        # A 1-element array of a point built from a (1, 2) array: Point() and a scalar
        # query both take slow argument-juggling paths that cost more than the tree search.
        point = shapely.points(np.array(((lng, lat),), dtype=float))
        hits = self.tree.query(point, predicate="intersects")[1]
        if len(hits) == 1:  # any point not on a shared edge
            return self.records[hits[0]]
        return self.records[hits.min()] if len(hits) else None

    def locate_many(self, lats, lngs):
        """Bulk lookup; returns one record or None per point."""
        points = shapely.points(np.asarray(lngs), np.asarray(lats))
        point_idx, cell_idx = self.tree.query(points, predicate="intersects")
        missing = len(self.records)
        best = np.full(len(points), missing)
        np.minimum.at(best, point_idx, cell_idx)  # lowest code wins on shared edges
        return [self.records[c] if c != missing else None for c in best]


class IndexCache:
    """One index per process, keyed by the grid version it was built from.

    The version is asked of the database at most every `recheck_seconds`: a lookup
    costs microseconds, and a query per lookup would cost more than the lookup. An
    import in this process clears the cache at once; other processes notice within
    `recheck_seconds`.
    """

    def __init__(self, recheck_seconds=1.0, clock=time.monotonic):
        self._lock = threading.Lock()
        self._version = None
        self._index = None
        self._checked_at = None
        self._recheck_seconds = recheck_seconds
        self._clock = clock

    def get(self, current_version, build):
        if self._index is not None and self._clock() - self._checked_at < self._recheck_seconds:
            return self._index
        version = current_version()
        with self._lock:
            if self._index is None or self._version != version:
                self._index = build()
                self._version = version
            self._checked_at = self._clock()
            return self._index

    def clear(self):
        with self._lock:
            self._index = None
            self._version = None
            self._checked_at = None
