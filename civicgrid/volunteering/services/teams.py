"""Editing a volunteer team (created by projects.create_team): its name, leader and founding date, its members.

A member is an active volunteer the staff member may manage; the leader is always a member.
"""

from datetime import date

from django.db import transaction

from civicgrid.volunteering.errors import VolunteerRefusal
from civicgrid.volunteering.models import Team, Volunteer
from civicgrid.volunteering.services._common import audit, require_area


def _locked(team: Team) -> Team:
    return Team.objects.select_for_update().get(pk=team.pk)


def _check_member(actor, volunteer: Volunteer) -> None:
    if volunteer.state != Volunteer.State.ACTIVE:
        raise VolunteerRefusal(f"志愿者 {volunteer.number} 不在册，不能加入队伍")
    require_area(actor, volunteer.area_id, action="将该志愿者加入队伍")


def update_team(
    *, actor, team: Team, name: str, leader: Volunteer | None = None, founded_on: date | None = None
):
    name = (name or "").strip()
    if not name:
        raise VolunteerRefusal("请填写队伍名称")
    require_area(actor, team.area_id, action="修改志愿服务队")
    with transaction.atomic():
        team = _locked(team)
        if leader is not None and leader.pk != team.leader_id:
            _check_member(actor, leader)
        before = {"name": team.name, "leader": team.leader_id}
        team.name, team.leader, team.founded_on = name[:100], leader, founded_on
        team.save(update_fields=["name", "leader", "founded_on"])
        if leader is not None:
            team.members.add(leader)
        audit(
            actor,
            "volunteer.team_save",
            team,
            f"修改志愿服务队「{team.name}」",
            before=before,
            after={"name": team.name, "leader": team.leader_id},
        )
    return team


def add_member(*, actor, team: Team, volunteer: Volunteer) -> Team:
    require_area(actor, team.area_id, action="修改志愿服务队")
    _check_member(actor, volunteer)
    with transaction.atomic():
        team = _locked(team)
        if team.members.filter(pk=volunteer.pk).exists():
            raise VolunteerRefusal(f"志愿者 {volunteer.number} 已是该队队员")
        team.members.add(volunteer)
        audit(actor, "volunteer.team_member", team, f"志愿者 {volunteer.number} 加入「{team.name}」")
    return team


def remove_member(*, actor, team: Team, volunteer: Volunteer) -> Team:
    require_area(actor, team.area_id, action="修改志愿服务队")
    with transaction.atomic():
        team = _locked(team)
        if not team.members.filter(pk=volunteer.pk).exists():
            raise VolunteerRefusal(f"志愿者 {volunteer.number} 不是该队队员")
        if team.leader_id == volunteer.pk:
            raise VolunteerRefusal("队长不能移出队伍，请先更换队长")
        team.members.remove(volunteer)
        audit(actor, "volunteer.team_member", team, f"志愿者 {volunteer.number} 移出「{team.name}」")
    return team
