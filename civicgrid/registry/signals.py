"""Drop this process's spatial and address indexes when grids or places change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.registry.models import Grid, Place


@receiver([post_save, post_delete], sender=Grid)
@receiver([post_save, post_delete], sender=Place)
def invalidate_indexes(sender, **kwargs):
    from civicgrid.registry import locate

    locate.invalidate()
