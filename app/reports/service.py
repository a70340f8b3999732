"""Accepting reports: validation, the report row, and photos claimed atomically."""
import re

from sqlalchemy import select

from app.catalog.service import get_active_category
from app.core.clock import local_day
from app.core.errors import ApiError
from app.core.extensions import db
from app.grid import datum
from app.grid import service as grid_service
from app.photos.service import claim_photos
from app.reports.models import Report

# A report's reference as report_ref() writes it, wherever it appears in text.
REPORT_REF = re.compile(r"JS\d{8}-\d{6,}")


def report_ref(report):
    # The id makes it unique; the local date makes it readable over the phone.
    return f"JS{local_day(report.created_at):%Y%m%d}-{report.id:06d}"


def create_report(*, user, category_code, description, location, photo_ids, now, source="miniprogram",
                  patrol_id=None):
    """A `received` report, located and with its photos claimed; the caller commits."""
    category = get_active_category(category_code)
    cell = locate_for_report(location)
    wgs_lat, wgs_lng = datum.to_wgs84(location["lat"], location["lng"], location["coord"])
    report = Report(user_id=user.id, source=source, category_code=category.code,
                    description=description.strip(), lat=location["lat"], lng=location["lng"],
                    coord=location["coord"], wgs_lat=wgs_lat, wgs_lng=wgs_lng, cell_code=cell.code,
                    street_code=cell.street_code, status="received", created_at=now, patrol_id=patrol_id)
    db.session.add(report)
    db.session.flush()
    report.ref = report_ref(report)
    for photo in claim_photos(user=user, photo_ids=photo_ids):
        photo.report_id = report.id
    return report


def locate_for_report(location):
    record = grid_service.locate_or_none(**location)
    if record is None:
        raise ApiError.unprocessable("该位置不在金山区网格范围内 (outside coverage)", "outside_coverage",
                                     fields={"location": ["outside coverage"]})
    return record


def get_own_report(*, user, report_id):
    """The caller's report; another user's is a 404, as if it did not exist."""
    report = db.session.get(Report, report_id)
    if report is None or report.user_id != user.id:
        raise ApiError.not_found("没有找到该上报 (report not found)", "report_not_found")
    return report


def reports_of(*, user, page, per_page):
    query = select(Report).where(Report.user_id == user.id).order_by(Report.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def stuck_reports(*, older_than, limit=500):
    """Reports accepted but never processed: Redis was down, or a worker died."""
    return db.session.scalars(
        select(Report.id).where(Report.status == "received", Report.created_at < older_than)
        .order_by(Report.id).limit(limit)).all()
