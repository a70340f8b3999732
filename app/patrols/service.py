"""Starting and finishing patrols, and the sweeper's daily record of missing cells.

Service functions take keyword arguments and never commit; the views commit.
`record_missing_patrols` is the exception: the worker's sweeper calls it as a job
(`app.patrols.service:record_missing_patrols(now=...)`), so it commits at its end.
"""
from datetime import timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.accounts.models import COLLECTOR_ROLES
from app.core.clock import local_day
from app.core.errors import ApiError
from app.core.extensions import db
from app.grid import datum
from app.grid import service as grid_service
from app.grid.models import GridUnit
from app.notifications.jobs import send_later
from app.patrols import days, misses
from app.patrols.geofence import distance_to_cell_m
from app.patrols.models import Patrol
from app.reports.models import Report

# Phones' clocks drift; a track point a little ahead of the server is not "the future".
CLOCK_SKEW = timedelta(minutes=5)


# --- start ------------------------------------------------------------------------

def start_patrol(*, user, cell_code, location, now, date=None):
    """Sign in to a cell; returns (patrol, created). A second start the same day returns the open one."""
    cell, community = cell_and_community(cell_code)
    kind = patrol_kind(user, cell, community)
    today = ensure_today(date, now)
    wgs_lat, wgs_lng = datum.to_wgs84(location["lat"], location["lng"], location["coord"])
    distance = check_signin_distance(cell, wgs_lat, wgs_lng)
    existing = open_patrol(user_id=user.id, cell_code=cell.code, day=today)
    if existing is not None:
        return existing, False
    patrol = Patrol(collector_id=user.id, kind=kind, cell_code=cell.code, community_code=community.code,
                    street_code=community.parent_code, date=today, status="open", signed_in_at=now,
                    lat=location["lat"], lng=location["lng"], coord=location["coord"],
                    wgs_lat=wgs_lat, wgs_lng=wgs_lng, signin_distance_m=distance, created_at=now)
    return insert_or_existing(patrol)


def cell_and_community(cell_code):
    cell = grid_service.get_unit(cell_code, "cell")
    return cell, db.session.get(GridUnit, cell.parent_code)


def patrol_kind(user, cell, community):
    """collector for people bound to the cell with a collector-type role; department for handlers."""
    if user.has_cell_role(cell.code, COLLECTOR_ROLES):
        return "collector"
    # District departments patrol any cell; a handler tied to one street stays in it.
    if user.staff_role == "dept" and user.street_code in (None, community.parent_code):
        return "department"
    raise ApiError.forbidden("您不是该网格的采集员，不能在此巡查 (not a collector of this cell)",
                             "not_cell_collector")


def ensure_today(date, now):
    """Patrols happen today: a client date may confirm it, never move it."""
    today = local_day(now)
    days.ensure_not_future(date, now)
    if date is not None and date != today:
        raise ApiError.bad_request(f"只能为今天（{today.isoformat()}）签到巡查 (patrols are for today only)",
                                   "date_not_today", fields={"date": ["not today"]})
    return today


def check_signin_distance(cell, wgs_lat, wgs_lng):
    if cell.geometry is None:  # imported without a boundary: nothing to check a sign-in against
        raise ApiError.unprocessable("该网格尚无边界数据，暂不能签到 (cell has no boundary)", "cell_without_boundary")
    distance = distance_to_cell_m(cell.geometry, wgs_lat, wgs_lng)
    buffer_m = current_app.config["PATROL_SIGNIN_BUFFER_M"]
    if distance > buffer_m:
        raise ApiError.unprocessable(
            f"签到位置距离网格 {distance} 米，超出允许的 {int(buffer_m)} 米范围，请到网格内签到 "
            f"(sign-in {distance} m outside the cell)", "signin_too_far", fields={"distance_m": distance})
    return distance


def open_patrol(*, user_id, cell_code, day):
    return db.session.scalar(select(Patrol).where(
        Patrol.collector_id == user_id, Patrol.cell_code == cell_code, Patrol.date == day,
        Patrol.status == "open"))


def insert_or_existing(patrol):
    """Insert; if a simultaneous start won the unique index, return that one instead."""
    try:
        with db.session.begin_nested():
            db.session.add(patrol)
        return patrol, True
    except IntegrityError:
        return open_patrol(user_id=patrol.collector_id, cell_code=patrol.cell_code, day=patrol.date), False


# --- finish -----------------------------------------------------------------------

def finish_patrol(*, user, patrol_id, now, zero_report=False, report_ids=(), note=None, track=None):
    """Close a patrol with its findings or as a zero report (零报告)."""
    patrol = own_patrol(user=user, patrol_id=patrol_id)
    ensure_finishable(patrol, now)
    if zero_report and report_ids:
        raise ApiError.unprocessable("零报告不能同时提交发现的问题 (a zero report has no findings)",
                                     "zero_report_with_findings", fields={"report_ids": ["must be empty"]})
    findings = checked_findings(patrol, report_ids)
    points = track_points(track or [], now)
    close(patrol, now=now, zero_report=zero_report, note=note, track=points)
    link_findings(patrol, findings)
    return patrol


def own_patrol(*, user, patrol_id):
    """The caller's patrol; anyone else's is a 404, as if it did not exist."""
    patrol = db.session.get(Patrol, patrol_id)
    if patrol is None or patrol.collector_id != user.id:
        raise ApiError.not_found("没有找到该巡查记录 (patrol not found)", "patrol_not_found")
    return patrol


def ensure_finishable(patrol, now):
    if patrol.status != "open":
        raise ApiError.conflict("该巡查已结束，不能重复提交 (patrol already finished)", "patrol_finished")
    # Finishing tomorrow would rewrite a day that compliance already judged.
    if local_day(now) != patrol.date:
        raise ApiError.conflict("巡查只能在签到当天结束 (a patrol ends on its own day)", "patrol_day_over")


def checked_findings(patrol, report_ids):
    """The reports to attach, each the collector's own, in the patrol's street, of that day, free."""
    ids = list(dict.fromkeys(report_ids))
    reports = {r.id: r for r in db.session.scalars(select(Report).where(Report.id.in_(ids)))} if ids else {}
    problems = {str(i): finding_problem(patrol, reports.get(i)) for i in ids}
    problems = {i: p for i, p in problems.items() if p}
    if problems:
        raise ApiError.unprocessable("部分问题上报不能作为本次巡查的发现 (some reports cannot be findings)",
                                     "invalid_findings", fields={"report_ids": problems})
    return [reports[i] for i in ids]


def finding_problem(patrol, report):
    if report is None or report.user_id != patrol.collector_id:
        return "not found"  # another person's report is not told apart from a missing one
    if report.street_code != patrol.street_code:
        return "outside the patrol's street"
    if local_day(report.created_at) != patrol.date:
        return "not reported on the patrol's day"
    if report.patrol_id not in (None, patrol.id):
        return "already a finding of another patrol"
    return None


def track_points(track, now):
    """Points as sent plus WGS-84; a point stamped in the future is refused."""
    points = []
    for n, point in enumerate(track):
        if point["at"] > now + CLOCK_SKEW:
            raise ApiError.bad_request("轨迹时间不能晚于当前时间 (track point in the future)", "date_in_future",
                                       fields={"track": {str(n): ["in the future"]}})
        wgs_lat, wgs_lng = datum.to_wgs84(point["lat"], point["lng"], point["coord"])
        points.append({"lat": point["lat"], "lng": point["lng"], "coord": point["coord"],
                       "wgs_lat": wgs_lat, "wgs_lng": wgs_lng, "at": point["at"].isoformat()})
    return points


def close(patrol, *, now, zero_report, note, track):
    """Compare-and-set open -> finished, so two simultaneous finishes cannot both succeed."""
    result = db.session.execute(
        update(Patrol).where(Patrol.id == patrol.id, Patrol.status == "open")
        .values(status="finished", finished_at=now, zero_report=zero_report, note=note, track=track or None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise ApiError.conflict("该巡查已结束，不能重复提交 (patrol already finished)", "patrol_finished")
    db.session.refresh(patrol)


def link_findings(patrol, findings):
    if not findings:
        return
    ids = [r.id for r in findings]
    # Only still-free reports: a report claimed by a simultaneous finish makes this one fail.
    result = db.session.execute(
        update(Report).where(Report.id.in_(ids), Report.patrol_id.is_(None))
        .values(patrol_id=patrol.id, source="patrol").execution_options(synchronize_session=False))
    if result.rowcount != len(ids):
        raise ApiError.conflict("部分问题上报已属于其他巡查 (report already a finding)", "finding_taken")
    for report in findings:
        db.session.refresh(report)


# --- lists ------------------------------------------------------------------------

def patrols_of(*, user, page, per_page):
    query = select(Patrol).where(Patrol.collector_id == user.id).order_by(Patrol.signed_in_at.desc(),
                                                                          Patrol.id.desc())
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


# --- the sweeper's daily job -----------------------------------------------------

def record_missing_patrols(now):
    """After the cut-off, record each cell nobody patrolled and tell the community's cell heads.

    Safe to run every sweeper round: cells already recorded are skipped and each cell
    head hears once per community and day. Returns how many cells it recorded.
    """
    day = days.latest_closed_day(now)
    try:
        recorded = misses.record_misses(day=day, now=now)
        notifications = misses.notify_cell_heads(day=day, misses=recorded, now=now)
        db.session.commit()
    except IntegrityError:
        db.session.rollback()  # another sweeper recorded the same day first
        return 0
    send_later(notifications)
    return len(recorded)
