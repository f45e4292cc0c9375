"""志愿服务 in the portal: a resident signed in with his phone (portal.signin) registers as a volunteer once, joins
activities, checks in and out by scanning the organiser's QR code, follows his hours and star, objects to a record
and asks for a certificate. The certificate notice list is public (masked).

The volunteer is looked up by the signed-in phone on every page; a scan of the QR code is checked when the link is
opened (the code rotates every 30 s) and kept in the session for `VolunteerRule.scan_minutes` so that a volunteer
who must sign in first is still checked in afterwards. The page decodes nothing: the camera opens the link.
"""

import time

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.portal import signin
from civicgrid.portal.forms import StyledForm
from civicgrid.portal.selectors import phone_key
from civicgrid.portal.signin import session_minutes, signed_in_phone
from civicgrid.registry.models import AdminArea
from civicgrid.volunteering import qr, selectors
from civicgrid.volunteering.models import (
    Activity,
    Certificate,
    IdType,
    Project,
    ServiceRecord,
    SignUp,
    TimePreference,
    Volunteer,
    VolunteerRule,
)
from civicgrid.volunteering.services import certificates, records, signups
from civicgrid.volunteering.services.volunteers import register_volunteer

SCAN_KEY = "volunteer_scan"
NOTICES_SHOWN = 200


class RegisterForm(StyledForm):
    name = forms.CharField(label="姓名", max_length=50, error_messages={"required": "请填写姓名"})
    id_type = forms.ChoiceField(label="证件类型", choices=IdType.choices)
    id_number = forms.CharField(
        label="证件号码", max_length=30, error_messages={"required": "请填写证件号码"}
    )
    birth_date = forms.DateField(
        label="出生日期（非居民身份证填写）",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写正确的日期"},
    )
    area = forms.ModelChoiceField(
        label="所在社区（村）",
        queryset=AdminArea.objects.none(),
        empty_label="请选择",
        error_messages={"required": "请选择所在社区（村）", "invalid_choice": "请选择所在社区（村）"},
    )
    skills = forms.CharField(label="技能特长", max_length=200, required=False)
    time_preferences = forms.MultipleChoiceField(
        label="可服务时间",
        choices=TimePreference.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guardian_name = forms.CharField(label="监护人姓名（未满 18 周岁填写）", max_length=50, required=False)
    guardian_relation = forms.CharField(label="与监护人关系", max_length=20, required=False)
    guardian_consent_on = forms.DateField(
        label="监护人同意日期",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写正确的日期"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Communities that run volunteering projects.
        self.fields["area"].queryset = AdminArea.objects.filter(
            pk__in=Project.objects.exclude(state=Project.State.DRAFT).values("area_id")
        ).order_by("code")
        for name in ("time_preferences",):
            self.fields[name].widget.attrs["class"] = "form-check-input"


# ------------------------------------------------------------------------------------------------ session


def signed_in_volunteer(request) -> Volunteer | None:
    phone = signed_in_phone(request)
    if phone is None:
        return None
    found = selectors.volunteers_with_phone(phone_key(phone))
    return found[0] if found else None


def _login_page(request, next_name: str = "portal:volunteer_home"):
    scan = _pending_scan(request)
    mode = qr.MODES.get(scan["mode"], "签到") if scan else ""
    return signin.page(
        request,
        next_url=reverse("portal:volunteer_scan_done" if scan else next_name),
        title="志愿服务登录",
        intro="用本人手机号码和短信验证码登录，即可报名社区志愿服务活动、扫码签到签退、查看服务时长和星级、"
        "申请志愿服务记录证明；第一次使用的，登录后注册为志愿者。",
        notice=f"已扫描活动{mode}码，请先登录，登录后自动完成{mode}。" if scan else "",
        links=[("志愿服务记录证明公示", reverse("portal:volunteer_notices"))],
    )


# The URLs each section had before the sign-in was shared: the same sign-in, going on to 志愿服务.
volunteer_code = signin.code_view("portal:volunteer_home")
volunteer_verify = signin.verify_view("portal:volunteer_home")
volunteer_sign_out = signin.sign_out_view("portal:volunteer_home")


# ------------------------------------------------------------------------------------------------ pages


@never_cache
@require_http_methods(["GET", "POST"])
def volunteer_register(request):
    phone = signed_in_phone(request)
    if phone is None:
        return redirect("portal:volunteer_home")
    if signed_in_volunteer(request) is not None:
        return redirect("portal:volunteer_home")
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            volunteer = register_volunteer(
                actor=None,
                name=c["name"],
                phone=phone,
                id_type=c["id_type"],
                id_number=c["id_number"],
                area=c["area"],
                birth_date=c["birth_date"],
                skills=c["skills"],
                time_preferences=c["time_preferences"],
                guardian_name=c["guardian_name"],
                guardian_relation=c["guardian_relation"],
                guardian_consent_on=c["guardian_consent_on"],
            )
        except Refusal as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, f"注册成功，您的志愿者编号是 {volunteer.number}")
            if _pending_scan(request):
                return redirect("portal:volunteer_scan_done")
            return redirect("portal:volunteer_home")
    return render(request, "portal/volunteering_register.html", {"form": form, "phone_tail": phone[-4:]})


@never_cache
@require_GET
def volunteer_home(request):
    volunteer = signed_in_volunteer(request)
    if volunteer is None:
        if signed_in_phone(request) is not None:
            return redirect("portal:volunteer_register")
        return _login_page(request)
    if _pending_scan(request):  # signed in by a form that did not say where to go on to
        return redirect("portal:volunteer_scan_done")
    now = timezone.now()
    today = timezone.localdate()
    hours = selectors.volunteer_hours(volunteer)
    mine = list(
        volunteer.signups.select_related("activity", "activity__project").order_by("-activity__starts_at")[
            :30
        ]
    )
    joined = {s.activity_id for s in mine if s.state in SignUp.HOLDING}
    open_list = [a for a in selectors.open_activities(now)[:50] if a.pk not in joined]
    next_star = selectors.next_star(hours, today)
    return render(
        request,
        "portal/volunteering_home.html",
        {
            "volunteer": volunteer,
            "hours": hours,
            "star": selectors.star_of(hours, today),
            "next_star": next_star,
            "to_next": next_star.min_hours - hours if next_star else None,
            "signups": mine,
            "open_activities": open_list,
            "records": volunteer.records.select_related("activity", "project").order_by("-started_at")[:30],
            "certificates": volunteer.certificates.all()[:10],
            "can_request": not volunteer.certificates.filter(
                state__in=[Certificate.State.REQUESTED, Certificate.State.NOTICED]
            ).exists(),
            "minutes": session_minutes(),
            "disputable": (ServiceRecord.State.PENDING, ServiceRecord.State.CORRECTED),
            "cancellable": (SignUp.State.APPLIED, SignUp.State.APPROVED),
        },
    )


def _act(request, action):
    volunteer = signed_in_volunteer(request)
    if volunteer is None:
        return redirect("portal:volunteer_home")
    try:
        text = action(volunteer)
    except Refusal as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, text)
    return redirect("portal:volunteer_home")


@never_cache
@require_POST
def volunteer_join(request, pk: int):
    activity = get_object_or_404(Activity, pk=pk)

    def join(volunteer):
        signups.apply(volunteer=volunteer, activity=activity)
        return f"已报名「{activity.title}」，等待组织人录用"

    return _act(request, join)


@never_cache
@require_POST
def volunteer_cancel(request, pk: int):
    def cancel(volunteer):
        signup = get_object_or_404(SignUp, pk=pk, volunteer=volunteer)
        signups.cancel(signup=signup)
        return "已取消报名"

    return _act(request, cancel)


@never_cache
@require_POST
def volunteer_dispute(request, pk: int):
    def dispute(volunteer):
        record = get_object_or_404(ServiceRecord, pk=pk, volunteer=volunteer)
        records.dispute(record=record, reason=request.POST.get("reason", ""), volunteer=volunteer)
        return "已提交异议，社区工作人员核实后更正"

    return _act(request, dispute)


@never_cache
@require_POST
def volunteer_certificate(request):
    def ask(volunteer):
        certificates.request(volunteer=volunteer, purpose=request.POST.get("purpose", ""))
        return "已申请志愿服务记录证明，社区公示期满后开具"

    return _act(request, ask)


# ------------------------------------------------------------------------------------------------ QR scan


def _pending_scan(request) -> dict | None:
    scan = request.session.get(SCAN_KEY)
    if not scan:
        return None
    minutes = VolunteerRule.at(timezone.localdate()).scan_minutes
    if scan.get("at", 0) + minutes * 60 < time.time():
        request.session.pop(SCAN_KEY, None)
        return None
    return scan


@never_cache
@require_GET
def volunteer_scan(request, token: str):
    """The phone camera opened the organiser's QR link: a valid code checks the signed-in volunteer in or out at
    once; otherwise the scan is kept while he signs in."""
    try:
        scan = qr.read_token(token, timezone.now())
    except Refusal as refusal:
        return render(request, "portal/volunteering_scan.html", {"error": refusal.message}, status=400)
    request.session[SCAN_KEY] = {"activity": scan.activity_id, "mode": scan.mode, "at": time.time()}
    return volunteer_scan_done(request)


@never_cache
@require_GET
def volunteer_scan_done(request):
    scan = _pending_scan(request)
    if scan is None:
        return redirect("portal:volunteer_home")
    volunteer = signed_in_volunteer(request)
    if volunteer is None:
        if signed_in_phone(request) is not None:
            return redirect("portal:volunteer_register")
        return _login_page(request)
    request.session.pop(SCAN_KEY, None)
    activity = Activity.objects.filter(pk=scan["activity"]).first()
    mode = qr.MODES.get(scan["mode"], "签到")
    try:
        if activity is None:
            raise Refusal("活动不存在")
        signup = signups.signup_for_scan(volunteer, activity.pk)
        if scan["mode"] == qr.CHECK_OUT:
            signup = signups.check_out(signup=signup)
            at = signup.checked_out_at
        else:
            signup = signups.check_in(signup=signup)
            at = signup.checked_in_at
    except Refusal as refusal:
        return render(
            request,
            "portal/volunteering_scan.html",
            {"error": refusal.message, "activity": activity},
            status=400,
        )
    return render(
        request,
        "portal/volunteering_scan.html",
        {"activity": activity, "mode": mode, "at": at, "volunteer": volunteer},
    )


# ------------------------------------------------------------------------------------------------ public notice


@require_GET
def volunteer_notices(request):
    """证明公示: certificates under notice, names and ID numbers masked."""
    today = timezone.localdate()
    notices = (
        Certificate.objects.filter(state=Certificate.State.NOTICED, notice_until__gte=today)
        .select_related("volunteer", "area")
        .order_by("notice_until", "pk")[:NOTICES_SHOWN]
    )
    return render(request, "portal/volunteering_notices.html", {"notices": notices, "today": today})
