"""人民调解 in the portal: a resident signed in with her phone (portal.signin) applies for mediation to the committee
of her village or community and follows the state of her own applications. A phone the portal has never seen may
sign in here, as for 志愿服务: applying is how a resident first comes to the committee."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from civicgrid.core.inputs import parse_id
from civicgrid.core.refusal import Refusal
from civicgrid.mediation import selectors, services
from civicgrid.mediation.models import Case, Committee
from civicgrid.portal.signin import signed_in_phone


def _committees():
    return (
        Committee.objects.filter(dissolved_on__isnull=True)
        .select_related("area")
        .order_by("area__code", "name")
    )


@never_cache
@require_http_methods(["GET", "POST"])
def mediation(request):
    phone = signed_in_phone(request)
    if phone is None:
        return redirect(f"{reverse('portal:signin')}?{urlencode({'next': reverse('portal:mediation')})}")
    error = ""
    if request.method == "POST":
        p = request.POST
        committee = _committees().filter(pk=parse_id(p.get("committee")) or 0).first()
        try:
            if committee is None:
                raise Refusal("请选择所在村（社区）的人民调解委员会")
            case = services.case_apply(
                phone=phone,
                committee=committee,
                dispute_type=p.get("dispute_type", ""),
                title=p.get("title", "")[:100],
                facts=p.get("facts", "")[:5000],
                name=p.get("name", "")[:50],
                respondent=p.get("respondent", "")[:100],
                address=p.get("address", "")[:200],
            )
        except Refusal as refusal:
            error = refusal.message
        else:
            messages.success(request, f"调解申请已提交（编号 {case.number}），调解委员会将与您联系")
            return redirect("portal:mediation")
    return render(
        request,
        "portal/mediation.html",
        {
            "cases": selectors.cases_of_phone(phone),
            "committees": _committees(),
            "types": Case.DisputeType.choices,
            "error": error,
            "phone_tail": phone[-4:],
        },
    )
