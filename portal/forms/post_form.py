"""`{% post_form(action, form, class=…, space=True, attrs={…}) %} … {% endpost_form %}`: every
POST form of Carnet, as each of them must be: `novalidate` (the server's French messages are
the ones shown), the CSRF token, the form's other hidden fields (without ids, which would repeat
when a page holds several forms) and, inside a space, the field naming it (policy.space_field:
a form shown for another space is refused). `attrs` gives the other attributes (enctype,
data-hx-*…), in order; `space=False` for the header's forms, which act on no space; `token`
the CSRF token to write instead of the session's (the chrome's slot: portal/chrome.py).

A tag rather than a `{% call %}` macro: every page has at least three of these forms (language,
logout, session keep-alive), and a macro with a caller costs two Jinja `Macro` calls, argument
binding in Python, each time (about a tenth of a record page's whole request). The tag is
compiled in place: its opening is written here, its body is the template's own code, inline.
"""
from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.filters import do_xmlattr
from markupsafe import Markup, escape

CLOSE = Markup("\n</form>")


class PostFormExtension(Extension):
    tags = {"post_form"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        args, kwargs, dyn_args, dyn_kwargs = parser.parse_call_args()
        if dyn_args is not None or dyn_kwargs is not None:
            parser.fail("post_form takes no *args or **kwargs", lineno)
        body = parser.parse_statements(("name:endpost_form",), drop_needle=True)
        opening = self.call_method("_open", [nodes.ContextReference(), *args], kwargs,
                                   lineno=lineno)
        return [nodes.Output([opening], lineno=lineno), *body,
                nodes.Output([nodes.TemplateData(str(CLOSE))], lineno=lineno)]

    def _open(self, context, action=None, form=None, space=True, attrs=None, token=None,
              **options):
        css_class = options.pop("class", None)
        if options:
            raise TypeError("post_form: unknown argument(s) " + ", ".join(sorted(options)))
        parts = ['<form method="post"']
        if action:
            parts.append(f' action="{escape(action)}"')
        parts.append(" novalidate")
        if css_class:
            parts.append(f' class="{escape(css_class)}"')
        if attrs:
            parts.append(str(do_xmlattr(context.eval_ctx, attrs)))
        # The environment's globals, as a component macro imported without context saw them (the
        # page's context also has Flask-WTF's own, slower `csrf_token`, from its processor).
        helpers = self.environment.globals
        if token is None:
            token = helpers["csrf_token"]()
        parts.append(f'>\n  <input type="hidden" name="csrf_token" value="{escape(token)}">')
        if form:
            parts.extend(str(field(id=False)) for field in form if field.type == "HiddenField")
        if space:
            parts.append(str(escape(helpers["space_field"]())))
        return Markup("".join(parts))
