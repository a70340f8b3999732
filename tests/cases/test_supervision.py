"""The sweep: 督办 for cases past due, reminders 3/2/1 working days before, idempotent."""
from app.cases.models import CaseEvent
from app.cases.supervision import flag_overdue_and_remind
from app.cases.transitions import transition
from app.core.extensions import db
from tests.cases.conftest import beijing

# Dispatched Wed 2026-09-30 10:00 → due Thu 2026-10-22 17:00 (see test_case_deadlines).
DISPATCHED = beijing(2026, 9, 30, 10)


def dispatched_case(case_in, people):
    case = case_in("accepted")
    transition(case=case, action="dispatch", actor=people.staff_a, now=DISPATCHED)
    db.session.commit()
    return case


def sweep(now):
    result = flag_overdue_and_remind(now)
    db.session.commit()
    return result


def events(case, action):
    return db.session.scalars(db.select(CaseEvent).where(
        CaseEvent.case_id == case.id, CaseEvent.action == action).order_by(CaseEvent.id)).all()


def test_a_case_past_due_is_supervised_by_phone_once(people, case_in):
    case = dispatched_case(case_in, people)

    first = sweep(beijing(2026, 10, 23, 10))
    again = sweep(beijing(2026, 10, 23, 11))

    assert first["supervised"] == [case.id] and again["supervised"] == []
    assert case.supervision == "phone" and len(events(case, "supervise")) == 1


def test_supervision_escalates_with_working_days_overdue_and_never_drops(people, case_in):
    case = dispatched_case(case_in, people)
    sweep(beijing(2026, 10, 23, 10))
    sweep(beijing(2026, 10, 27, 10))  # 3 working days past Oct 22
    assert case.supervision == "written"
    sweep(beijing(2026, 10, 27, 11))
    assert [e.note for e in events(case, "supervise")] == ["电话督办：超期 1 个工作日", "书面督办：超期 3 个工作日"]


def test_a_case_not_yet_due_or_already_handled_is_not_supervised(people, case_in):
    dispatched_case(case_in, people)
    assert sweep(beijing(2026, 10, 22, 16))["supervised"] == []
    handled = case_in("handled")
    handled.due_at = beijing(2026, 10, 1, 17)
    db.session.commit()
    assert handled.id not in sweep(beijing(2026, 10, 23, 10))["supervised"]


def test_reminders_go_out_three_two_and_one_working_days_before_and_once_a_day(people, case_in):
    case = dispatched_case(case_in, people)
    # Due Thu Oct 22: reminders Mon 19, Tue 20, Wed 21 from 09:00.
    assert sweep(beijing(2026, 10, 16, 10))["reminded"] == []
    assert sweep(beijing(2026, 10, 19, 8, 30))["reminded"] == []  # before working hours
    assert sweep(beijing(2026, 10, 19, 9, 30))["reminded"] == [case.id]
    assert sweep(beijing(2026, 10, 19, 15))["reminded"] == []
    assert sweep(beijing(2026, 10, 20, 9, 5))["reminded"] == [case.id]
    assert sweep(beijing(2026, 10, 21, 9, 5))["reminded"] == [case.id]
    assert [e.note for e in events(case, "remind")] == [
        "距办理期限还有 3 个工作日", "距办理期限还有 2 个工作日", "距办理期限还有 1 个工作日"]


def test_the_sweep_runs_from_the_command_line(app, people, case_in):
    dispatched_case(case_in, people)  # long past due by the real clock
    result = app.test_cli_runner().invoke(args=["cases", "sweep"])
    assert result.exit_code == 0 and "supervised 1 case(s)" in result.output


def test_the_workers_sweeper_round_supervises_and_keeps_it(people, case_in):
    from app.cases.models import Case
    from app.jobs.sweeper import sweep_once

    case_id = dispatched_case(case_in, people).id
    sweep_once(now=beijing(2026, 10, 23, 10))  # removes the session, as a worker round does
    assert db.session.get(Case, case_id).supervision == "phone"
