import pytest
from django.urls import reverse

from civicgrid.assessment.models import AssessmentScheme
from civicgrid.core.models import AuditEvent
from tests.assessment.factories import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("root", superuser=True))
    return client


def form(**overrides) -> dict:
    data = {
        "version": "2027版",
        "effective_from": "2027-01-01",
        "effective_to": "",
        "is_active": "on",
        "note": "",
        "weight_response": "0.3",
        "weight_resolution": "0.35",
        "weight_satisfaction": "0.35",
        "basic_satisfied_weight": "0.8",
        "naming_min_rated": "5",
        "naming_count": "3",
        "overdue_deduction": "0",
        "supervision_deduction": "0",
        "credible_level": "0.9",
        "rank_by_shrunk": "on",
    }
    data.update(overrides)
    return data


def test_the_list_and_the_form_are_in_chinese(admin_client):
    listing = admin_client.get(reverse("admin:assessment_assessmentscheme_changelist")).content.decode()
    assert "默认方案（示例：北京某区 0.1/0.5/0.4）" in listing
    page = admin_client.get(reverse("admin:assessment_assessmentscheme_add")).content.decode()
    assert "三率权重（之和应为 1）" in page
    assert "基本满意折算系数" in page


def test_adding_a_scheme_is_audited(admin_client):
    response = admin_client.post(reverse("admin:assessment_assessmentscheme_add"), form())

    assert response.status_code == 302
    scheme = AssessmentScheme.objects.get(version="2027版")
    assert str(scheme.weight_response) == "0.300"
    event = AuditEvent.objects.get(action="admin.add")
    assert event.target_id == str(scheme.pk)


def test_weights_that_do_not_add_up_to_one_are_refused(admin_client):
    response = admin_client.post(
        reverse("admin:assessment_assessmentscheme_add"), form(weight_satisfaction="0.5")
    )

    assert response.status_code == 200
    assert "三项权重之和应为 1" in response.content.decode()
    assert not AssessmentScheme.objects.filter(version="2027版").exists()


def test_the_praise_and_naming_rule_is_edited_in_the_scheme(admin_client):
    page = admin_client.get(reverse("admin:assessment_assessmentscheme_add")).content.decode()
    assert "表扬与点名" in page and "表扬、点名最少参评件数" in page
    response = admin_client.post(
        reverse("admin:assessment_assessmentscheme_add"), form(naming_min_rated="10", naming_count="5")
    )
    assert response.status_code == 302
    scheme = AssessmentScheme.objects.get(version="2027版")
    assert (scheme.naming_min_rated, scheme.naming_count) == (10, 5)


def test_a_minimum_of_no_rated_tickets_is_refused(admin_client):
    response = admin_client.post(reverse("admin:assessment_assessmentscheme_add"), form(naming_min_rated="0"))
    assert response.status_code == 200
    assert "最少参评件数至少为 1" in response.content.decode()


def test_the_fair_ranking_and_the_deductions_are_edited_in_the_scheme(admin_client):
    page = admin_client.get(reverse("admin:assessment_assessmentscheme_add")).content.decode()
    assert "加减分与公平排名" in page and "超期扣分" in page and "可信水平" in page
    response = admin_client.post(
        reverse("admin:assessment_assessmentscheme_add"),
        form(overdue_deduction="5", supervision_deduction="2.5", credible_level="0.95", rank_by_shrunk=""),
    )
    assert response.status_code == 302
    scheme = AssessmentScheme.objects.get(version="2027版")
    assert (str(scheme.overdue_deduction), str(scheme.credible_level), scheme.rank_by_shrunk) == (
        "5.00",
        "0.950",
        False,
    )


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("credible_level", "0.4", "可信水平应不低于 0.5"), ("overdue_deduction", "-1", "扣分不能为负数")],
)
def test_a_bad_level_or_a_negative_deduction_is_refused(admin_client, field, value, message):
    response = admin_client.post(reverse("admin:assessment_assessmentscheme_add"), form(**{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()


def test_todays_figures_stay_by_default():
    scheme = AssessmentScheme()
    assert (scheme.overdue_deduction, scheme.supervision_deduction) == ("0", "0")
    assert (scheme.credible_level, scheme.rank_by_shrunk) == ("0.9", True)
