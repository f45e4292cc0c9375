"""The party register in the admin: organisations and rules editable (audited); members shown with the ID number
masked (it changes only through the services, which encrypt and hash it)."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin, ReadOnlyInline
from civicgrid.party.models import (
    Appraisal,
    Attendance,
    CommitteeTerm,
    ComplianceRule,
    Deployment,
    Meeting,
    MeetingAttachment,
    MemberRule,
    OrgProposal,
    PartyGrid,
    PartyGroup,
    PartyMember,
    PartyOrg,
    PioneerPost,
    Post,
    RelationTransfer,
    ShockTeam,
    TermRule,
)

EFFECTIVE = ["version", "effective_from", "effective_to", "is_active"]


@admin.register(PartyOrg)
class PartyOrgAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "kind",
        "setup",
        "parent",
        "area",
        "is_temporary",
        "founded_on",
        "dissolved_on",
    ]
    list_filter = ["kind", "setup", "is_temporary", "is_joint", "is_big_community", "is_big_party_committee"]
    search_fields = ["code", "name"]
    autocomplete_fields = ["parent", "unit", "area", "approved_by"]
    filter_horizontal = ["joint_units", "grids"]
    list_select_related = ["parent", "area"]
    readonly_fields = ["path"]
    list_per_page = 50


@admin.register(PartyGrid)
class PartyGridAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "area"]
    search_fields = ["name"]
    autocomplete_fields = ["area"]
    filter_horizontal = ["grids", "orgs"]
    list_select_related = ["area"]


class PostInline(admin.TabularInline):
    model = Post
    extra = 0
    autocomplete_fields = ["member", "source_unit"]


@admin.register(CommitteeTerm)
class CommitteeTermAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "org",
        "number",
        "elected_on",
        "term_years",
        "due_on",
        "extended_to",
        "changed_on",
        "is_current",
    ]
    list_filter = ["is_current"]
    search_fields = ["org__name", "org__code"]
    autocomplete_fields = ["org"]
    readonly_fields = ["reminder_sent_at", "overdue_flagged_at"]
    list_select_related = ["org"]
    inlines = [PostInline]


@admin.register(PartyGroup)
class PartyGroupAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "org", "leader"]
    search_fields = ["name", "org__name"]
    autocomplete_fields = ["org", "leader"]


@admin.register(PartyMember)
class PartyMemberAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["masked", "id_masked", "sex", "category", "status", "org", "joined_on", "flags"]
    list_filter = [
        "category",
        "status",
        "sex",
        "in_service",
        "retired",
        "flowing",
        "seasonal",
        "lost_contact",
    ]
    search_fields = ["name", "org__name"]
    autocomplete_fields = ["org", "group", "employer", "residence_grid", "flow_host_org", "user"]
    readonly_fields = ["id_masked", "sex", "birth_date"]
    exclude = ["id_encrypted", "id_hash"]
    list_select_related = ["org"]
    list_per_page = 50

    @admin.display(description=_("姓名"), ordering="name")
    def masked(self, obj):
        return obj.masked_name

    @admin.display(description=_("标记"))
    def flags(self, obj):
        return "、".join(obj.flag_labels())

    def has_add_permission(self, request):
        return False  # a member is added through the service (the ID number is encrypted and hashed there)


@admin.register(RelationTransfer)
class RelationTransferAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "member",
        "direction",
        "from_display",
        "to_display",
        "letter_no",
        "state",
        "sent_on",
        "due_on",
    ]
    list_filter = ["direction", "state"]
    autocomplete_fields = ["member", "from_org", "to_org"]
    list_select_related = ["member", "from_org", "to_org"]

    @admin.display(description=_("转出党组织"))
    def from_display(self, obj):
        return obj.from_display

    @admin.display(description=_("转入党组织"))
    def to_display(self, obj):
        return obj.to_display


@admin.register(PioneerPost)
class PioneerPostAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "holder", "place", "org", "from_date", "to_date"]
    search_fields = ["name", "org__name"]
    autocomplete_fields = ["holder", "org"]


@admin.register(ShockTeam)
class ShockTeamAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["name", "task", "org", "from_date", "to_date"]
    search_fields = ["name", "task", "org__name"]
    autocomplete_fields = ["org", "members"]


@admin.register(Deployment)
class DeploymentAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "org", "task", "place", "from_date", "days"]
    search_fields = ["task", "org__name"]
    autocomplete_fields = ["member", "org"]


class AttendanceInline(ReadOnlyInline):
    model = Attendance
    fields = ["member", "status", "note"]


class MeetingAttachmentInline(ReadOnlyInline):
    model = MeetingAttachment
    fields = ["name", "content_type", "size", "uploaded_at"]


@admin.register(Meeting)
class MeetingAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["held_on", "kind", "topic", "org", "expected", "present", "quorum_ok"]
    list_filter = ["kind", "quorum_ok"]
    search_fields = ["topic", "org__name"]
    autocomplete_fields = ["org", "group"]
    readonly_fields = ["quorum_ok", "recorded_by"]
    date_hierarchy = "held_on"
    list_select_related = ["org"]
    inlines = [AttendanceInline, MeetingAttachmentInline]

    def save_model(self, request, obj, form, change):
        obj.compute_quorum()  # derived in one place, also when edited here
        super().save_model(request, obj, form, change)


@admin.register(Appraisal)
class AppraisalAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["year", "member", "org", "grade"]
    list_filter = ["year", "grade"]
    autocomplete_fields = ["member", "org"]
    readonly_fields = ["recorded_by"]
    list_select_related = ["member", "org"]


@admin.register(TermRule)
class TermRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "org_kind", "village_or_community", "years", "reminder_months", *EFFECTIVE]
    list_filter = ["is_active", "village_or_community"]


@admin.register(ComplianceRule)
class ComplianceRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["meeting_kind", "org_kind", "period", "minimum", *EFFECTIVE]
    list_filter = ["is_active", "meeting_kind", "period"]


@admin.register(MemberRule)
class MemberRuleAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = ["__str__", "probation_months", "branch_max_members", "committee_threshold", *EFFECTIVE]
    list_filter = ["is_active"]


@admin.register(OrgProposal)
class OrgProposalAdmin(ReadOnlyAdmin):
    """Proposals change only through services.proposals (submit, approve, reject)."""

    list_display = ["name", "kind", "parent", "is_temporary", "state", "created_at", "decided_at"]
    list_filter = ["state", "kind", "is_temporary"]
    search_fields = ["name", "parent__name", "parent__code"]
    list_select_related = ["parent"]
