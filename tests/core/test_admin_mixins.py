"""One read-only admin for records that change only through the services (or never)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from civicgrid.core.admin_mixins import ReadOnlyAdmin, ReadOnlyInline
from civicgrid.core.models import AuditEvent
from civicgrid.intake.models import Suggestion
from civicgrid.notify.models import Notification
from civicgrid.portal.models import ResidentRating
from civicgrid.tickets.models import ExtensionRequest, ReturnRequest, Supervision, Ticket

pytestmark = pytest.mark.django_db

READ_ONLY = [
    Ticket,
    ExtensionRequest,
    ReturnRequest,
    Supervision,
    Notification,
    AuditEvent,
    ResidentRating,
    Suggestion,
]


@pytest.fixture
def superuser_request(django_user_model):
    request = RequestFactory().get("/admin/")
    request.user = django_user_model.objects.create_superuser("root", password="a-long-pass-2026")
    return request


def _refuses_everything(model_admin, request) -> bool:
    return not (
        model_admin.has_add_permission(request)
        or model_admin.has_change_permission(request)
        or model_admin.has_delete_permission(request)
    )


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda m: m.__name__)
def test_records_of_what_happened_are_shown_but_never_edited(model, superuser_request):
    model_admin = admin.site._registry[model]
    assert isinstance(model_admin, ReadOnlyAdmin)
    assert _refuses_everything(model_admin, superuser_request)
    assert model_admin.has_view_permission(superuser_request)


def test_there_is_one_read_only_admin(superuser_request):
    """No admin outside ReadOnlyAdmin refuses everything: a second variant would drift from the first."""
    for model, model_admin in admin.site._registry.items():
        if not isinstance(model_admin, ReadOnlyAdmin):
            assert not _refuses_everything(model_admin, superuser_request), model.__name__
        for inline in model_admin.get_inline_instances(superuser_request):
            if not isinstance(inline, ReadOnlyInline):
                refuses = not (
                    inline.has_add_permission(superuser_request, None)
                    or inline.has_change_permission(superuser_request)
                    or inline.has_delete_permission(superuser_request)
                )
                assert not refuses, type(inline).__name__
