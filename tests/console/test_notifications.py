"""The notification centre: unread first, filter by kind, mark all (or all of a kind) read."""

from django.urls import reverse
from django.utils import timezone

from civicgrid.notify.models import Notification
from tests.core.test_labels import _visible


def _make(user, kind, title, read=False):
    now = timezone.now()
    return Notification.objects.create(
        recipient=user, kind=kind, title=title, created_at=now, read_at=now if read else None
    )


def test_filter_by_kind_shows_labels_counts_and_only_that_kind(client, world):
    user = world.user("dispatcher")
    _make(user, "return_requested", "退单待审核:甲")
    _make(user, "replied", "答复待审核:乙")
    _make(user, "replied", "答复待审核:丙", read=True)
    client.force_login(user)
    html = client.get(reverse("console:notifications")).content.decode()
    assert "退单待审核:甲" in html and "答复待审核:乙" in html
    assert "答复待审核:丙" not in html  # unread first: read ones only under 全部消息
    assert "未读 2" in html
    assert 'data-kind="replied"' in html and 'data-kind="return_requested"' in html
    html = client.get(reverse("console:notifications"), {"kind": "replied", "show": "all"}).content.decode()
    assert "答复待审核:乙" in html and "答复待审核:丙" in html and "退单待审核:甲" not in html
    assert "replied" not in _visible(html) and "答复待审核" in _visible(
        html
    )  # the kind's label, not its code


def test_mark_all_read_and_all_of_a_kind(client, world):
    user = world.user("dispatcher")
    other = world.user("operator")
    for i in range(30):
        _make(user, "replied", f"答复待审核:{i}")
    _make(user, "return_requested", "退单待审核:甲")
    _make(other, "replied", "别人的")
    client.force_login(user)
    response = client.post(
        reverse("console:notifications") + "?kind=replied", {"all": "1", "kind": "replied"}
    )
    assert response.status_code == 302 and "kind=replied" in response["Location"]
    assert Notification.objects.filter(recipient=user, read_at__isnull=True).count() == 1
    client.post(reverse("console:notifications"), {"all": "1"})
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=other, read_at__isnull=True).count() == 1
    html = client.get(reverse("console:notifications")).content.decode()
    assert "没有未读消息" in html
