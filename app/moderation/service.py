"""WeChat content security for reports (msg_sec_check v2, media_check_async v2).

Checks never block intake: when WeChat cannot answer, the text stays `pending` and
the photo waits without a trace id, so a later run of the job asks again. Risky
content flags the report (and its case) for staff; photos are public only after
`pass` (Photo.publicly_visible). The caller commits.
"""
import logging

from flask import current_app
from sqlalchemy import select

from app.core.extensions import db, storage, wechat
from app.photos.models import Photo
from app.reports.models import Report
from wechat import WeChatError

log = logging.getLogger(__name__)

# msg_sec_check / media_check_async scenes: 1 资料 (profile fields), 2 评论 (comments),
# 3 论坛 (forum posts), 4 社交日志. A report's words and photos are a user's remark on
# a public matter, not profile data: 评论.
SCENE_COMMENT = 2
VERDICTS = ("pass", "review", "risky")


def check_report_text(*, report):
    """Ask WeChat about the description: report.text_check becomes pass | review | risky."""
    if report.text_check != "pending":
        return report  # already decided: the job may run twice
    openid = report.user.openid
    if not (report.description or "").strip() or not openid:
        # Nothing to check, or no WeChat user to check it for (v2 requires an openid).
        report.text_check = "skipped"
        return report
    try:
        verdict = wechat.get().msg_sec_check(openid, report.description, scene=SCENE_COMMENT)
    except WeChatError as exc:
        log.warning("text check of report %s left pending: %s", report.id, type(exc).__name__)
        return report
    report.text_check = verdict
    if verdict == "risky":
        flag(report)
    return report


def request_photo_checks(*, report):
    """Start WeChat's image check for each processed photo that has none yet."""
    for photo in report.photos:
        if photo.large_key and photo.media_check == "pending" and not photo.media_trace_id:
            request_photo_check(photo=photo, openid=report.user.openid)
    return report


def request_photo_check(*, photo, openid):
    if not media_check_enabled() or not openid:
        photo.media_check = "skipped"
        return photo
    url = absolute_url(storage.get().url(photo.large_key))
    if url is None:
        log.warning("photo %s left pending: PUBLIC_BASE_URL is needed for WeChat to fetch it", photo.id)
        return photo
    try:
        photo.media_trace_id = wechat.get().media_check_async(openid, url, scene=SCENE_COMMENT)
    except WeChatError as exc:
        log.warning("image check of photo %s not started: %s", photo.id, type(exc).__name__)
    return photo


def apply_media_verdict(*, trace_id, suggest):
    """Record WeChat's verdict on a photo; None when the trace id is not ours.

    Naturally idempotent: the same verdict twice leaves the same state, which is
    how the push endpoint absorbs WeChat's repeated pushes.
    """
    photo = db.session.scalar(select(Photo).where(Photo.media_trace_id == trace_id)) if trace_id else None
    if photo is None or suggest not in VERDICTS:
        return None
    photo.media_check = suggest
    if suggest == "risky" and photo.report_id is not None:
        flag(db.session.get(Report, photo.report_id))
    return photo


def flag(report):
    """Staff see a warning on the report and on its case."""
    report.flagged = True
    if report.case is not None:
        report.case.flagged = True


def media_check_enabled():
    return str(current_app.config["WECHAT_MEDIA_CHECK"]).lower() not in ("off", "false", "0", "no")


def absolute_url(url):
    """S3 presigned URLs are absolute already; local /media/ paths get PUBLIC_BASE_URL."""
    if url.startswith(("https://", "http://")):
        return url
    base = current_app.config["PUBLIC_BASE_URL"]
    return base.rstrip("/") + url if base else None
