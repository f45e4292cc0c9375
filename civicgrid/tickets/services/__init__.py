"""Every change to a ticket is one of these functions: guard, transaction, event row, notifications."""

from civicgrid.tickets.services.attachments import attachment_add, attachment_set_internal
from civicgrid.tickets.services.closure import (
    CallbackOutcome,
    callback_from_online_rating,
    callback_record,
    callback_record_merged,
    merged_requesters_owed,
    reply_review,
    ticket_archive,
    ticket_close,
)
from civicgrid.tickets.services.corrections import (
    ticket_correct,
    ticket_correct_address,
    ticket_correct_occurred_at,
    ticket_correct_request_type,
    ticket_merge_undo,
    ticket_recategorise,
    ticket_relocate,
)
from civicgrid.tickets.services.dispatch import return_decide, return_request, ticket_dispatch
from civicgrid.tickets.services.handling import (
    assignment_first_contact,
    assignment_sign,
    co_reply,
    extension_decide,
    extension_request,
    lead_reply,
)
from civicgrid.tickets.services.intake import (
    ticket_accept,
    ticket_answer_directly,
    ticket_decline,
    ticket_merge,
    ticket_register,
    ticket_transfer_emergency,
)
from civicgrid.tickets.services.pauses import ticket_pause, ticket_resume
from civicgrid.tickets.services.supervision import key_list_set, ticket_escalate, ticket_supervise
from civicgrid.tickets.services.supplements import resident_supplement

__all__ = [
    "CallbackOutcome",
    "attachment_add",
    "attachment_set_internal",
    "assignment_first_contact",
    "assignment_sign",
    "callback_from_online_rating",
    "callback_record",
    "callback_record_merged",
    "merged_requesters_owed",
    "co_reply",
    "extension_decide",
    "extension_request",
    "key_list_set",
    "lead_reply",
    "reply_review",
    "return_decide",
    "return_request",
    "resident_supplement",
    "ticket_accept",
    "ticket_answer_directly",
    "ticket_archive",
    "ticket_close",
    "ticket_correct",
    "ticket_correct_address",
    "ticket_correct_occurred_at",
    "ticket_correct_request_type",
    "ticket_decline",
    "ticket_dispatch",
    "ticket_escalate",
    "ticket_merge",
    "ticket_merge_undo",
    "ticket_pause",
    "ticket_recategorise",
    "ticket_register",
    "ticket_relocate",
    "ticket_resume",
    "ticket_supervise",
    "ticket_transfer_emergency",
]
