import pytest
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.sla.models import TimeLimitPolicy

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "query",
    [{}, {"q": "默认"}, {"request_type": "QZ"}, {"urgency": "-"}, {"dispatch_mode": "direct_to_grid"}],
)
def test_policy_list_in_chinese_with_filters(admin_client, query):
    response = admin_client.get(reverse("admin:sla_timelimitpolicy_changelist"), query)
    assert response.status_code == 200
    page = response.content.decode()
    assert "办理时限策略" in page
    assert "诉求类型" in page


def test_policy_list_shows_limits_with_units(admin_client):
    page = admin_client.get(reverse("admin:sla_timelimitpolicy_changelist"), {"request_type": "TS"}).content
    page = page.decode()
    assert "15 工作日" in page
    assert "投诉" in page
    assert "直派网格" in page


def test_filters_select_the_rows(admin_client):
    response = admin_client.get(reverse("admin:sla_timelimitpolicy_changelist"), {"dispatch_mode": "-"})
    shown = list(response.context["cl"].queryset)
    assert len(shown) == 9 and all(p.dispatch_mode == "" for p in shown)


def test_editing_a_policy_is_audited_and_keys_are_chosen_from_lists(admin_client):
    policy = TimeLimitPolicy.objects.get(request_type="ZX", urgency="normal")
    url = reverse("admin:sla_timelimitpolicy_change", args=[policy.pk])
    form = admin_client.get(url).context["adminform"].form
    assert ("ZX", "咨询") in [(str(k), str(v)) for k, v in form.fields["request_type"].choices]
    data = {name: form[name].value() for name in form.fields}
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["handle_limit"] = "3"
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    policy.refresh_from_db()
    assert policy.handle_limit == 3
    assert AuditEvent.objects.filter(action="admin.change", target_id=str(policy.pk)).exists()


def test_fractional_working_days_are_refused_in_the_form(admin_client):
    policy = TimeLimitPolicy.objects.get(request_type="ZX", urgency="normal")
    url = reverse("admin:sla_timelimitpolicy_change", args=[policy.pk])
    form = admin_client.get(url).context["adminform"].form
    data = {k: ("" if v is None else v) for k, v in ((n, form[n].value()) for n in form.fields)}
    data["handle_limit"] = "2.5"
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "整数" in response.content.decode()
