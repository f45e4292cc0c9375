"""党员「我的组织」 in the portal: a member signed in with his phone (portal.signin) sees his organisation, his
meetings and his attendance. Every page looks the member up again by the signed-in phone, so a member who left the
register or changed his phone sees the same neutral message as a phone that was never on it.
"""

from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from civicgrid.party.mine import members_with_phone, my_organisation
from civicgrid.party.models import PartyMember
from civicgrid.portal import signin
from civicgrid.portal.selectors import phone_key
from civicgrid.portal.signin import session_minutes, signed_in_phone


def signed_in_member(request) -> PartyMember | None:
    phone = signed_in_phone(request)
    if phone is None:
        return None
    members = members_with_phone(phone_key(phone))
    return members[0] if members else None


@never_cache
@require_GET
def party_mine(request):
    phone = signed_in_phone(request)
    if phone is None:
        return signin.page(
            request,
            next_url=reverse("portal:party_mine"),
            title="党员登录：我的组织",
            intro="用党组织登记的本人手机号码登录，即可查看所在党组织、书记和委员会任期，以及本人参加组织生活的情况。",
            links=[("有工作人员账号的党员，也可以从工作人员入口登录后查看", reverse("console:party_mine"))],
        )
    member = signed_in_member(request)
    return render(
        request,
        "portal/party_mine.html",
        {
            "view": my_organisation(member, timezone.localdate()) if member else None,
            "phone_tail": phone[-4:],
            "minutes": session_minutes(),
        },
    )


# The URLs each section had before the sign-in was shared: the same sign-in, going on to 我的组织.
party_code = signin.code_view("portal:party_mine")
party_verify = signin.verify_view("portal:party_mine")
party_sign_out = signin.sign_out_view("portal:party_mine")
