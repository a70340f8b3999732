"""Factories and the small fixed world every domain's tests share.

Two real streets side by side near 朱泾镇, each with one community of 2x2 square
cells 0.01 degrees wide (about 1 km): small enough that GCJ-02's ~490 m offset
moves a raw point into the neighbouring cell, which the lookup tests rely on.
"""
from dataclasses import dataclass, field

from shapely.geometry import box, mapping

from app.catalog.service import seed_reference_data
from app.core.extensions import db
from app.grid import datum
from app.grid import service as grid_service

STREET_A = "310116101"  # 朱泾镇
STREET_B = "310116102"  # 枫泾镇
CELL_SIZE = 0.01
WORLD_ORIGIN = {STREET_A: (121.15, 30.88), STREET_B: (121.17, 30.88)}


@dataclass
class World:
    street_a: str = STREET_A
    street_b: str = STREET_B
    community_a: str = STREET_A + "201"
    community_b: str = STREET_B + "201"
    cells: dict = field(default_factory=dict)  # code -> shapely box (WGS-84)

    @property
    def cell_a(self):
        return self.community_a + "001"

    @property
    def cell_b(self):
        return self.community_b + "001"

    def centre_wgs84(self, cell_code):
        centre = self.cells[cell_code].centroid
        return centre.y, centre.x

    def centre_gcj02(self, cell_code):
        return datum.to_gcj02(*self.centre_wgs84(cell_code))

    def location(self, cell_code, coord="gcj02"):
        lat, lng = self.centre_gcj02(cell_code) if coord == "gcj02" else self.centre_wgs84(cell_code)
        return {"lat": lat, "lng": lng, "coord": coord}


def grid_feature(code, name, level, parent_code, geometry):
    return {
        "type": "Feature",
        "properties": {"code": code, "name": name, "level": level, "parent_code": parent_code},
        "geometry": mapping(geometry),
    }


def street_features(street_code, street_name, origin):
    """A street of one community of 2x2 cells; cell serials run NW, NE, SW, SE."""
    x0, y0 = origin
    community = street_code + "201"
    outline = box(x0, y0, x0 + 2 * CELL_SIZE, y0 + 2 * CELL_SIZE)
    features = [
        grid_feature(street_code, street_name, "street", "310116", outline),
        grid_feature(community, f"{street_name}测试村", "community", street_code, outline),
    ]
    corners = [(0, 1), (1, 1), (0, 0), (1, 0)]
    cells = {}
    for serial, (col, row) in enumerate(corners, start=1):
        shape = box(x0 + col * CELL_SIZE, y0 + row * CELL_SIZE,
                    x0 + (col + 1) * CELL_SIZE, y0 + (row + 1) * CELL_SIZE)
        code = f"{community}{serial:03d}"
        cells[code] = shape
        features.append(grid_feature(code, f"{street_name}测试网格{serial}", "cell", community, shape))
    return features, cells


def world_geojson():
    features_a, cells_a = street_features(STREET_A, "朱泾镇", WORLD_ORIGIN[STREET_A])
    features_b, cells_b = street_features(STREET_B, "枫泾镇", WORLD_ORIGIN[STREET_B])
    document = {"type": "FeatureCollection", "features": features_a + features_b}
    return document, {**cells_a, **cells_b}


def build_world():
    seed_reference_data()
    document, cells = world_geojson()
    grid_service.import_grid(document)
    db.session.commit()
    return World(cells=cells)


# --- people ---------------------------------------------------------------------

TOKEN_TTL = 3600


def make_resident(openid="o-resident-1", home_cell=None):
    from app.accounts.models import Binding, User
    from app.core.clock import utcnow

    user = User(openid=openid)
    if home_cell:
        user.bindings.append(Binding(cell_code=home_cell, role="resident", created_at=utcnow()))
    db.session.add(user)
    db.session.flush()
    return user


def make_collector(cell_code, openid="o-collector-1", role="collector"):
    from app.accounts.models import Binding
    from app.core.clock import utcnow

    user = make_resident(openid=openid)
    user.bindings.append(Binding(cell_code=cell_code, role=role, created_at=utcnow()))
    db.session.flush()
    return user


def make_staff(street_code=STREET_A, role="staff", username=None, department_code=None,
               password="correct-horse-battery"):
    from app.accounts.service import create_staff

    username = username or f"{role}-{street_code or department_code}"
    user = create_staff(username=username, password=password, role=role,
                        street_code=street_code, department_code=department_code)
    db.session.flush()
    return user


def token_for(user, ttl=TOKEN_TTL):
    from app.accounts.tokens import issue_token
    from app.core.clock import utcnow

    token, _ = issue_token(user=user, now=utcnow(), ttl_seconds=ttl)
    db.session.commit()
    return token


def auth(user):
    return {"Authorization": f"Bearer {token_for(user)}"}


def signed_in_as(client, user, now=None):
    """`client` carries a live web session of `user`, as after the sign-in form."""
    from app.accounts.web_sessions import start_session
    from app.core.clock import utcnow
    from app.web.auth import SESSION_ID_KEY

    session_id = start_session(user=user, now=now or utcnow())
    db.session.commit()
    with client.session_transaction() as session:
        session[SESSION_ID_KEY] = session_id
    return client


# --- cases (appended for the case workflow; keep names prefixed make_case*) -------------

def make_case(cell_code, reporter=None, category_code="C0104", description="雨水箅子堵塞", now=None):
    """A pending case around one processed report at the cell's street, as routing makes it."""
    import secrets

    from app.cases.service import open_case_for_report
    from app.core.clock import utcnow
    from app.reports.models import Report

    now = now or utcnow()
    reporter = reporter or make_resident(openid=f"o-reporter-{secrets.token_hex(6)}")
    report = Report(user_id=reporter.id, category_code=category_code, description=description,
                    lat=30.885, lng=121.155, coord="wgs84", wgs_lat=30.885, wgs_lng=121.155,
                    cell_code=cell_code, street_code=cell_code[:9], status="processed",
                    created_at=now, processed_at=now)
    db.session.add(report)
    db.session.flush()
    report.ref = f"SB-T{report.id:06d}"
    case = open_case_for_report(report=report, community_code=cell_code[:12], now=now)
    db.session.commit()
    return case


def make_case_photo(user, report_id=None):
    """An uploaded photo (a small stored JPEG original), as POST /api/v1/uploads leaves it."""
    import io
    import secrets

    from PIL import Image

    from app.core.extensions import storage
    from app.photos.models import Photo

    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (90, 120, 160)).save(buffer, "JPEG")
    photo = Photo(id=secrets.token_hex(16), user_id=user.id, report_id=report_id,
                  original_key=f"originals/{secrets.token_hex(16)}", content_type="image/jpeg",
                  width=64, height=48, size=len(buffer.getvalue()))
    storage.get().put(photo.original_key, buffer.getvalue(), "image/jpeg")
    db.session.add(photo)
    db.session.commit()
    return photo
