"""A resident applies for mediation on the portal and follows her own applications; nobody else's show."""

import time

from civicgrid.mediation.models import Case
from civicgrid.portal.signin import SESSION_KEY
from tests.mediation.conftest import make_case, med  # noqa: F401  (fixtures)
from tests.tickets.conftest import world  # noqa: F401


def sign_in(client, phone):
    session = client.session
    session[SESSION_KEY] = {"phone": phone, "until": time.time() + 600}
    session.save()


def test_apply_and_follow(client, med):  # noqa: F811
    assert client.get("/mediation/")["Location"] == "/signin/?next=%2Fmediation%2F"
    make_case(med)  # someone else's
    sign_in(client, "13700001234")
    html = client.get("/mediation/").content.decode()
    assert "您还没有申请过人民调解" in html and med["a"].name in html
    response = client.post(
        "/mediation/",
        {
            "committee": med["a"].pk,
            "dispute_type": "family",
            "title": "赡养纠纷",
            "facts": "子女不履行赡养义务",
            "name": "王阿婆",
            "respondent": "王大",
        },
    )
    assert response.status_code == 302
    case = Case.objects.get(applicant_phone="13700001234")
    assert case.source == Case.Source.APPLICATION and case.state == Case.State.REGISTERED
    html = client.get("/mediation/").content.decode()
    assert case.number in html and "已登记" in html and "楼上漏水" not in html
    html = client.post("/mediation/", {"committee": "x", "title": ""}).content.decode()
    assert "请选择所在村（社区）的人民调解委员会" in html
