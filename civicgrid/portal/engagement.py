"""微心愿 in the portal. Residents, signed in with their phone (portal.signin), post a wish for their community and
confirm it once fulfilled; party members (the member on the signed-in phone, portal.party) report to the community
where they live (双报到), see their quota progress, claim the wishes published there, record a claimed wish as
fulfilled, and make and follow their yearly commitments (承诺践诺)."""

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.engagement import selectors, services
from civicgrid.engagement.models import MicroWish, NeedItem
from civicgrid.portal.party import signed_in_member
from civicgrid.portal.signin import signed_in_phone
from civicgrid.portal.volunteering import signed_in_volunteer
from civicgrid.registry.models import AdminArea


def _communities():
    return AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).order_by("code")


@never_cache
@require_http_methods(["GET", "POST"])
def wishes(request):
    phone = signed_in_phone(request)
    if phone is None:
        return redirect(f"{reverse('portal:signin')}?{urlencode({'next': reverse('portal:wishes')})}")
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
        return redirect(f"{reverse('portal:signin')}?{urlencode({'next': reverse('portal:wishes')})}")
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
    registration = selectors.open_registration(member)
    home = member.residence_grid.community if member.residence_grid_id else None
    return render(
        request,
        "portal/engagement_member.html",
        {
            "member": member,
            "year": year,
            "progress": selectors.my_progress(member, year),
            "registration": registration,
            "communities": _communities() if registration is None and member.in_service else None,
            "home_code": home.code if home else "",
            "wishes": selectors.claimable_wishes(member),
            "claims": selectors.my_claims(member)[:20],
            "commitments": selectors.my_commitments(member).filter(year=year),
        },
    )


def _member_action(request, action):
    member = signed_in_member(request)
    if member is None:
        return redirect("portal:party_mine")
    try:
        done = action(member, request.POST)
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, done)
    return redirect("portal:member_wishes")


@never_cache
@require_POST
def member_register(request):
    def register(member, p):
        community = _communities().filter(code=p.get("community", "").strip()).first()
        if community is None:
            raise Refusal("请选择居住地所在的村（社区）")
        services.register_member(
            actor=None,
            member=member,
            community=community,
            skills=p.get("skills", "")[:200],
            service_kinds=p.get("service_kinds", "")[:200],
        )
        return f"已向{community.name}报到，社区确认后会安排岗位或网格"

    return _member_action(request, register)


@never_cache
@require_POST
def member_fulfil(request, pk):
    def fulfil(member, p):
        claim = get_object_or_404(selectors.my_claims(member), wish_id=pk)
        services.wish_fulfil(actor=None, wish=claim.wish, member=member, evidence=p.get("evidence", "")[:500])
        return f"已登记「{claim.wish.title}」实现，等待心愿人确认"

    return _member_action(request, fulfil)


@never_cache
@require_POST
def member_pledge(request):
    def pledge(member, p):
        services.commitment_pledge(
            actor=None, member=member, year=timezone.localdate().year, content=p.get("content", "")[:300]
        )
        return "已登记承诺，年底由所在党组织评定践诺情况"

    return _member_action(request, pledge)


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


@never_cache
def volunteer_wishes(request):
    """A registered volunteer sees the wishes of the community he serves and claims one; fulfilled with hours, the
    claim becomes a pending service record (engagement.volunteer_link)."""
    volunteer = signed_in_volunteer(request)
    if volunteer is None:
        return redirect("portal:volunteer_home")
    return render(
        request,
        "portal/engagement_volunteer.html",
        {
            "volunteer": volunteer,
            "wishes": selectors.wishes_open_in(volunteer.area_id),
            "claims": selectors.volunteer_claims(volunteer.pk)[:20],
        },
    )


@never_cache
@require_POST
def volunteer_claim(request, pk):
    volunteer = signed_in_volunteer(request)
    if volunteer is None:
        return redirect("portal:volunteer_home")
    wish = get_object_or_404(selectors.wishes_open_in(volunteer.area_id), pk=pk)
    try:
        services.wish_claim(actor=None, wish=wish, volunteer=volunteer)
        messages.success(request, f"已认领「{wish.title}」，实现后请告诉社区，服务时长经确认后计入")
    except Refusal as refusal:
        messages.error(request, refusal.message)
    return redirect("portal:volunteer_wishes")
