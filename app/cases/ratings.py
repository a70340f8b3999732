"""The reporter's rating after closure (回访); unsatisfied reopens the case (重办)."""
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.cases.models import CaseRating
from app.cases.transitions import transition
from app.core.errors import ApiError
from app.core.extensions import db
from app.reports.models import Report

UNSATISFIED_NOTE = "回访不满意"


def rate_report(*, user, report_id, satisfaction, comment, now):
    """Store the rating; returns (rating, reopen event or None). The caller commits."""
    report = db.session.scalar(select(Report).where(Report.id == report_id, Report.user_id == user.id))
    if report is None:
        raise ApiError.not_found("未找到该上报 (report not found)", "report_not_found")
    case = report.case
    if case is None or case.status != "closed":
        raise ApiError.conflict("案件办结后才能评价 (rate after closure)", "not_closed")
    if db.session.scalar(select(CaseRating.id).where(CaseRating.report_id == report.id)) is not None:
        raise ApiError.conflict("已经评价过了 (already rated)", "already_rated")
    rating = CaseRating(report_id=report.id, case_id=case.id, satisfaction=satisfaction,
                        comment=comment, created_at=now)
    db.session.add(rating)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the same report rated twice at once: the other won
        db.session.rollback()
        raise ApiError.conflict("已经评价过了 (already rated)", "already_rated") from exc
    event = None
    if satisfaction == "unsatisfied":
        reason = f"{UNSATISFIED_NOTE}：{comment}" if comment else UNSATISFIED_NOTE
        event = transition(case=case, action="reopen", actor=None, now=now, reason=reason)
    return rating, event
