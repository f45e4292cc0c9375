"""志愿服务 in the portal: a resident signs in with his phone and a one-time SMS code (portal.otp), registers as a
volunteer once, joins activities, checks in and out by scanning the organiser's QR code, follows his hours and star,
objects to a record and asks for a certificate. The certificate notice list is public (masked).

The session holds only the verified phone, the volunteer's id and when it stops counting; a scan of the QR code is
checked when the link is opened (the code rotates every 30 s) and kept for `VolunteerRule.scan_minutes` so that a
volunteer who must sign in first is still checked in afterwards. The page decodes nothing: the camera opens the link.
"""

import time

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.core.refusal import Refusal
from civicgrid.portal import otp, ratelimit
from civicgrid.portal.forms import StyledForm
from civicgrid.portal.mine import CodeForm, PhoneForm, session_minutes
from civicgrid.portal.selectors import phone_key
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

SESSION_KEY = "volunteer"
SCAN_KEY = "volunteer_scan"
NOTICES_SHOWN = 200


class VolunteerPhoneForm(PhoneForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields[
            "phone"
        ].help_text = "填写本人手机号码，我们会发送短信验证码；第一次使用的，登录后注册为志愿者。"


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


def _session(request) -> dict | None:
    data = request.session.get(SESSION_KEY)
    if not data:
        return None
    if data.get("until", 0) < time.time():
        request.session.pop(SESSION_KEY, None)
        return None
    return data


def signed_in_volunteer(request) -> Volunteer | None:
    data = _session(request)
    if not data:
        return None
    found = selectors.volunteers_with_phone(phone_key(data["phone"]))
    volunteer = found[0] if found else None
    if volunteer is not None and data.get("volunteer") != volunteer.pk:
        data["volunteer"] = volunteer.pk
        request.session[SESSION_KEY] = data
    return volunteer


def _login_page(request, form=None):
    return render(
        request,
        "portal/volunteering_login.html",
        {"form": form or VolunteerPhoneForm(), "minutes": session_minutes(), "scan": _pending_scan(request)},
    )


# ------------------------------------------------------------------------------------------------ sign-in


@never_cache
@require_POST
def volunteer_code(request):
    form = VolunteerPhoneForm(request.POST)
    if not form.is_valid():
        return _login_page(request, form)
    phone = form.cleaned_data["phone"]
    budget = ratelimit.Budget()
    if not budget.take(ratelimit.CODE_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.CODE_PER_ADDRESS)
    if not budget.take(ratelimit.CODE_PER_PHONE, phone):
        budget.give_back()
        return ratelimit.refused(request, ratelimit.CODE_PER_PHONE)
    try:
        otp.deliver_code(phone, otp.issue_code(phone))
    except Refusal as refusal:
        budget.give_back()
        form.add_error(None, refusal.message)
        return _login_page(request, form)
    return _verify_page(request, CodeForm(initial={"phone": phone}), phone)


def _verify_page(request, form, phone: str):
    return render(
        request,
        "portal/volunteering_verify.html",
        {"form": form, "phone_tail": phone[-4:], "minutes": otp.CODE_SECONDS // 60},
    )


@never_cache
@require_POST
def volunteer_verify(request):
    form = CodeForm(request.POST)
    if not ratelimit.take(ratelimit.SIGN_IN_PER_ADDRESS, ratelimit.client_address(request)):
        return ratelimit.refused(request, ratelimit.SIGN_IN_PER_ADDRESS)
    if form.is_valid():
        phone = form.cleaned_data["phone"]
        if otp.check_code(phone, form.cleaned_data["code"]):
            scan = request.session.get(SCAN_KEY)
            request.session.cycle_key()
            found = selectors.volunteers_with_phone(phone_key(phone))
            request.session[SESSION_KEY] = {
                "phone": phone,
                "volunteer": found[0].pk if found else None,
                "until": time.time() + session_minutes() * 60,
            }
            if scan:
                request.session[SCAN_KEY] = scan
            request.session.set_expiry(session_minutes() * 60)
            if not found:
                return redirect("portal:volunteer_register")
            if _pending_scan(request):
                return redirect("portal:volunteer_scan_done")
            return redirect("portal:volunteer_home")
        form.add_error("code", "验证码不正确或已失效，请核对短信，或重新获取验证码")
    return _verify_page(request, form, form.cleaned_data.get("phone") or "")


@never_cache
@require_POST
def volunteer_sign_out(request):
    request.session.pop(SESSION_KEY, None)
    request.session.pop(SCAN_KEY, None)
    return redirect("portal:volunteer_home")


# ------------------------------------------------------------------------------------------------ pages


@never_cache
@require_http_methods(["GET", "POST"])
def volunteer_register(request):
    data = _session(request)
    if data is None:
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
                phone=data["phone"],
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
            data["volunteer"] = volunteer.pk
            request.session[SESSION_KEY] = data
            messages.success(request, f"注册成功，您的志愿者编号是 {volunteer.number}")
            if _pending_scan(request):
                return redirect("portal:volunteer_scan_done")
            return redirect("portal:volunteer_home")
    return render(
        request, "portal/volunteering_register.html", {"form": form, "phone_tail": data["phone"][-4:]}
    )


@never_cache
@require_GET
def volunteer_home(request):
    volunteer = signed_in_volunteer(request)
    if volunteer is None:
        if _session(request) is not None:
            return redirect("portal:volunteer_register")
        return _login_page(request)
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
        if _session(request) is not None:
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
