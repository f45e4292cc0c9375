"""The console's mediation pages: scope on page and action, masking with an audited reveal, the agreement download,
「转人民调解」 from the ticket page, the figures page."""

from datetime import date

from django.urls import reverse

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.mediation import services
from civicgrid.mediation.models import Case
from civicgrid.tickets import services as ticket_services
from civicgrid.tickets.models import Ticket
from tests.mediation.conftest import make_case, med  # noqa: F401  (fixtures)
from tests.tickets.conftest import local, world  # noqa: F401
from tests.tickets.helpers import register


def test_a_mediator_sees_only_his_committee(client, med):  # noqa: F811
    mine, theirs = make_case(med, "a"), make_case(med, "b")
    client.force_login(med["med_a"])
    page = client.get(reverse("console:med_cases")).content.decode()
    assert mine.number in page and theirs.number not in page
    assert "张*山" in page and "张大山" not in page
    assert client.get(reverse("console:med_case", args=[theirs.pk])).status_code == 403
    response = client.post(reverse("console:med_case_action", args=[theirs.pk]), {"action": "accept"})
    assert response.status_code == 403
    theirs.refresh_from_db()
    assert theirs.state == Case.State.REGISTERED
    assert client.get(reverse("console:med_case", args=[mine.pk])).status_code == 200
    client.post(reverse("console:med_case_action", args=[mine.pk]), {"action": "accept"})
    mine.refresh_from_db()
    assert mine.state == Case.State.ACCEPTED


def test_reveal_is_audited_and_docx_downloads(client, med):  # noqa: F811
    case = make_case(med, "a")
    client.force_login(med["med_a"])
    html = client.get(reverse("console:med_case", args=[case.pk])).content.decode()
    assert "13812345678" not in html and "138****5678" in html
    html = client.post(
        reverse("console:med_case_reveal", args=[case.pk]), {"purpose": "通知调解"}
    ).content.decode()
    assert "13812345678" in html and "张大山" in html
    assert AuditEvent.objects.filter(action="pii.reveal", actor=med["med_a"]).count() == 1
    services.case_accept(actor=SYSTEM, case=case, on=date(2026, 3, 3))
    services.assign_mediators(actor=SYSTEM, case=case, mediators=med["roll"]["a"][:1])
    services.case_start(actor=SYSTEM, case=case)
    services.case_agree(
        actor=SYSTEM,
        case=case,
        content="赔偿",
        performance_manner="转账",
        signed_on=date(2026, 3, 20),
        performance_deadline=date(2026, 4, 1),
    )
    response = client.get(reverse("console:med_case_docx", args=[case.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxml")
    for name in ("med_cases_export", "med_mediators_export"):
        assert client.get(reverse(f"console:{name}")).status_code == 200


def test_refer_from_the_ticket_page(client, med):  # noqa: F811
    w = med["world"]
    t0 = local(2026, 6, 1, 9, 0)
    ticket = register(w, t0, category="neighbour")
    ticket_services.ticket_dispatch(ticket=ticket, actor=w.user("dispatcher"), at=t0)
    client.force_login(w.user("dispatcher"))
    page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    refer = reverse("console:med_ticket_refer", args=[ticket.pk])
    assert refer in page
    assert client.get(refer).status_code == 200
    response = client.post(
        refer, {"committee": med["a"].pk, "dispute_type": "neighbour", "note": "双方同意调解"}
    )
    assert response.status_code == 302
    ticket = Ticket.objects.get(pk=ticket.pk)
    assert ticket.paused_at is not None
    case = Case.objects.get(ticket=ticket)
    page = client.get(reverse("console:ticket", args=[ticket.pk])).content.decode()
    assert case.number in page and refer not in page


def test_committee_and_stats_pages(client, med):  # noqa: F811
    client.force_login(med["yh_worker"])
    assert "符合要求" in client.get(reverse("console:med_committees")).content.decode()
    assert client.get(reverse("console:med_committee", args=[med["a"].pk])).status_code == 200
    assert client.get(reverse("console:med_committee", args=[med["b"].pk])).status_code == 403
    html = client.get(reverse("console:med_stats"), {"year": "2026"}).content.decode()
    assert "人民调解委员会（个）" in html
    assert client.get(reverse("console:med_stats_export"), {"year": "2026"}).status_code == 200
    assert client.get(reverse("console:med_mediators")).status_code == 200
    assert client.get(reverse("console:med_case_new")).status_code == 200


def test_community_worker_sets_up_a_committee(client, med):  # noqa: F811
    from civicgrid.mediation.models import Committee

    client.force_login(med["jh_worker"])
    assert "设立人民调解委员会" in client.get(reverse("console:med_committees")).content.decode()
    response = client.post(
        reverse("console:med_committee_new"),
        {"area": med["yinhai"].pk, "name": "越权调委会", "established_on": "2026-01-01"},
    )
    assert response.status_code == 400 and not Committee.objects.filter(name="越权调委会").exists()
    response = client.post(
        reverse("console:med_committee_new"),
        {"area": med["jinhai"].pk, "name": "金海社区第二调委会", "established_on": "2026-01-01"},
    )
    assert response.status_code == 302
    client.force_login(med["med_a"])
    assert "设立人民调解委员会" not in client.get(reverse("console:med_committees")).content.decode()
