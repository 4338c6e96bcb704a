"""Every filter, global and context processor the templates see, registered here, once, by
create_app: one place to look up where a name used in a template comes from. The functions
stay in the module whose logic they belong to. (rendering.init_app installs, after this, the
rendering engine's own gettext/ngettext/_ and url_for in place of Flask's and Flask-Babel's.)"""


def init_app(app, layout_context):
    """Register everything on `app`; `layout_context` is the layout's own context processor
    (made by the app factory, which holds the menus: passed in, so this module does not import
    the package back)."""
    from . import bidi, policy, tables
    from .accounts.models import SEXES
    from .forms.post_form import PostFormExtension
    from .accounts.nir import spaced
    from .accounts.views import home_address
    from .agenda import presenters as agenda
    from .connect.rights import right_label
    from .documents.views import octets
    from .emergency.views import emergency_time, notices_context
    from .forms.fields import left_to_right
    from .htmx import required
    from .i18n import dates, french_too, names
    from .messaging import presenters as messaging
    from .prevention.views import prevention_summary
    from .proxies.mandates import mediator_context
    from .proxies.presenters import scope_labels, scope_summary
    from .summary.views import error_text, status_label

    app.jinja_env.filters.update({
        # Dates and times in the reader's language and time zone.
        "date_long": dates.date_long, "date_fr": dates.date_long,
        "datetime_long": dates.datetime_long, "datetime_fr": dates.datetime_long,
        "emergency_time": emergency_time,
        "ltr": bidi.ltr,  # a phone number, an e-mail… kept left to right in Arabic pages
        "user": bidi.user,  # text a person typed, isolated in its own direction
        "plain": bidi.plain,  # the same isolates as Unicode controls, for <title> and attributes
        "label_cells": tables.label_cells,
        "nir_format": spaced,
        "octets": octets,
        "linkify": messaging.linkify,
        "required": required,  # the layout's h1: a page without a title fails loudly
    })
    # Before any template is compiled (and before rendering's overlays copy the extensions).
    app.jinja_env.add_extension(PostFormExtension)
    app.jinja_env.globals.update({
        "_n": names.jinja_n, "feminine": names.feminine,
        "french_too": french_too,  # a paper's mandatory mentions, in French beside the translation
        "left_to_right": left_to_right,  # the field macro's dir="ltr" (portal/forms/fields.py)
        "html_attributes": bidi.html_attributes, "text_direction": bidi.text_direction,
        "other_languages": bidi.other_languages,
        "sexes": SEXES,
        "space_field": policy.space_field,
        "right_label": right_label,
        "scope_labels": scope_labels, "scope_summary": scope_summary,
        "home_address": home_address,
        "professional_name": messaging.professional_name, "kind_label": messaging.kind_label,
        "prevention_summary": prevention_summary,
        "print_status_label": status_label, "print_error": error_text,
        "agenda_weekdays": agenda.weekdays, "agenda_title": agenda.agenda_title,
        **{f"appointment_{name}": getattr(agenda, name)
           for name in ("professional", "specialty", "added_by", "when", "reminder", "title",
                        "start_time", "duration", "outside")},
    })
    # Context processors, not globals: what they give is seen by the page, not by macros
    # imported without context.
    app.context_processor(notices_context)
    app.context_processor(mediator_context)
    app.context_processor(layout_context)
