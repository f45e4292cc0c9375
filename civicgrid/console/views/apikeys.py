"""「接口密钥」: a person makes API keys for her own account (each shown once), sees them and revokes them; an
administrator does the same for any account. Making and revoking are integrations.tokens' audited services."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.cache import never_cache

from civicgrid.console.access import staff_view
from civicgrid.integrations.models import ApiToken
from civicgrid.integrations.tokens import issue_token, may_manage, revoke_token


def _owner(request):
    """Whose keys the page is about: one's own, or (for an administrator) the account named by ?account=."""
    username = (request.POST.get("account") or request.GET.get("account") or "").strip()[:150]
    if not username or username == request.user.get_username():
        return request.user
    if not request.user.is_superuser:
        raise PermissionDenied("只能管理自己的接口密钥；为他人管理请联系系统管理员")
    owner = get_user_model().objects.filter(username=username).first()
    if owner is None:
        raise Http404("没有该账号")
    return owner


def _page_url(request, owner) -> str:
    url = reverse("console:api_keys")
    return url if owner.pk == request.user.pk else f"{url}?account={owner.get_username()}"


def _context(request, owner, **more) -> dict:
    return {
        "owner": owner,
        "own": owner.pk == request.user.pk,
        "tokens": ApiToken.objects.filter(user=owner)
        .select_related("created_by")
        .order_by("-created_at", "-pk"),
        "page_url": _page_url(request, owner),
        **more,
    }


@never_cache
@staff_view()
def api_keys(request):
    owner = _owner(request)
    if request.method == "POST":
        token, raw = issue_token(actor=request.user, owner=owner, name=request.POST.get("name", ""))
        # The raw key is in this response only: rendered, never redirected to, never stored.
        return render(
            request, "console/apikeys/list.html", _context(request, owner, new_token=token, raw=raw)
        )
    return render(request, "console/apikeys/list.html", _context(request, owner))


def _token(request, pk) -> ApiToken:
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    if not may_manage(request.user, token.user):
        raise PermissionDenied("只能停用自己的接口密钥")
    return token


@staff_view()
def api_key_revoke(request, token_id):
    """The confirmation page; the POST from it revokes."""
    token = _token(request, token_id)
    if request.method == "POST":
        if request.POST.get("confirm") != "1":
            messages.error(request, "请勾选「确认停用」后再提交")
            return redirect("console:api_key_revoke", token_id=token.pk)
        revoke_token(actor=request.user, token=token)
        messages.success(request, f"已停用接口密钥「{token.name}」，使用它的程序将无法再调用接口。")
        return redirect(_page_url(request, token.user))
    return render(
        request,
        "console/apikeys/revoke.html",
        {"token": token, "own": token.user_id == request.user.pk, "page_url": _page_url(request, token.user)},
    )


urlpatterns = [
    path("api-keys/", api_keys, name="api_keys"),
    path("api-keys/<int:token_id>/revoke/", api_key_revoke, name="api_key_revoke"),
]
