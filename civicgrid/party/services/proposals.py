"""新建党组织申请: a secretary proposes a sub-organisation or a temporary organisation under one he manages;
组织部 staff (or an administrator) whose areas cover the parent approve it — the organisation is created then,
through org_create — or reject it with a note."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from civicgrid.core.actors import SYSTEM
from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import OrgProposal, PartyOrg
from civicgrid.party.services._common import audit
from civicgrid.party.services.orgs import org_create
from civicgrid.registry.models import Role
from civicgrid.registry.selectors import role_codes

APPROVER_ROLES = {Role.ORGANISATION_STAFF, Role.ADMINISTRATOR}


def _is_person(actor) -> bool:
    return actor is not None and actor is not SYSTEM and getattr(actor, "is_authenticated", False)


def can_decide(actor, parent: PartyOrg) -> bool:
    """组织部 staff whose scope covers the parent organisation, administrators and the command line."""
    from civicgrid.party.selectors import orgs_in_scope

    if actor is SYSTEM:
        return True
    if not _is_person(actor):
        return False
    if not (actor.is_superuser or role_codes(actor) & APPROVER_ROLES):
        return False
    return orgs_in_scope(actor).filter(pk=parent.pk).exists()


@transaction.atomic
def proposal_submit(
    actor,
    parent: PartyOrg,
    *,
    name: str,
    kind: str,
    setup: str,
    area,
    reason: str,
    unit=None,
    is_temporary: bool = False,
    temp_task: str = "",
    end_date: date | None = None,
) -> OrgProposal:
    from civicgrid.party.selectors import can_manage_org

    if _is_person(actor) and not can_manage_org(actor, parent):
        raise PartyRefusal(f"无权申请：「{parent.name}」不在您的管理范围内")
    if parent.kind == PartyOrg.Kind.BRANCH:
        raise PartyRefusal(f"党支部「{parent.name}」下不能设立下级党组织（可设党小组）")
    if parent.dissolved_on:
        raise PartyRefusal(f"上级组织「{parent.name}」已撤销")
    name, reason, temp_task = (name or "").strip(), (reason or "").strip(), (temp_task or "").strip()
    if not name:
        raise PartyRefusal("组织名称不能为空")
    if kind not in PartyOrg.Kind.values:
        raise PartyRefusal(f"组织类别「{kind}」无效，应为党委、党总支、党支部或党工委")
    if setup not in PartyOrg.Setup.values:
        raise PartyRefusal(f"设置方式「{setup}」无效")
    if not reason:
        raise PartyRefusal("请填写申请理由")
    if is_temporary and not temp_task:
        raise PartyRefusal("临时党组织请填写临时任务")
    if not is_temporary:
        temp_task, end_date = "", None
    duplicate = OrgProposal.objects.filter(parent=parent, name=name, state=OrgProposal.State.PENDING)
    if duplicate.exists():
        raise PartyRefusal(f"「{name}」的申请已在审批中")
    proposal = OrgProposal.objects.create(
        proposed_by=actor if _is_person(actor) else None,
        parent=parent,
        name=name,
        kind=kind,
        setup=setup,
        area=area,
        unit=unit,
        is_temporary=is_temporary,
        temp_task=temp_task,
        end_date=end_date,
        reason=reason,
    )
    label = "临时党组织" if is_temporary else proposal.get_kind_display()
    audit(
        actor,
        "party.proposal_submit",
        proposal,
        f"申请在「{parent.name}」下新建{label}「{name}」",
        parent=parent.code,
        temporary=is_temporary,
    )
    return proposal


def _pending(actor, proposal: OrgProposal) -> OrgProposal:
    proposal = OrgProposal.objects.select_for_update().select_related("parent").get(pk=proposal.pk)
    if proposal.state != OrgProposal.State.PENDING:
        raise PartyRefusal(f"「{proposal.name}」的申请已{proposal.get_state_display()}，不能再次审批")
    if not can_decide(actor, proposal.parent):
        raise PartyRefusal(f"无权审批：「{proposal.parent.name}」不在您的审批范围内")
    return proposal


@transaction.atomic
def proposal_approve(
    actor, proposal: OrgProposal, *, code: str, founded_on: date, approval_doc: str = "", note: str = ""
) -> OrgProposal:
    """Create the organisation (a temporary one approved by the parent) and mark the proposal approved."""
    proposal = _pending(actor, proposal)
    if founded_on is None:
        raise PartyRefusal("请填写成立日期")
    org = org_create(
        actor=actor,
        code=code,
        name=proposal.name,
        kind=proposal.kind,
        area=proposal.area,
        setup=proposal.setup,
        parent=proposal.parent,
        unit=proposal.unit,
        is_temporary=proposal.is_temporary,
        temp_task=proposal.temp_task,
        approved_by=proposal.parent if proposal.is_temporary else None,
        end_date=proposal.end_date,
        founded_on=founded_on,
        approval_doc=approval_doc,
        note=note,
    )
    proposal.state = OrgProposal.State.APPROVED
    proposal.decided_by = actor if _is_person(actor) else None
    proposal.decided_at = timezone.now()
    proposal.decision_note = note.strip()
    proposal.created_org = org
    proposal.save()
    audit(
        actor,
        "party.proposal_approve",
        proposal,
        f"批准新建「{org.name}」（组织代码 {org.code}）",
        org=org.code,
        founded_on=founded_on.isoformat(),
    )
    return proposal


@transaction.atomic
def proposal_reject(actor, proposal: OrgProposal, *, note: str) -> OrgProposal:
    note = (note or "").strip()
    if not note:
        raise PartyRefusal("不予批准时请填写审批意见")
    proposal = _pending(actor, proposal)
    proposal.state = OrgProposal.State.REJECTED
    proposal.decided_by = actor if _is_person(actor) else None
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save()
    audit(actor, "party.proposal_reject", proposal, f"不予批准新建「{proposal.name}」", note=note)
    return proposal
