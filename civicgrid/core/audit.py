from civicgrid.core.models import AuditEvent


def record_event(*, actor, action: str, target=None, summary: str = "", **payload) -> AuditEvent:
    """Write one audit row; call inside the service's transaction so it commits or rolls back with it."""
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user,
        action=action,
        target_type=target._meta.label_lower if target is not None and hasattr(target, "_meta") else "",
        target_id=str(getattr(target, "pk", "") or "") if target is not None else "",
        summary=summary[:300],
        payload=payload,
    )
