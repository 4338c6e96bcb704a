"""Lists shown a page at a time (?page=N), reading only that page's rows."""
from math import ceil

from flask import request

PAGE_SIZE = 20


def page_of(query, order=None, size=PAGE_SIZE, counted=None):
    """(rows, page, pages, total) for the request's ?page= (out of range or not a number:
    the nearest page), ordered by `order` (None: the query's own order), with LIMIT/OFFSET.
    `counted`: the same rows without the joins that only bring each row's related records
    (cheaper to count)."""
    ordered = query if order is None else query.order_by(*order)
    return paged(requested_page(), size,
                 lambda limit, offset: list(ordered.limit(limit).offset(offset)),
                 (query if counted is None else counted).count)


def requested_page(param="page"):
    """The page number the query string asks for in `param` (not a number, zero or less: 1)."""
    try:
        return max(1, int(request.args.get(param, 1)))
    except ValueError:
        return 1


def paged(asked, size, listing, counting):
    """(rows, page, pages, total) of page `asked` (past the last: the last), `listing(limit,
    offset)` reading a page's rows and `counting()` how many rows there are in all.

    The rows are counted only when the page cannot tell how many there are: a first page
    that is not full holds them all (most lists are shorter than a page: one query, not two)."""
    if asked == 1:
        rows = listing(size, 0)
        total = len(rows) if len(rows) < size else counting()
        return rows, 1, max(1, ceil(total / size)), total
    total = counting()
    pages = max(1, ceil(total / size))
    page = min(asked, pages)
    return listing(size, (page - 1) * size), page, pages, total


def first_rows(query, limit, counted):
    """(the first `limit` rows of `query`, how many rows `counted` has): counted only when
    `limit` rows came back (fewer are all there is)."""
    rows = list(query.limit(limit))
    if len(rows) < limit:
        return rows, len(rows)
    return rows, counted.count()
