"""Two workers on the same notification at once (rq at-least-once, the sweeper) send it once."""
import threading

from app.core.extensions import db
from app.notifications.jobs import send_notification, send_report_received
from app.notifications.models import Notification
from app.notifications.service import queue_notification
from tests.notifications.rows import NOW, make_case, make_report, make_reporter, record_routing

SEND = "cgi-bin/message/subscribe/send"


def run_at_once(app, job, *args, workers=2):
    errors = []

    def work():
        with app.app_context():
            try:
                job(*args)
            except Exception as exc:  # noqa: BLE001  reported below
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=work) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []


def test_two_workers_sending_the_same_notification_send_it_once(app, world, fake_wechat, templates):
    user = make_reporter(fake_wechat)
    notification = queue_notification(user=user, template="report_status", dedupe_key="race:1", now=NOW,
                                      payload={"data": {"thing1": "上水井盖"}})
    db.session.commit()
    fake_wechat.inject(SEND, delay=0.5)  # the first send is slow, so the second worker arrives meanwhile

    run_at_once(app, send_notification, notification.id)

    assert len(fake_wechat.sent_messages) == 1
    db.session.expire_all()
    assert db.session.get(Notification, notification.id).attempts == 1


def test_two_workers_running_the_same_job_record_and_send_once(app, world, fake_wechat, templates):
    report = make_report(world, make_reporter(fake_wechat), case=make_case(world))
    record_routing(report)
    fake_wechat.inject(SEND, delay=0.5)

    run_at_once(app, send_report_received, report.id)

    assert len(fake_wechat.sent_messages) == 1
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1
