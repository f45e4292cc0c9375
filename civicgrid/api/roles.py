"""Who may call an endpoint: the same roles as the console page that shows the same data, refused in Chinese."""

from django.core.exceptions import PermissionDenied

from civicgrid.registry.models import Role
from civicgrid.registry.selectors import has_role, staff_of


def require_staff(user, *roles: str) -> None:
    """As the console's staff_view: staff holding one of `roles` (any role when none; a superuser always)."""
    if not user.is_superuser and staff_of(user) is None:
        raise PermissionDenied("该账号没有工作人员身份，请联系管理员")
    if roles and not has_role(user, *roles):
        names = "、".join(dict(Role.SEED)[code] for code in roles)
        raise PermissionDenied(f"此接口仅限{names}使用")
