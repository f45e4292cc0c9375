"""Stored words of tickets (`TicketWords`): the tokenizer is most of the cost of clustering, and a ticket's
text rarely changes, so each ticket is cut once and read back on later runs."""

import hashlib

from civicgrid.hotspots.engine import Record, tokens
from civicgrid.hotspots.models import TicketWords

# Bump when `engine.tokens` or its dictionary changes: every stored cut is then redone on its next read.
TOKENIZER_VERSION = "1"
SEPARATOR = "\x1f"
CHUNK = 5000


def digest(text: str) -> str:
    return hashlib.sha256(f"{TOKENIZER_VERSION}:{text}".encode()).hexdigest()[:16]


def fill_words(records: list[Record]) -> None:
    """Give each ticket record (ref = ticket id) its words: stored ones where the text is unchanged, freshly
    cut (and stored) otherwise."""
    for start in range(0, len(records), CHUNK):
        chunk = records[start : start + CHUNK]
        stored = dict(
            (pk, (kept_digest, words))
            for pk, kept_digest, words in TicketWords.objects.filter(
                ticket_id__in=[r.ref for r in chunk]
            ).values_list("ticket_id", "digest", "words")
        )
        fresh = []
        for record in chunk:
            wanted = digest(record.text)
            kept = stored.get(record.ref)
            if kept is not None and kept[0] == wanted:
                record.words = kept[1].split(SEPARATOR) if kept[1] else []
                continue
            record.words = tokens(record.text)
            fresh.append(TicketWords(ticket_id=record.ref, digest=wanted, words=SEPARATOR.join(record.words)))
        if fresh:
            TicketWords.objects.bulk_create(
                fresh, update_conflicts=True, unique_fields=["ticket"], update_fields=["digest", "words"]
            )
