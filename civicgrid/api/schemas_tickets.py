"""What the ticket calls take and give. Inputs only parse; the services hold the rules and their messages."""

from datetime import date, datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import field_validator

from civicgrid.core.inputs import MAX_ID
from civicgrid.routing.vocabulary import RequestType, Urgency
from civicgrid.tickets.models import Channel, Satisfaction, Solved

# --- out -------------------------------------------------------------------------------------------


class Named(Schema):
    id: int
    name: str


class CategoryOut(Schema):
    id: int
    code: str
    name: str


class TicketRow(Schema):
    """A ticket in a list: no requester at all, as in the console's list."""

    id: int
    number: str
    title: str
    status: str
    status_label: str
    request_type: str
    urgency: str
    channel: str
    category: CategoryOut | None
    lead_unit: Named | None
    grid: Named | None
    town: Named | None
    address: str
    received_at: datetime
    lead_due_at: datetime | None = Field(None, description="主办单位当前办理时限")
    warning_level: str
    is_supervised: bool
    external_source: str
    external_id: str
    version: int


class TicketPage(Schema):
    items: list[TicketRow]
    next: str | None = Field(None, description="下一页的完整地址；没有下一页时为 null")
    next_cursor: str | None = None
    limit: int


class RequesterOut(Schema):
    name: str
    phone: str
    org: str
    masked: bool = Field(description="是否已脱敏")
    hidden: bool = Field(description="保密工单或本单位已不再承办：不显示诉求人信息")


class AssignmentBrief(Schema):
    id: int
    round: int
    unit: Named
    role: str
    role_label: str
    state: str
    state_label: str
    sign_due_at: datetime
    due_at: datetime
    signed_at: datetime | None
    first_contacted_at: datetime | None
    replied_at: datetime | None


class EventOut(Schema):
    at: datetime
    action: str
    label: str
    note: str
    from_status: str
    to_status: str
    actor: str


class AttachmentOut(Schema):
    id: int
    kind: str
    name: str
    content_type: str
    size: int
    is_internal: bool
    uploaded_at: datetime
    url: str


class PendingRequestOut(Schema):
    id: int
    kind: str = Field(description="extension（延期）或 return（退单）")
    assignment: int
    unit: Named
    requested_at: datetime
    reason: str
    legal_basis: str
    days: int | None = None
    suggested_unit: Named | None = None


class TicketOut(TicketRow):
    content: str
    demand: str
    involved_parties: str
    occurred_at: datetime | None
    lat: float | None
    lon: float | None
    is_anonymous: bool
    is_confidential: bool
    requester: RequesterOut
    merged_into: str | None = Field(None, description="并入的主单编号")
    result_code: str
    reply_text: str
    replied_at: datetime | None
    callback_due_at: datetime | None
    closed_at: datetime | None
    assignments: list[AssignmentBrief]
    pending_requests: list[PendingRequestOut]
    events: list[EventOut]
    attachments: list[AttachmentOut]


class AssignmentRow(AssignmentBrief):
    """An assignment in a list: no requester, as in the console's inbox."""

    ticket: TicketRow
    first_contact_method: str
    reply_text: str
    result_code: str
    extended_days: int
    deadlines_provisional: bool


class AssignmentOut(AssignmentRow):
    requester: RequesterOut


class AssignmentPage(Schema):
    items: list[AssignmentRow]
    next: str | None = None
    next_cursor: str | None = None
    limit: int


# --- in --------------------------------------------------------------------------------------------

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Dates the period arithmetic can take (a day is added to the last one).
Day = Annotated[date, Field(ge=date(1900, 1, 1), le=date(2999, 12, 31))]


class In(Schema):
    """Text with a NUL character is refused here, as Django's form fields refuse it in the console (the
    database would fail on it)."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value):
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(t, str) and "\x00" in t for t in texts):
            raise ValueError("不能包含空字符")
        return value


class Versioned(In):
    version: int | None = Field(
        None, description="乐观并发：读取时的工单版本；与当前版本不符时返回 409，不做任何修改"
    )


class RegisterIn(In):
    channel: Channel = Channel.OTHER
    request_type: RequestType
    title: str = Field(max_length=100)
    content: str = Field(max_length=10000)
    urgency: Urgency = Urgency.NORMAL
    category: Id | None = Field(None, description="业务分类 id")
    requester_name: str = Field("", max_length=50)
    requester_phone: str = Field("", max_length=20)
    requester_org: str = Field("", max_length=100)
    is_anonymous: bool = False
    is_confidential: bool = False
    occurred_at: datetime | None = None
    address: str = Field("", max_length=200)
    involved_parties: str = Field("", max_length=200)
    demand: str = Field("", max_length=4000)
    lat: float | None = Field(None, ge=-90, le=90)
    lon: float | None = Field(None, ge=-180, le=180)
    external_id: str = Field(
        "",
        max_length=100,
        description="对接系统自己的工单编号：保存并可检索；同一编号再次提交返回已有工单，不重复登记",
    )


class AcceptIn(Versioned):
    category: Id | None = Field(None, description="业务分类 id；工单尚未分类时必填")


class DispatchIn(Versioned):
    lead: Id | None = Field(None, description="主办单位 id；不填则按派单规则自动派单")
    co_units: list[Id] = Field(default_factory=list, description="协办单位 id")
    reason: str = Field("", max_length=300, description="人工派单理由（指定主办单位时必填）")


class MergeIn(Versioned):
    master: str = Field(max_length=20, description="主单编号")
    reason: str = Field(max_length=300)


class ReviewIn(Versioned):
    passed: bool
    note: str = Field("", max_length=300)


class DecisionIn(Versioned):
    approve: bool
    note: str = Field("", max_length=300)


class ReturnDecisionIn(DecisionIn):
    redispatch_to: Id | None = Field(None, description="同意退单时改派至的单位 id")


class CallbackIn(Versioned):
    reached: bool
    contacted: bool | None = None
    solved: Solved | None = None
    satisfaction: Satisfaction | None = None
    valid: bool = True
    invalid_reason: str = Field("", max_length=200)
    attributable: bool = False
    notes: str = Field("", max_length=500)


class SuperviseIn(Versioned):
    note: str = Field(max_length=500)
    level: int = Field(1, ge=1, le=3)
    unit: Id | None = Field(None, description="被督办单位 id（本轮承办单位之一）；默认主办单位")
    deadline: datetime | None = None


class EscalateIn(Versioned):
    note: str = Field(max_length=500)
    whistle_units: list[Id] = Field(
        default_factory=list, description="吹哨部门 id；不填则逐级提级（网格→社区→镇街→市）"
    )


class ContactIn(Versioned):
    method: str = Field(description="联系方式：phone、visit、sms、three_way 等")
    note: str = Field("", max_length=300)


class ReplyIn(Versioned):
    result_code: str = Field(description="办理结果：solved、explained 等")
    text: str = Field(max_length=4000)
    evidence: list[Id] = Field(default_factory=list, description="已上传到本工单的佐证附件 id")


class CoReplyIn(Versioned):
    text: str = Field(max_length=4000)
    evidence: list[Id] = Field(default_factory=list)


class ExtensionIn(Versioned):
    days: int = Field(ge=1, le=60, description="延期工作日数")
    reason: str = Field(max_length=500)
    legal_basis: str = Field("", max_length=300)


class ReturnIn(Versioned):
    reason: str = Field(max_length=500)
    legal_basis: str = Field(max_length=300)
    suggested_unit: Id | None = None


class AssignmentEscalateIn(Versioned):
    note: str = Field(max_length=500)


class TicketFilters(In):
    status: str | None = Field(None, description="工单状态代码，如 PENDING_DISPATCH")
    unit: Id | None = Field(None, description="主办单位 id")
    grid: Id | None = None
    town: Id | None = Field(None, description="乡镇/街道 id")
    category: str | None = Field(None, description="分类编码（含下级）")
    received_from: Day | None = Field(None, description="受理日期起（含）")
    received_to: Day | None = Field(None, description="受理日期止（含）")
    q: str | None = Field(None, max_length=100, description="关键词：编号、概述或地址")
    number: str | None = Field(None, max_length=20, description="工单编号（精确）")
    external_id: str | None = Field(None, max_length=100, description="外部编号（精确）")
    external_source: str | None = Field(None, max_length=60, description="外部来源代码")
    cursor: str | None = Field(None, max_length=200)
    limit: int = Field(25, ge=1, le=100)
