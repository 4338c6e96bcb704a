"""Base forms every area uses."""
from flask_wtf import FlaskForm


class EmptyForm(FlaskForm):
    """A POST with nothing but its CSRF token (buttons: log out, end a session…)."""
