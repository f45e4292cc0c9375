"""Party grids (党建网格): a named set of grids served by one or two organisations."""

from django.db import transaction

from civicgrid.party.errors import PartyRefusal
from civicgrid.party.models import MemberRule, PartyGrid
from civicgrid.party.services._common import audit, require_org, today_or


@transaction.atomic
def party_grid_save(
    *,
    actor,
    area,
    name: str,
    grids=None,
    orgs=None,
    note: str | None = None,
    party_grid: PartyGrid | None = None,
) -> PartyGrid:
    """Create a party grid (by area and name) or change its name, grids or serving organisations.

    `grids` / `orgs` of None leave them as they are; zero serving organisations is allowed while it is being
    set up, more than the configured two is refused.
    """
    name = (name or "").strip()
    if not name:
        raise PartyRefusal("党建网格名称不能为空")
    duplicate = PartyGrid.objects.filter(area=area, name=name).exclude(pk=getattr(party_grid, "pk", None))
    if duplicate.exists():
        raise PartyRefusal(f"该区划下已有党建网格「{name}」")
    if orgs is not None:
        orgs = list(orgs)
        limit = MemberRule.at(today_or(None)).party_grid_max_orgs
        if len(orgs) > limit:
            raise PartyRefusal(f"一个党建网格由 1 至 {limit} 个党组织服务，不能设置 {len(orgs)} 个")
        for org in orgs:
            require_org(actor, org, action="设置党建网格")
    created = party_grid is None
    party_grid = party_grid or PartyGrid(area=area)
    fields = []
    if created or party_grid.name != name or party_grid.area_id != area.pk:
        party_grid.name, party_grid.area = name, area
        fields.append("name")
    if note is not None and note.strip() != party_grid.note:
        party_grid.note = note.strip()
        fields.append("note")
    if fields:
        party_grid.save()
    if grids is not None and {g.pk for g in grids} != set(party_grid.grids.values_list("pk", flat=True)):
        party_grid.grids.set(list(grids))
        fields.append("grids")
    if orgs is not None and {o.pk for o in orgs} != set(party_grid.orgs.values_list("pk", flat=True)):
        party_grid.orgs.set(orgs)
        fields.append("orgs")
    if fields:
        audit(
            actor,
            "party.grid_save",
            party_grid,
            f"{'新建' if created else '修改'}党建网格「{name}」",
            fields=sorted(fields),
        )
    return party_grid
