from django.contrib import admin

from civicgrid.integrations.models import ApiToken, IntegrationClient


@admin.register(IntegrationClient)
class IntegrationClientAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "account", "is_active", "webhook_url"]
    list_filter = ["is_active"]
    search_fields = ["name", "code"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    readonly_fields = ["user", "name", "prefix", "created_at", "created_by", "last_used_at", "revoked_at"]

    def has_add_permission(self, request):
        # A key is shown only once, when made through the console's own page; the admin only lists and revokes.
        return False


from civicgrid.integrations import admin_webhooks  # noqa: E402, F401  (webhook admin, after the client admin)
