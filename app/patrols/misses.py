"""The day's missing cells, recorded once after the cut-off, and the notice to cell heads (网格长).

The notice is a WeChat subscribe message with our template name `patrol_missing`;
its template id comes from WECHAT_TEMPLATE_PATROL_MISSING. The field keys below
(thing1, number2, date3, thing4) belong to the template chosen in the WeChat
console; change them here if another one is chosen. Until it is configured the
notification is recorded and marked not_delivered, which keeps the fact on file.
"""
from collections import defaultdict

from flask import current_app
from sqlalchemy import select

from app.accounts.models import Binding, User
from app.core.extensions import db
from app.grid.models import GridUnit
from app.notifications.service import queue_notification
from app.patrols import compliance, days
from app.patrols.models import PatrolMiss

TEMPLATE = "patrol_missing"


def record_misses(*, day, now):
    """PatrolMiss rows for cells with no collector sign-in before the cut-off; only ones not yet written."""
    found = compliance.statuses(start=day, end=day, signed_in_before=days.cutoff_at(day))
    already = set(db.session.scalars(select(PatrolMiss.cell_code).where(PatrolMiss.date == day)))
    new = [PatrolMiss(cell_code=cell.code, community_code=cell.community_code, street_code=cell.street_code,
                      date=day, recorded_at=now)
           for cell in compliance.cells_of()
           if (day, cell.code) not in found and cell.code not in already]
    db.session.add_all(new)
    db.session.flush()
    return new


def notify_cell_heads(*, day, misses, now):
    """One notice per cell head per community and day; communities without a cell head are skipped."""
    by_community = defaultdict(list)
    for miss in misses:
        by_community[miss.community_code].append(miss)
    notifications = []
    for community_code, user in cell_heads(list(by_community)):
        community = db.session.get(GridUnit, community_code)
        notifications.append(queue_notification(
            user=user, template=TEMPLATE, payload=notice(community, day, len(by_community[community_code])),
            dedupe_key=f"patrol_missing:{community_code}:{day.isoformat()}:user:{user.id}", now=now))
    return [n for n in notifications if n is not None]


def cell_heads(community_codes):
    """(community_code, user) for everyone bound as cell_head to any cell of those communities."""
    if not community_codes:
        return []
    rows = db.session.execute(
        select(GridUnit.parent_code, User).join(Binding, Binding.user_id == User.id)
        .join(GridUnit, Binding.cell_code == GridUnit.code)
        .where(Binding.role == "cell_head", GridUnit.parent_code.in_(community_codes), User.disabled.is_(False))
        .order_by(GridUnit.parent_code, User.id)).all()
    return list(dict.fromkeys((code, user) for code, user in rows))  # bound to two cells: one notice


def notice(community, day, missing):
    cutoff = current_app.config["PATROL_CUTOFF"]
    data = {
        "thing1": community.name,
        "number2": str(missing),
        "date3": day.isoformat(),
        "thing4": f"截至{cutoff}仍有{missing}个子网格未巡查或零报告",
    }
    return {"data": data, "page": current_app.config["WECHAT_PATROL_PAGE"].format(
        community_code=community.code, date=day.isoformat())}
