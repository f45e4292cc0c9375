"""Reporters, rater groups and raters edited and removed: audited, only in the states the rules allow, refused once
a ballot counts them, and through confirmation pages in the console."""

import pytest
import time_machine
from django.urls import reverse

from civicgrid.core.models import AuditEvent
from civicgrid.reviews import services
from civicgrid.reviews.errors import ReviewError
from civicgrid.reviews.models import DataSheet, Rater, RaterGroup, Reporter
from tests.reviews.conftest import moment, ready_campaign


def test_reporter_edit_and_remove_while_a_draft(world):
    made = ready_campaign(world, open_it=False)
    actor = world["organiser"]
    dept = services.reporter_update(
        actor=actor, reporter=made["dept"], name="李明明", post="住建局局长", unit=world["housing"]
    )
    assert (dept.name, dept.post) == ("李明明", "住建局局长")
    with pytest.raises(ReviewError, match="请填写述职人姓名"):
        services.reporter_update(actor=actor, reporter=dept, name=" ", unit=world["housing"])
    with pytest.raises(ReviewError, match="请指定"):
        services.reporter_update(actor=actor, reporter=dept, name="李明")
    with pytest.raises(ReviewError):
        services.reporter_update(actor=world["outsider"], reporter=dept, name="某", unit=world["housing"])
    services.sheets_assemble(actor=actor, campaign=made["campaign"], at=moment(2026, 12, 1))
    services.reporter_remove(actor=actor, reporter=dept)
    assert not Reporter.objects.filter(pk=dept.pk).exists()
    assert DataSheet.objects.filter(reporter__campaign=made["campaign"]).count() == 1
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"reviews.reporter_update", "reviews.reporter_remove"} <= actions


def test_once_open_reporters_and_groups_stay_and_voters_cannot_go(world):
    made = ready_campaign(world)  # opened
    actor = world["organiser"]
    with pytest.raises(ReviewError, match="修改述职人"):
        services.reporter_update(actor=actor, reporter=made["dept"], name="李", unit=world["housing"])
    with pytest.raises(ReviewError, match="删除述职人"):
        services.reporter_remove(actor=actor, reporter=made["dept"])
    with pytest.raises(ReviewError, match="删除测评组"):
        services.group_remove(actor=actor, group=made["staff"])
    services.ballot_cast(actor=world["r1"], reporter=made["town"], grade="好")
    r1 = Rater.objects.get(user=world["r1"])
    r2 = Rater.objects.get(user=world["r2"])
    with pytest.raises(ReviewError, match="已投票，不能删除"):
        services.rater_remove(actor=actor, rater=r1)
    with pytest.raises(ReviewError, match="已投票，不能调整"):
        services.rater_move(actor=actor, rater=r1, group=made["staff"])
    # a rater who has not voted may still move or go while the campaign is open
    services.rater_move(actor=actor, rater=r2, group=made["staff"])
    assert Rater.objects.get(pk=r2.pk).group == made["staff"]
    services.rater_remove(actor=actor, rater=r2)
    assert not Rater.objects.filter(pk=r2.pk).exists()
    services.campaign_close(actor=actor, campaign=made["campaign"])
    r3 = Rater.objects.get(user=world["r3"])
    with pytest.raises(ReviewError, match="删除测评人"):
        services.rater_remove(actor=actor, rater=r3)


def test_group_remove_takes_its_raters_and_refuses_after_ballots(world):
    made = ready_campaign(world, open_it=False)
    removed = services.group_remove(actor=world["organiser"], group=made["staff"])
    assert removed == 1 and not RaterGroup.objects.filter(pk=made["staff"].pk).exists()
    assert not Rater.objects.filter(user=world["r3"]).exists()
    assert AuditEvent.objects.filter(action="reviews.group_remove").exists()


def test_group_with_paper_ballots_is_not_removed(world):
    made = ready_campaign(world, open_it=False)
    # Paper ballots are entered only while open; a group whose tallies exist keeps them even back in a draft.
    from civicgrid.reviews.models import PaperTally

    PaperTally.objects.create(
        group=made["full"], reporter=made["town"], grade="好", count=3, entered_at=moment(2026, 12, 2)
    )
    with pytest.raises(ReviewError, match="已有投票"):
        services.group_remove(actor=world["organiser"], group=made["full"])
    with pytest.raises(ReviewError, match="已有对王建国的投票"):
        services.reporter_remove(actor=world["organiser"], reporter=made["town"])


def test_console_pages_confirm_before_removing(client, world):
    with time_machine.travel(moment(2026, 12, 1), tick=False):
        made = ready_campaign(world, open_it=False)
        client.force_login(world["organiser"])
        campaign_url = reverse("console:rv_campaign", args=[made["campaign"].pk])
        page = client.get(campaign_url).content.decode()
        assert reverse("console:rv_reporter_edit", args=[made["dept"].pk]) in page
        assert reverse("console:rv_group_remove", args=[made["staff"].pk]) in page

        edit = reverse("console:rv_reporter_edit", args=[made["dept"].pk])
        assert "修改述职人李明" in client.get(edit).content.decode()
        response = client.post(edit, {"name": "李明明", "post": "局长", "unit": "U-ZJJ"})
        assert response.status_code == 302 and Reporter.objects.get(pk=made["dept"].pk).name == "李明明"

        remove = reverse("console:rv_reporter_remove", args=[made["dept"].pk])
        confirm = client.get(remove).content.decode()
        assert "确定删除" in confirm and Reporter.objects.filter(pk=made["dept"].pk).exists()
        assert client.post(remove).status_code == 302
        assert not Reporter.objects.filter(pk=made["dept"].pk).exists()

        raters = client.get(reverse("console:rv_raters", args=[made["campaign"].pk])).content.decode()
        assert "rater1" in raters and "未投票" in raters
        r1 = Rater.objects.get(user=world["r1"])
        client.post(reverse("console:rv_rater_edit", args=[r1.pk]), {"group": made["staff"].pk})
        assert Rater.objects.get(pk=r1.pk).group == made["staff"]
        rater_remove = reverse("console:rv_rater_remove", args=[r1.pk])
        assert "确定删除" in client.get(rater_remove).content.decode()
        client.post(rater_remove)
        assert not Rater.objects.filter(pk=r1.pk).exists()

        group_remove = reverse("console:rv_group_remove", args=[made["staff"].pk])
        assert "一并移除" in client.get(group_remove).content.decode()
        client.post(group_remove)
        assert not RaterGroup.objects.filter(pk=made["staff"].pk).exists()

        # another city's 组织部 may not touch them
        client.force_login(world["outsider"])
        assert client.get(reverse("console:rv_reporter_edit", args=[made["town"].pk])).status_code == 403
        assert client.get(reverse("console:rv_group_remove", args=[made["full"].pk])).status_code == 403


def test_a_rater_is_a_staff_account(world, django_user_model):
    made = ready_campaign(world, open_it=False)
    resident = django_user_model.objects.create_user(username="qunzhong", password="x")
    with pytest.raises(ReviewError, match="不是工作人员账号"):
        services.rater_add(actor=world["organiser"], group=made["full"], user=resident)
