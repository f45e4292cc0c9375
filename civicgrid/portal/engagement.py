"""微心愿 in the portal. Residents, signed in as in 我的诉求 (phone + one-time code, portal.mine), post a wish for
their community and confirm it once fulfilled; party members, signed in as in 我的组织 (portal.party), see their
quota progress and claim the wishes published in their community."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.engagement import selectors, services
from civicgrid.engagement.models import MicroWish, NeedItem
from civicgrid.portal.mine import signed_in_phone
from civicgrid.portal.party import signed_in_member
from civicgrid.registry.models import AdminArea


def _communities():
    return AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).order_by("code")


@never_cache
@require_http_methods(["GET", "POST"])
def wishes(request):
    phone = signed_in_phone(request)
    if phone is None:
        return redirect("portal:mine")
    error = ""
    if request.method == "POST":
        community = _communities().filter(code=request.POST.get("community", "").strip()).first()
        try:
            if community is None:
                raise Refusal("请选择所在的村（社区）")
            services.wish_collect(
                actor=None,
                community=community,
                source=NeedItem.Source.RESIDENT,
                title=request.POST.get("title", ""),
                content=request.POST.get("content", ""),
                resident_name=request.POST.get("name", ""),
                resident_phone=phone,
            )
        except Refusal as refusal:
            error = refusal.message
        else:
            messages.success(request, "心愿已提交，社区核实后会发布，请留意短信")
            return redirect("portal:wishes")
    return render(
        request,
        "portal/engagement_wishes.html",
        {
            "wishes": selectors.wishes_of_phone(phone),
            "communities": _communities(),
            "error": error,
            "phone_tail": phone[-4:],
        },
    )


@never_cache
@require_POST
def wish_confirm(request, pk):
    phone = signed_in_phone(request)
    if phone is None:
        return redirect("portal:mine")
    wish = get_object_or_404(MicroWish, pk=pk, resident_phone=phone)
    try:
        services.wish_confirm(wish=wish, phone=phone)
        messages.success(request, "感谢确认，心愿已实现")
    except Refusal as refusal:
        messages.error(request, refusal.message)
    return redirect("portal:wishes")


@never_cache
def member_wishes(request):
    member = signed_in_member(request)
    if member is None:
        return redirect("portal:party_mine")
    year = timezone.localdate().year
    return render(
        request,
        "portal/engagement_member.html",
        {
            "member": member,
            "year": year,
            "progress": selectors.my_progress(member, year),
            "registration": selectors.open_registration(member),
            "wishes": selectors.claimable_wishes(member),
            "claims": selectors.my_claims(member)[:20],
        },
    )


@never_cache
@require_POST
def member_claim(request, pk):
    member = signed_in_member(request)
    if member is None:
        return redirect("portal:party_mine")
    wish = get_object_or_404(selectors.claimable_wishes(member), pk=pk)
    try:
        services.wish_claim(actor=None, wish=wish, member=member)
        messages.success(request, f"已认领「{wish.title}」")
    except Refusal as refusal:
        messages.error(request, refusal.message)
    return redirect("portal:member_wishes")
