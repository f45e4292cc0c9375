"""Leases for background jobs that must run once at a time however many workers there are (whole-table
aggregates, where there are no rows to claim one by one).

`take` is a conditional UPDATE of the job's row when its lease has run out, or the INSERT of that row the first
time; the unique name makes two workers' INSERTs collide, so exactly one of them gets it. A worker that dies
holding a lease blocks the job only until `expires_at`. Taking and giving back a lease is bookkeeping of the
worker, not a change anyone made, so it writes no audit row.
"""

import uuid
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from civicgrid.core.models import Lease

__all__ = ["release", "take"]


def take(name: str, *, now: datetime, length: timedelta) -> str | None:
    """The lease on `name` until `now + length`: a holder token, or None when another worker holds it."""
    holder = uuid.uuid4().hex
    until = now + length
    if Lease.objects.filter(name=name, expires_at__lte=now).update(holder=holder, expires_at=until):
        return holder
    if Lease.objects.filter(name=name).exists():
        return None
    try:
        with transaction.atomic():
            Lease.objects.create(name=name, holder=holder, expires_at=until)
    except IntegrityError:  # another worker inserted it first
        return None
    return holder


def release(name: str, holder: str) -> None:
    """Give the lease back (only one's own: after an expiry another worker may hold it now)."""
    Lease.objects.filter(name=name, holder=holder).delete()
