from civicgrid.notify.models import SmsMessage, SmsStatus
from civicgrid.notify.sms import deliver_sms

from .test_tickets import demo  # noqa: F401 (the fixture)


def test_the_simulated_past_writes_residents_sms_and_sends_none(demo):  # noqa: F811
    rows = SmsMessage.objects.all()
    assert rows.filter(template__key="closed").exists()
    assert set(rows.values_list("status", flat=True)) == {SmsStatus.HISTORICAL}
    assert deliver_sms() == 0
