"""What the reporter reads: the report-status subscribe message, built from our rows.

The field keys (thing1, character_string2 ...) belong to the template chosen in the
WeChat console for WECHAT_TEMPLATE_REPORT_STATUS (问题处理进度通知: 问题类型, 编号,
状态, 备注, 更新时间); change them here if another template is chosen. Values are
cut to the field limits by wechat.fit_template_data when sent.
"""

from flask import current_app

from app.catalog.models import Category, Department
from app.core.clock import local_text
from app.core.extensions import db
from app.grid.models import GridUnit

REPORT_STATUS = "report_status"

STATUS_PHRASES = {
    "received": "已接收",
    "pending": "待受理",
    "accepted": "已受理",
    "dispatched": "已派单",
    "in_progress": "处理中",
    "handled": "待核查",
    "closed": "已办结",
    "rejected": "不予受理",
    "merged": "已合并",
}


def report_received(report):
    """The report has reached its street centre's inbox."""
    note = f"已送达{street_name(report.street_code)}网格中心"
    return report_status(report, status=report.case.status, note=note, at=report.processed_at or report.created_at)


def case_event(report, event):
    """A public step of the case, told to one of its reporters."""
    return report_status(report, status=event.to_status, note=event_note(event), at=event.at)


def report_status(report, *, status, note, at):
    data = {
        "thing1": category_name(report.category_code),
        "character_string2": report.ref or str(report.id),
        "phrase3": STATUS_PHRASES.get(status, status),
        "thing4": note,
        "time5": local_time(at),
    }
    return {"data": data, "page": current_app.config["WECHAT_REPORT_PAGE"].format(report_id=report.id)}


def event_note(event):
    case = event.case
    if event.to_status == "rejected":
        # The reporter is owed the reason when we will not act on their report.
        return event.note or case.reject_reason or "不属于受理范围"
    if event.to_status == "dispatched" and case.department_code:
        return f"已交{department_name(case.department_code)}处理"
    if event.to_status == "closed":
        return "问题已处理完毕，感谢您的参与"
    return "已立案，将尽快安排处理"


def category_name(code):
    category = db.session.get(Category, code)
    return category.minor_name if category else code


def department_name(code):
    department = db.session.get(Department, code)
    return department.short_name if department else "承办单位"


def street_name(code):
    street = db.session.get(GridUnit, code)
    return street.name if street else "街镇"


def local_time(at):
    return local_text(at)
