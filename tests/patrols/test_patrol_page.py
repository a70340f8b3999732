"""The /inbox/patrols page as HTML: who may see it, and what a bad date gets."""
from datetime import timedelta

import pytest

from app.core.extensions import db
from tests.factories import STREET_B, make_collector, make_staff, signed_in_as
from tests.patrols.conftest import TODAY, make_patrol


def test_the_page_asks_for_sign_in_first(client, world):
    answer = client.get("/inbox/patrols/")
    assert answer.status_code == 302 and "/inbox/login" in answer.headers["Location"]


def test_street_staff_see_their_streets_cells_coloured_by_status(client, world, clock, staff_a):
    make_patrol(make_collector(world.cell_a, "o-walker"), world.cell_a, zero_report=True)
    db.session.commit()
    page = signed_in_as(client, staff_a).get("/inbox/patrols/").get_data(as_text=True)
    assert "巡查考核 · 朱泾镇" in page
    assert f'data-cell="{world.cell_a}" data-status="zero_report"' in page
    assert page.count('data-status="missing"') == 3
    assert 'value="2024-05-08" max="2024-05-08"' in page
    assert "<td class=\"week-part\">1/4</td>" in page


def test_a_future_date_is_a_chinese_400_page(client, world, clock, staff_a):
    answer = signed_in_as(client, staff_a).get(f"/inbox/patrols/?date={TODAY + timedelta(days=1)}")
    assert answer.status_code == 400 and "尚未到来" in answer.get_data(as_text=True)
    answer = client.get("/inbox/patrols/?date=08/05/2024")
    assert answer.status_code == 400 and "年-月-日" in answer.get_data(as_text=True)


@pytest.mark.parametrize("role", ["dept"])
def test_department_handlers_may_not_see_the_page(client, world, role):
    handler = make_staff(None, role=role, username="dept-1", department_code="CGZF")
    answer = signed_in_as(client, handler).get("/inbox/patrols/")
    assert answer.status_code == 403 and "网格中心工作人员" in answer.get_data(as_text=True)


def test_an_admin_picks_the_street(client, world, clock):
    admin = make_staff(None, role="admin", username="district-admin")
    page = signed_in_as(client, admin).get(f"/inbox/patrols/?street={STREET_B}").get_data(as_text=True)
    assert "巡查考核 · 枫泾镇" in page and '<select name="street">' in page
    assert signed_in_as(client, admin).get("/inbox/patrols/").status_code == 400
