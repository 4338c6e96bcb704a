"""A form's fields come in the order its class writes them: in the page, in the error summary
(components/error_summary.html lists the form's fields in that order) and to a screen reader.
WTForms orders fields by the moment each was made, so a field taken from another form kept that
form's place: the activation form listed the e-mail and password errors before the code, NIR
and birth date written above them. portal.forms.fields.same_field makes the field anew."""
from wtforms import Form
from wtforms.fields.core import UnboundField


def every_form_class():
    found, todo = [], [Form]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            todo.append(sub)
            if sub.__module__.startswith("portal."):
                found.append(sub)
    return found


def test_every_forms_fields_are_ordered_as_its_class_writes_them(app):
    forms = every_form_class()
    assert len(forms) > 40
    for form in forms:
        written = [name for name, value in vars(form).items() if isinstance(value, UnboundField)]
        made = sorted(written, key=lambda name: vars(form)[name].creation_counter)
        assert made == written, f"{form.__module__}.{form.__qualname__}: {made} != {written}"


def test_the_activation_forms_errors_are_listed_in_the_pages_order(client):
    from portal.accounts.activation import ActivationForm
    from portal.accounts.counter_recovery_routes import CounterRecoveryForm
    with client.application.test_request_context():
        assert [f.name for f in ActivationForm()] == [
            "code", "nir", "birth_date", "email", "new_password", "confirm", "csrf_token"]
        assert [f.name for f in CounterRecoveryForm()][:5] == [
            "code", "nir", "birth_date", "new_password", "confirm"]
