"""Rows for notification and moderation tests, built directly (the intake job is tested elsewhere)."""
import secrets
from datetime import UTC, datetime

from app.accounts.models import User
from app.cases.models import Case, CaseEvent
from app.core.extensions import db
from app.jobs import followups
from app.photos.models import Photo
from app.reports.models import Report

CATEGORY = "C0101"  # 上水井盖, from the seeded reference data
NOW = datetime(2026, 5, 6, 2, 30, tzinfo=UTC)  # 10:30 in Shanghai


def make_reporter(wechat_server, name="alice"):
    """A WeChat user whose openid the fake WeChat accepts (o + 27 characters)."""
    user = User(openid=wechat_server.openid_for(name), nickname=name)
    db.session.add(user)
    db.session.flush()
    return user


def make_report(world, user, *, description="井盖缺失，有人差点掉下去", case=None, cell_code=None):
    cell_code = cell_code or world.cell_a
    lat, lng = world.centre_wgs84(cell_code)
    report = Report(user_id=user.id, category_code=CATEGORY, description=description, lat=lat, lng=lng,
                    coord="wgs84", wgs_lat=lat, wgs_lng=lng, cell_code=cell_code,
                    street_code=cell_code[:9], status="processed" if case else "received",
                    created_at=NOW, processed_at=NOW if case else None)
    report.user = user
    db.session.add(report)
    db.session.flush()
    report.ref = f"JS20260506-{report.id:06d}"
    if case is not None:
        report.case = case
        case.report_count += 1
    db.session.flush()
    return report


def make_case(world, *, status="pending", cell_code=None, department_code=None):
    cell_code = cell_code or world.cell_a
    lat, lng = world.centre_wgs84(cell_code)
    case = Case(status=status, category_code=CATEGORY, cell_code=cell_code, community_code=cell_code[:12],
                street_code=cell_code[:9], wgs_lat=lat, wgs_lng=lng, department_code=department_code,
                created_at=NOW, updated_at=NOW, report_count=0)
    db.session.add(case)
    db.session.flush()
    case.ref = f"AJ20260506-{case.id:06d}"
    return case


def make_event(case, *, to_status, from_status="pending", note=None, public=True, action=None):
    event = CaseEvent(case=case, at=NOW, action=action or to_status, from_status=from_status,
                      to_status=to_status, note=note, public=public, actor_label="staff-310116101")
    case.status = to_status
    db.session.add(event)
    db.session.flush()
    return event


def make_photo(report, *, processed=True, media_check="pending"):
    photo_id = secrets.token_hex(16)
    photo = Photo(id=photo_id, user_id=report.user_id, report_id=report.id,
                  original_key=f"originals/{photo_id}.jpg", content_type="image/jpeg", width=1600, height=1200,
                  size=123456, media_check=media_check, created_at=NOW)
    if processed:
        photo.large_key = f"derivatives/{photo_id}/large.jpg"
        photo.thumb_key = f"derivatives/{photo_id}/thumb.jpg"
        photo.processed_at = NOW
    db.session.add(photo)
    db.session.flush()
    return photo


def record_routing(report):
    """What process_report does before its commit: the outbox rows for a routed report."""
    followups.record(followups.REPORT_ROUTED, report)
    db.session.commit()


def record_step(event):
    """What transition() does before its commit: the outbox rows for a public step."""
    followups.record(followups.CASE_STEP_PUBLIC, event)
    db.session.commit()
