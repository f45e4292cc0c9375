from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_static.admin import StaticDeviceAdmin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from civicgrid.core import signin
from civicgrid.core.admin_mixins import AuditedAdmin, ReadOnlyAdmin
from civicgrid.core.models import AuditEvent, audit_action_label, model_label


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


# Two-step devices: an administrator removes a lost phone's device so its owner can set up a new one.
for _model, _model_admin in ((TOTPDevice, TOTPDeviceAdmin), (StaticDevice, StaticDeviceAdmin)):
    admin.site.unregister(_model)
    admin.site.register(_model, type(_model_admin.__name__, (AuditedAdmin, _model_admin), {}))
