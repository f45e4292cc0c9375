"""对接系统 and 接口密钥 in the admin: a client is registered together with the staff account it acts through;
keys are listed and revoked here (through integrations.tokens), made only on the console's 「接口密钥」 page."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from civicgrid.core.admin_mixins import AuditedAdmin
from civicgrid.core.refusal import Refusal, refusal_message
from civicgrid.integrations.models import SCOPES, ApiToken, IntegrationClient
from civicgrid.integrations.tokens import revoke_token
from civicgrid.registry.models import Role, Unit
from civicgrid.registry.services import staff_create


class IntegrationClientForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("授权范围"),
        choices=list(SCOPES.items()),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("在对接账号的单位和角色范围内，再限定对接系统可以做的事"),
    )
    # Declared here, not left to the admin's formfield_overrides: this form class is built when the module loads.
    webhook_url = forms.URLField(
        label=_("回调地址"),
        required=False,
        assume_scheme="https",
        help_text=_("工单状态变化时推送到此地址；留空不推送"),
    )
    new_username = forms.SlugField(
        label=_("新建对接账号：用户名"),
        max_length=150,
        required=False,
        help_text=_("不选已有账号时填写：以此用户名新建一个不能登录工作台的账号，专供对接系统使用"),
    )
    roles = forms.ModelMultipleChoiceField(
        label=_("新建账号的角色"),
        queryset=Role.objects.order_by("pk"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("决定对接系统能办理哪些事，例如省 12345 平台推送工单用「话务员」"),
    )
    units = forms.ModelMultipleChoiceField(
        label=_("新建账号的所属单位"),
        queryset=Unit.objects.filter(is_active=True).order_by("kind", "code"),
        required=False,
        help_text=_("对接系统代表的单位，决定能看到哪些数据；代表 12345 热线中心时选中心"),
    )

    class Meta:
        model = IntegrationClient
        fields = ["name", "code", "account", "scopes", "is_active", "webhook_url", "only_own_tickets"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].required = False
        if self.instance.pk:
            for name in ("new_username", "roles", "units"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        if self.instance.pk:
            if not data.get("account"):
                self.add_error("account", _("请选择对接账号"))
            return data
        account, username = data.get("account"), data.get("new_username", "")
        if account and username:
            self.add_error("new_username", _("已选择已有账号时不要再填写新用户名"))
        elif not account and not username:
            self.add_error("account", _("请选择已有账号，或在下面填写新建账号的用户名"))
        elif username:
            if get_user_model().objects.filter(username=username).exists():
                self.add_error("new_username", _("该用户名已被使用"))
            if not data.get("roles"):
                self.add_error("roles", _("新建账号至少要有一个角色"))
        return data


@admin.register(IntegrationClient)
class IntegrationClientAdmin(AuditedAdmin, admin.ModelAdmin):
    form = IntegrationClientForm
    list_display = ["name", "code", "account", "scope_names", "is_active", "webhook_url", "key_count"]
    list_filter = ["is_active"]
    search_fields = ["name", "code", "account__username"]
    autocomplete_fields = ["account"]

    def get_fieldsets(self, request, obj=None):
        main = (None, {"fields": ["name", "code", "scopes", "is_active"]})
        # The push settings; the signing secret's state is a read-only field of the webhook admin.
        push = (
            _("状态推送"),
            {"fields": ["webhook_url", "only_own_tickets", *self._extra_readonly(request, obj)]},
        )
        if obj is not None:
            return [main, push, (_("对接账号"), {"fields": ["account", "keys_link"]})]
        return [
            main,
            push,
            (
                _("对接账号（选择已有账号，或新建）"),
                {"fields": ["account", "new_username", "roles", "units"]},
            ),
        ]

    def get_readonly_fields(self, request, obj=None):
        return ["keys_link"] if obj is not None else []

    def _extra_readonly(self, request, obj) -> list[str]:
        """Read-only fields a subclass (the webhook admin) adds, shown with the push settings."""
        return [name for name in self.get_readonly_fields(request, obj) if name != "keys_link"]

    @admin.display(description=_("授权范围"))
    def scope_names(self, obj):
        return "、".join(str(SCOPES.get(code, code)) for code in obj.scopes or []) or "—"

    @admin.display(description=_("有效密钥"))
    def key_count(self, obj):
        return obj.account.api_tokens.filter(revoked_at__isnull=True).count()

    @admin.display(description=_("接口密钥"))
    def keys_link(self, obj):
        url = reverse("console:api_keys") + f"?account={obj.account.get_username()}"
        return format_html('<a href="{}">在工作台创建或停用该账号的接口密钥</a>', url)

    def save_model(self, request, obj, form, change):
        with transaction.atomic():
            username = form.cleaned_data.get("new_username")
            if not change and username:
                staff = staff_create(
                    username=username,
                    name=obj.name,
                    password=make_password(None),  # unusable: the account signs in only with its keys
                    password_is_hashed=True,
                    roles=[role.code for role in form.cleaned_data["roles"]],
                    units=list(form.cleaned_data["units"]),
                    actor=request.user,
                )
                obj.account = staff.user
            super().save_model(request, obj, form, change)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "state"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        # A key is shown only once, when made through the console's own page; the admin only lists and revokes.
        return False

    def has_delete_permission(self, request, obj=None):
        # A revoked key stays, so the audit trail can name it.
        return False

    @admin.display(description=_("状态"))
    def state(self, obj):
        return _("已停用") if obj.revoked_at else _("使用中")

    @admin.action(description=_("停用所选接口密钥"))
    def revoke(self, request, queryset):
        done, refused = 0, []
        for token in queryset.select_related("user"):
            try:
                revoke_token(actor=request.user, token=token)
                done += 1
            except Refusal as refusal:
                refused.append(f"{token}：{refusal_message(refusal)}")
        if done:
            self.message_user(request, f"已停用 {done} 个接口密钥。", messages.SUCCESS)
        for text in refused:
            self.message_user(request, text, messages.WARNING)


from civicgrid.integrations import admin_webhooks  # noqa: E402, F401  (webhook admin, after the client admin)
