from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.core import signin, twofactor
from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.core.models import AuditEvent, SigninPolicy, TwoStepDevice, audit_action_label, model_label


class _CodeFilter(admin.SimpleListFilter):
    """A filter over a code column that lists what a person reads, not the codes."""

    field = ""

    def label_of(self, code):
        raise NotImplementedError

    def lookups(self, request, model_admin):
        codes = AuditEvent.objects.order_by().values_list(self.field, flat=True).distinct()
        return sorted(((c, self.label_of(c)) for c in codes if c), key=lambda pair: str(pair[1]))

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class ActionFilter(_CodeFilter):
    title = _("操作")
    parameter_name = field = "action"

    def label_of(self, code):
        return audit_action_label(code)


class TargetTypeFilter(_CodeFilter):
    title = _("对象类型")
    parameter_name = field = "target_type"

    def label_of(self, code):
        return model_label(code)


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor", "action_label", "target_type_label", "target_id", "summary"]
    list_filter = [ActionFilter, TargetTypeFilter]
    search_fields = ["summary", "target_id", "actor__username"]
    date_hierarchy = "at"
    fields = ["at", "actor", "action_label", "target_type_label", "target_id", "summary", "payload"]
    readonly_fields = ["at", "action_label", "target_type_label"]

    @admin.display(description=_("操作"), ordering="action")
    def action_label(self, event):
        return event.action_label

    @admin.display(description=_("对象类型"), ordering="target_type")
    def target_type_label(self, event):
        return event.target_type_label


# Sign-in lockouts (django-axes): lifting one is deleting its counted failures, an audited unlock.
admin.site.unregister(AccessAttempt)


@admin.register(AccessAttempt)
class LockoutAdmin(AccessAttemptAdmin):
    actions = ["unlock"]

    @admin.action(description=_("解除所选登录锁定"), permissions=["delete"])
    def unlock(self, request, queryset):
        count = signin.unlock(actor=request.user, attempts=queryset)
        self.message_user(request, _("已解除 %(count)d 条登录锁定。") % {"count": count})

    @admin.display(description=_("到期时间"))
    def expiration(self, obj):
        return super().expiration(obj)

    @admin.display(description=_("状态"))
    def status(self, obj):
        return super().status(obj)

    def delete_model(self, request, obj):
        signin.unlock(actor=request.user, attempts=[obj])

    def delete_queryset(self, request, queryset):
        signin.unlock(actor=request.user, attempts=queryset)


@admin.register(SigninPolicy)
class SigninPolicyAdmin(AuditedAdmin, admin.ModelAdmin):
    list_display = [
        "version",
        "effective_from",
        "effective_to",
        "is_active",
        "failure_limit",
        "cooloff_minutes",
    ]
    list_filter = ["is_active"]


# Two-step devices: an administrator resets a lost phone's devices so its owner sets up a new one. django-otp's
# own admin pages are English; this one is read-only apart from the audited reset.
for _model in (TOTPDevice, StaticDevice):
    admin.site.unregister(_model)


class _DeviceStateFilter(admin.SimpleListFilter):
    title = _("状态")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("on", _("已启用")), ("pending", _("设置中，未确认"))]

    def queryset(self, request, queryset):
        return queryset.filter(confirmed=self.value() == "on") if self.value() else queryset


@admin.register(TwoStepDevice)
class TwoStepDeviceAdmin(admin.ModelAdmin):
    list_display = ["owner", "state", "created", "last_used"]
    list_filter = [_DeviceStateFilter]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    fields = readonly_fields = ["owner", "state", "created", "last_used"]
    actions = ["reset"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    @admin.display(description=_("用户"), ordering="user__username")
    def owner(self, device):
        return device.user

    @admin.display(description=_("状态"), ordering="confirmed")
    def state(self, device):
        return _("已启用") if device.confirmed else _("设置中，未确认")

    @admin.display(description=_("创建时间"), ordering="created_at")
    def created(self, device):
        return device.created_at

    @admin.display(description=_("最近使用"), ordering="last_used_at")
    def last_used(self, device):
        return device.last_used_at

    @admin.action(description=_("重置所选用户的两步验证（手机丢失时）"), permissions=["delete"])
    def reset(self, request, queryset):
        users = {device.user for device in queryset.select_related("user")}
        for user in users:
            twofactor.reset(user=user, actor=request.user)
        self.message_user(
            request, _("已重置 %(count)d 位用户的两步验证，其下次登录时重新设置。") % {"count": len(users)}
        )

    def delete_model(self, request, obj):
        twofactor.reset(user=obj.user, actor=request.user)
