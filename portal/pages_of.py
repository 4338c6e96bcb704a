"""Lists shown a page at a time (?page=N), reading only that page's rows."""
from math import ceil

from flask import request

PAGE_SIZE = 20


def page_of(query, order, size=PAGE_SIZE, counted=None):
    """(rows, page, pages, total) for the request's ?page= (out of range or not a number:
    the nearest page), ordered by `order`, with LIMIT/OFFSET. `counted`: the same rows
    without the joins that only bring each row's related records (cheaper to count).

    The rows are counted only when the page cannot tell how many there are: a first page
    that is not full holds them all (most lists are shorter than a page: one query, not two)."""
    try:
        asked = max(1, int(request.args.get("page", 1)))
    except ValueError:
        asked = 1
    ordered = query.order_by(*order)
    if asked == 1:
        rows, total = first_rows(ordered, size, query if counted is None else counted)
        return rows, 1, max(1, ceil(total / size)), total
    total = (query if counted is None else counted).count()
    pages = max(1, ceil(total / size))
    page = min(asked, pages)
    rows = list(ordered.limit(size).offset((page - 1) * size))
    return rows, page, pages, total


def first_rows(query, limit, counted):
    """(the first `limit` rows of `query`, how many rows `counted` has): counted only when
    `limit` rows came back (fewer are all there is)."""
    rows = list(query.limit(limit))
    if len(rows) < limit:
        return rows, len(rows)
    return rows, counted.count()
