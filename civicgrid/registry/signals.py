"""Drop this process's spatial and address indexes when grids or places change."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from civicgrid.registry.models import AdminArea, Grid, Place


@receiver([post_save, post_delete], sender=Grid)
@receiver([post_save, post_delete], sender=Place)
@receiver([post_save, post_delete], sender=AdminArea)  # address matching strips area names
def invalidate_indexes(sender, **kwargs):
    from civicgrid.registry import locate

    locate.invalidate()
