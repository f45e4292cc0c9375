"""Who the key belongs to: a first call for an integrator to check the key works."""

from ninja import Router, Schema

from civicgrid.registry.selectors import role_codes, staff_of, units_acted_for

router = Router(tags=["账号"])


class MeOut(Schema):
    username: str
    name: str
    roles: list[str]
    units: list[int]
    client: str | None


@router.get("", response=MeOut, summary="当前密钥所属账号")
def me(request):
    user = request.user
    staff = staff_of(user)
    client = getattr(user, "integration_client", None)
    return {
        "username": user.get_username(),
        "name": staff.name if staff else "",
        "roles": sorted(role_codes(user)),
        "units": sorted(units_acted_for(user) or []),
        "client": client.code if client else None,
    }
