"""Page pagination for the API's long lists: `page` from 1, `size` up to MAX_SIZE; a page past the end is empty."""

from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from django.core.paginator import Paginator
from ninja import Field, Path, Schema

from civicgrid.core.inputs import MAX_ID

MAX_SIZE = 100
DEFAULT_SIZE = 25

Item = TypeVar("Item")
# A row id in a path: past what the database holds it names no row.
ROW_ID = Path(..., ge=1, le=MAX_ID, description="编号")


class PageIn(Schema):
    page: int = Field(1, ge=1, le=100_000, description="页码，从 1 开始")
    size: int = Field(DEFAULT_SIZE, ge=1, le=MAX_SIZE, description="每页条数，最多 100")


class Page(Schema, Generic[Item]):
    count: int
    page: int
    pages: int
    items: list[Item]


def paged(rows, paging: PageIn, convert: Callable[[Iterable], list]) -> dict:
    """One page of `rows` (a queryset or list), each page's rows turned into output by `convert`."""
    paginator = Paginator(rows, paging.size)
    items = []
    if paging.page <= paginator.num_pages:
        items = convert(paginator.page(paging.page).object_list)
    pages = paginator.num_pages if paginator.count else 0
    return {"count": paginator.count, "page": paging.page, "pages": pages, "items": items}
