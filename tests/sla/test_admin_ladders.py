import pytest
from django.urls import reverse

from civicgrid.registry.models import Unit
from civicgrid.sla.models import EscalationLadder

pytestmark = pytest.mark.django_db


def test_ladder_pause_reason_and_policy_pages_in_chinese(admin_client):
    ladder = EscalationLadder.objects.get(area=None)
    page = admin_client.get(reverse("admin:sla_escalationladder_changelist")).content.decode()
    assert "提级阶梯" in page and "网格 → 村/社区 → 乡镇/街道 → 市" in page and "默认（全辖区）" in page
    page = admin_client.get(reverse("admin:sla_escalationladder_change", args=[ladder.pk])).content.decode()
    assert "提级层级" in page and "本级时限" in page
    page = admin_client.get(reverse("admin:sla_pausereason_changelist")).content.decode()
    assert "暂停计时原因" in page and "等待诉求人" in page and "转人民调解" in page
    policy_page = admin_client.get(reverse("admin:sla_timelimitpolicy_add")).content.decode()
    assert "提级时限" in policy_page and "重办时限" in policy_page


def test_units_without_staff_are_flagged_in_the_unit_admin(admin_client):
    Unit.objects.create(code="NOBODY", name="无人单位", kind=Unit.Kind.COMMUNITY)
    url = reverse("admin:registry_unit_changelist")
    response = admin_client.get(url, {"staffed": "no"})
    assert response.status_code == 200
    assert "在岗办理人员" in response.content.decode()
    assert [u.name for u in response.context["cl"].queryset] == ["无人单位"]
    assert list(admin_client.get(url, {"staffed": "yes"}).context["cl"].queryset) == []
