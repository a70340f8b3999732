"""The staff inbox: scoped listing with filters, counters, and acting on one case."""
import re
from datetime import timedelta

from sqlalchemy import and_, func, or_, select

from app.cases import policy
from app.cases.models import CLOCK_STATUSES, Case, overdue_clause
from app.cases.scope import get_visible_case, visible_cases
from app.cases.transitions import transition
from app.core.clock import local_midnight
from app.core.extensions import db
from app.jobs import followups
from app.photos.models import Photo
from app.reports.models import Report

CASE_REF_START = re.compile(r"^AJ\d", re.IGNORECASE)
REPORT_REF_START = re.compile(r"^JS\d", re.IGNORECASE)  # what a resident reads out over the phone

SORTS = {
    "created_at": (Case.created_at.asc(),),
    "-created_at": (Case.created_at.desc(),),
    # Cases without a deadline go last either way, the same on SQLite and PostgreSQL.
    "due_at": (Case.due_at.is_(None), Case.due_at.asc()),
    "-due_at": (Case.due_at.is_(None), Case.due_at.desc()),
}


def list_cases(*, user, now, page=1, per_page=20, sort="-created_at", **filters):
    """One page of the caller's cases and the total matching the filters."""
    query = apply_filters(visible_cases(user), now=now, **filters)
    total = db.session.scalar(select(func.count()).select_from(query.subquery()))
    ordered = query.order_by(*SORTS[sort], Case.id.desc() if sort.startswith("-") else Case.id.asc())
    items = db.session.scalars(ordered.limit(per_page).offset((page - 1) * per_page)).all()
    return items, total


def apply_filters(query, *, now, status=None, category=None, cell=None, community=None,
                  overdue=None, created_from=None, created_to=None, q=None, street=None, department=None):
    if street:
        query = query.where(Case.street_code == street)
    if department:
        query = query.where(Case.department_code == department)
    if status:
        query = query.where(Case.status.in_(status))
    if category:  # a category (C0101), or its major class (C01) as the statistics link it
        query = query.where(Case.category_code == category if len(category) > 3
                            else Case.category_code.startswith(category, autoescape=True))
    if cell:
        query = query.where(Case.cell_code == cell)
    if community:
        query = query.where(Case.community_code == community)
    if overdue is not None:
        query = query.where(overdue_clause(now) if overdue else ~overdue_clause(now))
    if created_from:
        query = query.where(Case.created_at >= local_midnight(created_from))
    if created_to:  # a whole local day, inclusive
        query = query.where(Case.created_at < local_midnight(created_to + timedelta(days=1)))
    if q:
        query = query.where(text_match(q.strip()))
    return query


def text_match(q):
    """A case reference (AJ20261128-000123, or its start) is a prefix search on the unique
    ref index, a report's (JS20261128-000123) finds the case that report is on; anything
    else looks in case references and descriptions."""
    if CASE_REF_START.match(q):
        return ref_prefix(Case.ref, q.upper())
    if REPORT_REF_START.match(q):
        return Case.id.in_(select(Report.case_id).where(ref_prefix(Report.ref, q.upper())))
    pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    return or_(Case.ref.ilike(pattern, escape="\\"), Case.description.ilike(pattern, escape="\\"))


def ref_prefix(column, prefix):
    # A bound parameter in LIKE cannot use the btree index; a range on the unique ref can.
    after = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < after, column.startswith(prefix, autoescape=True))


def counters(*, user, now):
    """Badges for the caller's scope: new, overdue, due soon (within CASE_DUE_SOON_DAYS)."""
    soon = policy.working_calendar().add_working_days(now, policy.setting("CASE_DUE_SOON_DAYS"))
    # A handler's "new" is what waits for signing; street staff's is what waits for triage.
    new_status = "dispatched" if user.staff_role == "dept" else "pending"
    # Only the statuses counted: years of closed cases are never read (index on status, due_at).
    scope = visible_cases(user).where(Case.status.in_({new_status, *CLOCK_STATUSES})).subquery()
    open_due = and_(scope.c.status.in_(CLOCK_STATUSES), scope.c.due_at.is_not(None))
    row = db.session.execute(select(
        func.count().filter(scope.c.status == new_status),
        func.count().filter(and_(open_due, scope.c.due_at < now)),
        func.count().filter(and_(open_due, scope.c.due_at >= now, scope.c.due_at <= soon)),
    ).select_from(scope)).one()
    return {"new": row[0], "overdue": row[1], "due_soon": row[2]}


def enqueue_follow_ups(event, photo_ids):
    """After the commit: tell the reporters about public steps; process after-photos."""
    if event.public:
        followups.publish(followups.CASE_STEP_PUBLIC, event.id)
    for photo_id in photo_ids:
        followups.publish(followups.PHOTO_CLAIMED, photo_id)


def act_on_case(*, user, case_id, action, now, **params):
    """Find the case within the caller's scope (404 otherwise) and apply one action."""
    case = get_visible_case(user=user, case_id=case_id)
    return transition(case=case, action=action, actor=user, now=now, **params)


def after_photos(case):
    """Feedback photos of the case's timeline, by event id."""
    event_ids = [e.id for e in case.events]
    photos = db.session.scalars(select(Photo).where(Photo.case_event_id.in_(event_ids))
                                .order_by(Photo.created_at)).all() if event_ids else []
    grouped = {}
    for photo in photos:
        grouped.setdefault(photo.case_event_id, []).append(photo)
    return grouped
