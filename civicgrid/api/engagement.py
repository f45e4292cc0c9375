"""Community engagement read as the console shows it: micro-wishes 「微心愿」, pairings 「结对联系」, volunteering
activities and service hours 「志愿服务」, ledger items 「问题台账」. Each list through its app's selectors, scoped
to the caller's areas or units, residents' and volunteers' names and phones masked as on the console's pages."""

from datetime import date, datetime
from decimal import Decimal

from django.http import Http404
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from civicgrid.api.paging import ROW_ID, Page, PageIn, paged
from civicgrid.api.roles import require_staff
from civicgrid.engagement import selectors as engagement
from civicgrid.engagement.models import MicroWish, NeedItem, Pairing
from civicgrid.ledgers import selectors as ledgers
from civicgrid.registry.models import Role as R
from civicgrid.volunteering import selectors as volunteering
from civicgrid.volunteering.models import ServiceRecord

router = Router(tags=["社区共建"])

# The console's pages for the same lists (console.views.engagement, volunteering, ledgers).
WORKER_ROLES = (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.ADMINISTRATOR)
VOL_ROLES = (R.GRID_WORKER, R.GRID_LEADER, R.ORGANISATION_STAFF, R.PARTY_SECRETARY, R.ADMINISTRATOR)
LEDGER_ROLES = (
    R.ORGANISATION_STAFF,
    R.SUPERVISOR,
    R.DISPATCHER,
    R.LEADER,
    R.ADMINISTRATOR,
    R.UNIT_HANDLER,
    R.GRID_LEADER,
    R.GRID_WORKER,
    R.PARTY_SECRETARY,
)


def _choice(value: str, choices) -> str:
    # An unknown value filters nothing out, as the console's lists ignore it.
    value = value.strip()
    return value if value in choices else ""


# ------------------------------------------------------------------------------------------------ wishes


class WishesIn(Schema):
    state: str = Field(
        "", description="状态：" + "、".join(f"{v} {label}" for v, label in MicroWish.State.choices)
    )
    source: str = Field(
        "", description="来源：" + "、".join(f"{v} {label}" for v, label in NeedItem.Source.choices)
    )
    community: int | None = Field(None, ge=1, le=2**31 - 1, description="村（社区）编号")


class WishOut(Schema):
    id: int
    title: str
    community: str
    source: str
    source_label: str
    state: str
    state_label: str
    resident: str = Field(..., description="心愿人（掩码）")
    phone: str = Field(..., description="联系电话（掩码）")
    claims: int
    max_claimers: int
    collected_at: datetime
    expires_on: date | None
    end_reason: str


def _wish(w: MicroWish) -> dict:
    return {
        "id": w.pk,
        "title": w.title,
        "community": w.community.name,
        "source": w.source,
        "source_label": w.get_source_display(),
        "state": w.state,
        "state_label": w.get_state_display(),
        "resident": w.resident_masked,
        "phone": w.phone_masked,
        "claims": w.claim_count,
        "max_claimers": w.max_claimers,
        "collected_at": w.collected_at,
        "expires_on": w.expires_on,
        "end_reason": w.end_reason,
    }


def _wishes(user, filters: WishesIn):
    return engagement.wishes_for(
        user,
        state=_choice(filters.state, MicroWish.State.values),
        source=_choice(filters.source, NeedItem.Source.values),
        community_id=filters.community,
    )


@router.get("/wishes", response=Page[WishOut], summary="需求和微心愿")
def wish_list(request, filters: Query[WishesIn], paging: Query[PageIn]):
    require_staff(request.user, *WORKER_ROLES)
    return paged(_wishes(request.user, filters), paging, lambda rows: [_wish(w) for w in rows])


@router.get("/wishes/{wish_id}", response=WishOut, summary="一个微心愿")
def wish_detail(request, wish_id: int = ROW_ID):
    require_staff(request.user, *WORKER_ROLES)
    wish = _wishes(request.user, WishesIn()).filter(pk=wish_id).first()
    if wish is None:
        raise Http404("微心愿不存在或不在您负责的村（社区）")
    return _wish(wish)


# ---------------------------------------------------------------------------------------------- pairings


class PairingsIn(Schema):
    year: int | None = Field(None, ge=2000, le=2100, description="年度，默认今年")
    scheme: str = Field(
        "", description="方式：" + "、".join(f"{v} {label}" for v, label in Pairing.Scheme.choices)
    )
    unit: str = Field("", max_length=100, description="单位编码、名称或挂钩领导姓名")
    village: int | None = Field(None, ge=1, le=2**31 - 1, description="村（社区）编号")


class PairingOut(Schema):
    id: int
    year: int
    scheme: str
    scheme_label: str
    side: str = Field(..., description="结对单位名称，或挂钩领导（掩码）")
    area: str
    note: str
    visits: int


@router.get("/pairings", response=Page[PairingOut], summary="结对联系")
def pairing_list(request, filters: Query[PairingsIn], paging: Query[PageIn]):
    require_staff(request.user, *WORKER_ROLES)
    rows = engagement.pairings_for(
        request.user,
        filters.year or timezone.localdate().year,
        scheme=_choice(filters.scheme, Pairing.Scheme.values),
        unit=filters.unit,
        area_id=filters.village,
    )
    return paged(
        rows,
        paging,
        lambda page: [
            {
                "id": p.pk,
                "year": p.year,
                "scheme": p.scheme,
                "scheme_label": p.get_scheme_display(),
                "side": p.side,
                "area": p.area.name,
                "note": p.note,
                "visits": p.visit_count,
            }
            for p in page
        ],
    )


# ------------------------------------------------------------------------------------------ volunteering


class ActivityOut(Schema):
    id: int
    title: str
    project: str
    area: str
    place: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    cancelled: bool


def _activity(a) -> dict:
    return {
        "id": a.pk,
        "title": a.title,
        "project": a.project.name,
        "area": a.project.area.name,
        "place": a.place,
        "starts_at": a.starts_at,
        "ends_at": a.ends_at,
        "capacity": a.capacity,
        "cancelled": a.cancelled,
    }


@router.get("/volunteering/activities", response=Page[ActivityOut], summary="志愿服务活动")
def activity_list(request, paging: Query[PageIn]):
    require_staff(request.user, *VOL_ROLES)
    rows = volunteering.activities_for(request.user).order_by("-starts_at", "-pk")
    return paged(rows, paging, lambda page: [_activity(a) for a in page])


@router.get("/volunteering/activities/{activity_id}", response=ActivityOut, summary="一场志愿服务活动")
def activity_detail(request, activity_id: int = ROW_ID):
    require_staff(request.user, *VOL_ROLES)
    activity = volunteering.activities_for(request.user).filter(pk=activity_id).first()
    if activity is None:
        raise Http404("活动不存在或不在您负责的区域")
    return _activity(activity)


class RecordsIn(Schema):
    state: str = Field(
        "", description="状态：" + "、".join(f"{v} {label}" for v, label in ServiceRecord.State.choices)
    )


class RecordOut(Schema):
    id: int
    volunteer: str = Field(..., description="志愿者（掩码）")
    volunteer_number: str
    title: str
    area: str
    started_at: datetime
    ended_at: datetime
    hours: Decimal
    state: str
    state_label: str


@router.get("/volunteering/records", response=Page[RecordOut], summary="志愿服务时长记录")
def record_list(request, filters: Query[RecordsIn], paging: Query[PageIn]):
    require_staff(request.user, *VOL_ROLES)
    rows = volunteering.records_for(request.user).order_by("-started_at", "-pk")
    state = _choice(filters.state, ServiceRecord.State.values)
    if state:
        rows = rows.filter(state=state)
    return paged(
        rows,
        paging,
        lambda page: [
            {
                "id": r.pk,
                "volunteer": r.volunteer.masked_name,
                "volunteer_number": r.volunteer.number,
                "title": r.title,
                "area": r.area.name if r.area_id else "",
                "started_at": r.started_at,
                "ended_at": r.ended_at,
                "hours": r.hours,
                "state": r.state,
                "state_label": r.get_state_display(),
            }
            for r in page
        ],
    )


# ----------------------------------------------------------------------------------------------- ledgers


class LedgerItemOut(Schema):
    id: int
    campaign: str = Field(..., description="台账编码")
    campaign_name: str
    number: str
    batch: int
    problem: str
    source: str
    source_label: str
    lead_unit: str | None
    deadline: date | None
    state: str
    state_label: str
    suspended: bool
    on_list: bool
    progress: Decimal = Field(..., description="进度（0–100）")
    closed_on: date | None


def _item(item) -> dict:
    return {
        "id": item.pk,
        "campaign": item.campaign.code,
        "campaign_name": item.campaign.name,
        "number": item.number,
        "batch": item.batch,
        "problem": item.problem,
        "source": item.source,
        "source_label": item.get_source_display(),
        "lead_unit": item.lead_unit.name if item.lead_unit_id else None,
        "deadline": item.deadline,
        "state": item.state,
        "state_label": item.get_state_display(),
        "suspended": item.suspended,
        "on_list": item.on_list,
        "progress": item.progress,
        "closed_on": item.closed_on,
    }


@router.get("/ledgers/items", response=Page[LedgerItemOut], summary="问题台账事项")
def ledger_item_list(request, paging: Query[PageIn]):
    require_staff(request.user, *LEDGER_ROLES)
    return paged(ledgers.items_for(request.user), paging, lambda page: [_item(i) for i in page])


@router.get("/ledgers/items/{item_id}", response=LedgerItemOut, summary="一个台账事项")
def ledger_item_detail(request, item_id: int = ROW_ID):
    require_staff(request.user, *LEDGER_ROLES)
    item = ledgers.items_for(request.user).filter(pk=item_id).first()
    if item is None:
        raise Http404("事项不存在或不在您的查看范围内")
    return _item(item)
