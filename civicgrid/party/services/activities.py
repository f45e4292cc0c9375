"""Pioneer posts (党员先锋岗), shock teams (党员突击队) and deployments (党员下沉): create, change, delete."""

from datetime import date

from django.db import transaction

from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import Deployment, PartyMember, PartyOrg, PioneerPost, ShockTeam
from civicgrid.party.services._common import audit, changed, require_org


def _period(from_date: date | None, to_date: date | None) -> None:
    if from_date and to_date and to_date < from_date:
        raise PartyRefusal("结束日期不能早于开始日期")


def _active_member(member: PartyMember | None) -> None:
    if member is not None and member.status != PartyMember.Status.ACTIVE:
        raise PartyRefusal(f"{member.masked_name}不是在册党员")


@transaction.atomic
def pioneer_post_save(
    *,
    actor,
    org: PartyOrg,
    name: str,
    holder: PartyMember | None = None,
    place: str = "",
    from_date: date | None = None,
    to_date: date | None = None,
    note: str = "",
    post: PioneerPost | None = None,
) -> PioneerPost:
    require_org(actor, org, action="设置党员先锋岗")
    if post is not None and post.org_id != org.pk:
        require_org(actor, post.org, action="设置党员先锋岗")
    if not name.strip():
        raise PartyRefusal("岗位名称不能为空")
    _period(from_date, to_date)
    _active_member(holder)
    created = post is None
    post = post or PioneerPost()
    names = changed(
        post,
        {
            "org": org,
            "name": name.strip(),
            "holder": holder,
            "place": place.strip(),
            "from_date": from_date,
            "to_date": to_date,
            "note": note.strip(),
        },
    )
    if names:
        post.save()
        audit(actor, "party.pioneer_save", post, f"{'设立' if created else '修改'}党员先锋岗「{post.name}」")
    return post


@transaction.atomic
def pioneer_post_delete(*, actor, post: PioneerPost) -> None:
    require_org(actor, post.org, action="删除党员先锋岗")
    audit(actor, "party.pioneer_delete", post, f"删除党员先锋岗「{post.name}」", org=post.org.code)
    post.delete()


@transaction.atomic
def shock_team_save(
    *,
    actor,
    org: PartyOrg,
    name: str,
    task: str,
    members=None,
    from_date: date | None = None,
    to_date: date | None = None,
    note: str = "",
    team: ShockTeam | None = None,
) -> ShockTeam:
    require_org(actor, org, action="设置党员突击队")
    if team is not None and team.org_id != org.pk:
        require_org(actor, team.org, action="设置党员突击队")
    if not name.strip() or not task.strip():
        raise PartyRefusal("突击队名称和任务不能为空")
    _period(from_date, to_date)
    created = team is None
    team = team or ShockTeam()
    names = changed(
        team,
        {
            "org": org,
            "name": name.strip(),
            "task": task.strip(),
            "from_date": from_date,
            "to_date": to_date,
            "note": note.strip(),
        },
    )
    if names:
        team.save()
    if members is not None:
        members = list(members)
        for member in members:
            _active_member(member)
        if {m.pk for m in members} != set(team.members.values_list("pk", flat=True)):
            team.members.set(members)
            names.append("members")
    if names:
        audit(
            actor,
            "party.shock_team_save",
            team,
            f"{'组建' if created else '修改'}党员突击队「{team.name}」",
            fields=sorted(names),
        )
    return team


@transaction.atomic
def shock_team_delete(*, actor, team: ShockTeam) -> None:
    require_org(actor, team.org, action="删除党员突击队")
    audit(actor, "party.shock_team_delete", team, f"删除党员突击队「{team.name}」", org=team.org.code)
    team.delete()


@transaction.atomic
def deployment_save(
    *,
    actor,
    org: PartyOrg,
    task: str,
    from_date: date,
    days: int,
    member: PartyMember | None = None,
    person_name: str = "",
    place: str = "",
    deployment: Deployment | None = None,
) -> Deployment:
    """One person sent to a task for `days` days (person-times add up the days)."""
    require_org(actor, org, action="登记党员下沉")
    if deployment is not None and deployment.org_id != org.pk:
        require_org(actor, deployment.org, action="登记党员下沉")
    if member is None and not person_name.strip():
        raise PartyRefusal("请指定下沉的党员或填写姓名")
    if not task.strip():
        raise PartyRefusal("下沉任务不能为空")
    if days < 1:
        raise PartyRefusal("下沉天数至少为 1 天")
    _active_member(member)
    created = deployment is None
    deployment = deployment or Deployment()
    names = changed(
        deployment,
        {
            "org": org,
            "member": member,
            "person_name": person_name.strip(),
            "task": task.strip(),
            "place": place.strip(),
            "from_date": from_date,
            "days": days,
        },
    )
    if names:
        deployment.save()
        audit(
            actor,
            "party.deployment_save",
            deployment,
            f"{'登记' if created else '修改'}党员下沉：{deployment}（{days} 天）",
        )
    return deployment


@transaction.atomic
def deployment_delete(*, actor, deployment: Deployment) -> None:
    require_org(actor, deployment.org, action="删除党员下沉记录")
    audit(
        actor,
        "party.deployment_delete",
        deployment,
        f"删除党员下沉记录：{deployment}",
        org=deployment.org.code,
    )
    deployment.delete()
