"""Render a whole page, or one named block of it for htmx partial requests."""
from flask import current_app, g, render_template, request
from jinja2 import Undefined

WHOLE_PAGE = b"<!doctype html"


def wants_fragment():
    """An htmx request that targets part of the page (boosted navigation wants the whole page)."""
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted


def poll_unchanged(state):
    """Whether this is an htmx poll from a fragment that already shows `state` (it sends it as
    ?etat=…): answer 204 then, so that nothing is swapped and nothing announced again."""
    return bool(getattr(request, "htmx", None)) and request.args.get("etat") == state


def render(template_name, block=None, **context):
    """The full page, or only `block` when htmx asked for a fragment (same template either way)."""
    if block and wants_fragment():
        app = current_app._get_current_object()
        template = app.jinja_env.get_or_select_template(template_name)
        _without_layout(app, context)
        return "".join(template.blocks[block](template.new_context(context)))
    return render_template(template_name, **context)


def required(value, name):
    """A value the layout cannot do without (the page's title, which is its h1): a page that
    forgot it fails, instead of rendering an empty heading."""
    if isinstance(value, Undefined) or value is None or not str(value).strip():
        raise LookupError(f"the page gives no {name} (set it in the template or pass it)")
    return value


def render_partial(template_name, **context):
    """A template that is a piece of a page and never the layout (a badge answered to a poll):
    rendered without the layout's context."""
    app = current_app._get_current_object()
    template = app.jinja_env.get_or_select_template(template_name)
    _without_layout(app, context)
    return template.render(context)


def _without_layout(app, context):
    """Fill the template context for a fragment: the layout is not rendered, so its context
    processor skips the menu, the space switcher and the badges (their queries) when it sees
    `g.without_layout` (see portal.layout_context)."""
    g.without_layout = True
    try:
        app.update_template_context(context)
    finally:
        g.without_layout = False


def in_fragment():
    """True while the context of a fragment (no layout) is being filled."""
    return bool(g.get("without_layout"))


def init_app(app):
    """Whole pages answered to a targeted htmx request replace the body (see below)."""
    app.after_request(retarget_whole_page)


def retarget_whole_page(response):
    """A refusal answered to an htmx request that targeted part of the page (an error page, a
    page-level form) is a whole page: it replaces the body, as a boosted navigation would,
    instead of being squeezed into the fragment's target or cut by its hx-select. (htmx swaps
    4xx answers: see responseHandling in layout.html.)"""
    if response.status_code < 400 or not wants_fragment() or response.is_streamed or \
            response.mimetype != "text/html" or "HX-Retarget" in response.headers:
        return response
    if response.get_data()[:64].lstrip().lower().startswith(WHOLE_PAGE):
        response.headers["HX-Retarget"] = "body"
        response.headers["HX-Reswap"] = "innerHTML"
        response.headers["HX-Reselect"] = "unset"
    return response
