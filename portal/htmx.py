"""Render a whole page, or one named block of it for htmx partial requests."""
from flask import current_app, render_template, request


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
        app.update_template_context(context)
        return "".join(template.blocks[block](template.new_context(context)))
    return render_template(template_name, **context)
