from civicgrid.deliberation.models import DeliberationRule

from .conftest import propose


def test_rules_are_editable_and_topics_shown_in_the_admin(client, world, admin_user):
    topic = propose(world)
    client.force_login(admin_user)
    rule = DeliberationRule.objects.get()
    assert client.get("/admin/deliberation/deliberationrule/").status_code == 200
    assert client.get(f"/admin/deliberation/deliberationrule/{rule.pk}/change/").status_code == 200
    html = client.get(f"/admin/deliberation/topic/{topic.pk}/change/").content.decode()
    assert topic.title in html and "13800" not in html
    assert client.get("/admin/deliberation/topic/").status_code == 200
