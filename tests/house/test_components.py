"""Where the shared pieces of the screens live: every template macro under
templates/components/, every template filter and global registered by portal/formatting.py."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
REGISTRATION = re.compile(r"add_app_template_|app_template_(filter|global|test)|"
                          r"app_context_processor|\.context_processor\b|"
                          r"jinja_env\.(filters|globals|tests)\b")


def test_every_macro_lives_under_components():
    outside = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
               if "{% macro" in path.read_text(encoding="utf-8")
               and path.parent.name != "components"]
    assert outside == []


def test_template_helpers_are_registered_in_one_place():
    # rendering.py is the exception: it puts its own gettext and url_for in the place of
    # Flask's and Flask-Babel's (and back, for the comparisons of tests/house/test_rendering.py).
    allowed = {"portal/formatting.py", "portal/rendering.py"}
    elsewhere = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.py")
                       if str(path.relative_to(ROOT)) not in allowed
                       and REGISTRATION.search(path.read_text(encoding="utf-8")))
    assert elsewhere == []


def test_the_date_field_has_one_home():
    """One date field for every screen (portal/forms/fields.py): no area defines its own."""
    own = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "portal").rglob("*.py")
                 if path.parent.name != "forms"
                 and re.search(r"^class \w*Date\w*Field\(|^class DayField\(",
                               path.read_text(encoding="utf-8"), re.M))
    assert own == []


def test_every_post_form_is_written_by_the_post_form_tag():
    """One tag (portal/forms/post_form.py) writes `novalidate`, the CSRF token and the space
    field of every POST form (printed papers have no forms)."""
    by_hand = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
               if re.search(r'<form\b[^>]*method="post"', path.read_text(encoding="utf-8"), re.I)]
    assert by_hand == []
    leftovers = [str(path.relative_to(ROOT)) for path in (ROOT / "templates").rglob("*.html")
                 if re.search(r"hidden_tag\(\)|\bcsrf_token\b|space_field\(\)|call post_form",
                              path.read_text(encoding="utf-8"))]
    assert leftovers == []
