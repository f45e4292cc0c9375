"""Names every page's header shows, from settings (a locality renames the platform without touching templates)."""

from django.conf import settings


def names(request):
    return {
        "product_name": settings.CIVICGRID_PRODUCT_NAME,
        "public_name": settings.CIVICGRID_PUBLIC_NAME,
        "password_reset": settings.CIVICGRID_EMAIL_CONFIGURED,
    }
