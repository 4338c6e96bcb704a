"""Lists shown a page at a time (?page=N), reading only that page's rows."""
from math import ceil

from flask import request

PAGE_SIZE = 20


def page_of(query, order, size=PAGE_SIZE, counted=None):
    """(rows, page, pages, total) for the request's ?page= (out of range or not a number:
    the nearest page), ordered by `order`, with LIMIT/OFFSET. `counted`: the same rows
    without the joins that only bring each row's related records (cheaper to count)."""
    total = (query if counted is None else counted).count()
    pages = max(1, ceil(total / size))
    try:
        page = min(max(1, int(request.args.get("page", 1))), pages)
    except ValueError:
        page = 1
    rows = list(query.order_by(*order).limit(size).offset((page - 1) * size))
    return rows, page, pages, total
