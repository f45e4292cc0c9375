"""组织关系转接: a letter sent (due after the configured days), then received or returned."""

from datetime import date, timedelta

from django.db import transaction

from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import MemberRule, PartyMember, PartyOrg, RelationTransfer
from civicgrid.party.services._common import audit, require_org


@transaction.atomic
def transfer_send(
    *,
    actor,
    member: PartyMember,
    direction: str,
    sent_on: date,
    to_org: PartyOrg | None = None,
    to_name: str = "",
    from_org: PartyOrg | None = None,
    from_name: str = "",
    letter_no: str = "",
) -> RelationTransfer:
    """Out: from the member's organisation to an organisation here or outside (named). In: from outside (named)
    or from an organisation here, into `to_org`. One open transfer per member."""
    member = PartyMember.objects.select_for_update(of=("self",)).select_related("org").get(pk=member.pk)
    if direction not in RelationTransfer.Direction.values:
        raise PartyRefusal("转接方向应为转入或转出")
    if member.status not in (PartyMember.Status.ACTIVE, PartyMember.Status.TRANSFERRED_OUT):
        raise PartyRefusal(f"{member.masked_name}不是在册党员，不能转接组织关系")
    if member.transfers.filter(state=RelationTransfer.State.SENT).exists():
        raise PartyRefusal(f"{member.masked_name}有尚未办结的组织关系转接")
    to_name, from_name = to_name.strip(), from_name.strip()
    if direction == RelationTransfer.Direction.OUT:
        if member.org_id is None:
            raise PartyRefusal(f"{member.masked_name}没有所在党组织，无法转出")
        if member.status != PartyMember.Status.ACTIVE:
            raise PartyRefusal(f"{member.masked_name}已转出")
        from_org, from_name = member.org, ""
        require_org(actor, from_org, action="开具组织关系介绍信")
        if to_org is None and not to_name:
            raise PartyRefusal("请指定转入的党组织")
        if to_org is not None and to_org.pk == from_org.pk:
            raise PartyRefusal("转入与转出党组织不能相同")
    else:
        if to_org is None:
            raise PartyRefusal("转入须指定本系统内接收的党组织")
        require_org(actor, to_org, action="登记组织关系转入")
        if from_org is None and not from_name:
            raise PartyRefusal("请填写转出的党组织")
    if to_org is not None and to_org.is_temporary and member.is_probationary:
        raise PartyRefusal(f"「{to_org.name}」是临时党组织，不能接收预备党员")
    rule = MemberRule.at(sent_on)
    transfer = RelationTransfer.objects.create(
        member=member,
        direction=direction,
        from_org=from_org,
        from_name=from_name,
        to_org=to_org,
        to_name=to_name,
        letter_no=letter_no.strip(),
        sent_on=sent_on,
        due_on=sent_on + timedelta(days=rule.transfer_due_days),
    )
    audit(
        actor,
        "party.transfer_send",
        transfer,
        f"{member.masked_name} 组织关系{transfer.get_direction_display()}：{transfer.from_display} → {transfer.to_display}",
        letter_no=transfer.letter_no,
    )
    return transfer


def _open(transfer: RelationTransfer) -> RelationTransfer:
    transfer = (
        RelationTransfer.objects.select_for_update()
        .select_related("member", "from_org", "to_org")
        .get(pk=transfer.pk)
    )
    if transfer.state != RelationTransfer.State.SENT:
        raise PartyRefusal(f"该转接已{transfer.get_state_display()}")
    return transfer


@transaction.atomic
def transfer_receive(*, actor, transfer: RelationTransfer, received_on: date) -> RelationTransfer:
    """Received: into an organisation here the member moves there; to one outside the member is 转出."""
    transfer = _open(transfer)
    require_org(actor, transfer.to_org or transfer.from_org, action="登记组织关系接收")
    if received_on < transfer.sent_on:
        raise PartyRefusal("接收日期不能早于开具日期")
    member = PartyMember.objects.select_for_update().get(pk=transfer.member_id)
    if transfer.to_org_id:
        member.org, member.group = transfer.to_org, None
        member.status, member.status_changed_on = PartyMember.Status.ACTIVE, received_on
        member.flowing, member.flow_direction = False, PartyMember.FlowDirection.NONE
    else:
        member.status, member.status_changed_on = PartyMember.Status.TRANSFERRED_OUT, received_on
        member.group = None
    member.save()
    transfer.state, transfer.received_on = RelationTransfer.State.RECEIVED, received_on
    transfer.save(update_fields=["state", "received_on"])
    audit(
        actor,
        "party.transfer_receive",
        transfer,
        f"{member.masked_name} 组织关系已由「{transfer.to_display}」接收",
        received_on=received_on.isoformat(),
    )
    return transfer


@transaction.atomic
def transfer_return(*, actor, transfer: RelationTransfer, returned_on: date, reason: str) -> RelationTransfer:
    """Returned (退回): the member stays where he was."""
    transfer = _open(transfer)
    require_org(actor, transfer.from_org or transfer.to_org, action="登记组织关系退回")
    if not reason.strip():
        raise PartyRefusal("退回须说明原因")
    if returned_on < transfer.sent_on:
        raise PartyRefusal("退回日期不能早于开具日期")
    transfer.state, transfer.returned_on, transfer.return_reason = (
        RelationTransfer.State.RETURNED,
        returned_on,
        reason.strip(),
    )
    transfer.save(update_fields=["state", "returned_on", "return_reason"])
    audit(
        actor,
        "party.transfer_return",
        transfer,
        f"{transfer.member.masked_name} 的组织关系介绍信被退回",
        reason=transfer.return_reason,
    )
    return transfer
