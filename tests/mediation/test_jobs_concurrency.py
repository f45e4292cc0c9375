"""Two workers running mediation's jobs at the same moment on PostgreSQL: every reminder and every retention mark
happens once (one audit row, one notification per recipient)."""

import threading
from collections import Counter
from datetime import date

import pytest
from django.db import connection

from civicgrid.core.actors import SYSTEM
from civicgrid.core.models import AuditEvent
from civicgrid.mediation import jobs, services
from civicgrid.notify.models import Notification

from .conftest import local, make_case
from .test_services import through_agreement

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

EACH = 4
# Accepted 3 March: a month later overdue; signed 20 March: judicial reminder from 14 April, performance by 10 April.
NOW = local(2026, 4, 14, 8)
# Declined 3 March 2026: kept ten years.
RETENTION = local(2036, 3, 4, 9)
JOBS = (jobs.alert_overdue, jobs.remind_judicial, jobs.remind_follow_up, jobs.mark_expired)


def together(run, n=2) -> list:
    barrier = threading.Barrier(n)
    results, errors = [None] * n, []

    def work(i):
        try:
            barrier.wait()
            results[i] = run()
        except Exception as error:  # reported in the main thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def test_two_workers_send_each_mediation_reminder_once(med):
    for _ in range(EACH):
        services.case_accept(actor=SYSTEM, case=make_case(med), on=date(2026, 3, 3))
        through_agreement(med, make_case(med))
        services.case_decline(
            actor=SYSTEM, case=make_case(med), reason="不属于调解范围", at=local(2026, 3, 3, 9)
        )

    passes = together(lambda: [job(NOW) for job in JOBS])
    marks = together(lambda: jobs.mark_expired(RETENTION))

    assert [a + b for a, b in zip(*passes, strict=True)] == [EACH, EACH, EACH, 0]
    assert sum(marks) == EACH
    actions = Counter(
        AuditEvent.objects.filter(action__startswith="mediation.").values_list("action", flat=True)
    )
    for action in ("mediation.overdue", "mediation.judicial_remind", "mediation.followup_remind"):
        assert actions[action] == EACH, action
    assert actions["mediation.retention_mark"] == EACH
    sent = Counter(
        Notification.objects.filter(kind__startswith="mediation_").values_list(
            "recipient_id", "kind", "title"
        )
    )
    assert sent and set(sent.values()) == {1}
    assert {kind for _, kind, _ in sent} == {"mediation_overdue", "mediation_judicial", "mediation_followup"}
