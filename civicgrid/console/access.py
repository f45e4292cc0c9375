"""Every console page declares who may open it; scope within a page comes from the selectors."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied

from civicgrid.registry.models import Role
from civicgrid.tickets.permissions import has_role, staff_of

ALL_STAFF = tuple(code for code, _ in Role.SEED)


def staff_view(*roles: str):
    """Login required; then the user must be staff holding one of `roles` (a superuser always may)."""
    allowed = roles or ALL_STAFF

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_superuser and staff_of(user) is None:
                raise PermissionDenied("您没有工作人员身份，请联系管理员")
            if not has_role(user, *allowed):
                names = "、".join(dict(Role.SEED)[c] for c in allowed)
                raise PermissionDenied(f"此页面仅限{names}使用")
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = allowed
        return wrapper

    return decorate
