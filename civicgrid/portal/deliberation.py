"""协商议事 in the portal: anyone reads the notices (议事公告) and results (结果公示) within their windows; a
resident signed in with her phone (portal.signin) proposes a topic for her community and follows her proposals."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicgrid.core.refusal import Refusal
from civicgrid.deliberation import selectors, services
from civicgrid.deliberation.models import Topic
from civicgrid.portal import ratelimit
from civicgrid.portal.signin import signed_in_phone
from civicgrid.registry.models import AdminArea


def _communities():
    return AdminArea.objects.filter(level=AdminArea.Level.VILLAGE).order_by("code")


@require_http_methods(["GET"])
def board(request):
    today = timezone.localdate()
    code = request.GET.get("community", "").strip()[:12]
    notices, results = selectors.notices_on(today), selectors.results_on(today)
    if code:
        notices, results = notices.filter(area__code=code), results.filter(area__code=code)
    return render(
        request,
        "portal/deliberation_board.html",
        {
            "notices": notices[:50],
            "results": results[:50],
            "communities": _communities(),
            "community": code,
        },
    )


@never_cache
@require_http_methods(["GET", "POST"])
def mine(request):
    phone = signed_in_phone(request)
    if phone is None:
        return redirect(
            f"{reverse('portal:signin')}?{urlencode({'next': reverse('portal:deliberation_mine')})}"
        )
    error = ""
    if request.method == "POST":
        community = _communities().filter(code=request.POST.get("community", "").strip()).first()
        try:
            if community is None:
                raise Refusal("请选择所在的村（社区）")
            if not ratelimit.take(ratelimit.PROPOSE_PER_PHONE, phone):
                return ratelimit.refused(request, ratelimit.PROPOSE_PER_PHONE)
            services.topic_propose(
                actor=None,
                area=community,
                title=request.POST.get("title", "")[:100],
                description=request.POST.get("description", "")[:2000],
                source=Topic.Source.RESIDENT,
                proposer_name=request.POST.get("name", "")[:50],
                proposer_phone=phone,
            )
        except Refusal as refusal:
            error = refusal.message
        else:
            messages.success(request, "议题已提交，社区受理后会在此显示进展")
            return redirect("portal:deliberation_mine")
    return render(
        request,
        "portal/deliberation_mine.html",
        {
            "topics": selectors.topics_of_phone(phone)[:100],
            "communities": _communities(),
            "error": error,
            "phone_tail": phone[-4:],
        },
    )
