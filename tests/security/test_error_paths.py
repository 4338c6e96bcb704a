"""Error paths: a refusal explains itself (never a 500), no error path commits
half an action or sends its e-mail, a DICOM with an odd window still gets its preview, and no
log line (Flask's error log, the wsgi error stream, any logger) carries health data."""
import io
import logging
import re
from pathlib import Path

import pytest
from conftest import hidden_fields

from portal.documents.demo import sample_dicom

# Jean's condition 1 was written by his doctor; what the section shows around it.
THEIRS = "/dossier/profil/maladies/1"
HEALTH_TEXTS = ("Hypertension artérielle", "Diabète de type 2", "Fibrillation atriale",
                "Tension suivie à domicile", "HbA1c", "Cataracte", "Ma tension reste haute")
ROOT = Path(__file__).resolve().parents[2]


def condition(entry_id):
    from portal.profile.sections import BY_SLUG
    model = BY_SLUG["maladies"].model
    return model.get_or_none(model.id == entry_id)


@pytest.mark.parametrize("htmx", [True, False], ids=["htmx", "page"])
@pytest.mark.parametrize("method, suffix", [("GET", "modifier"), ("POST", "modifier"),
                                            ("GET", "supprimer"), ("POST", "supprimer")])
def test_changing_an_entry_one_did_not_write_is_refused_not_a_500(ctx, login_as, method, suffix,
                                                                  htmx):
    """With htmx the section comes back with the explanation; without, a redirect and the
    explanation flashed. Nothing changes, and the attempt is journaled."""
    from portal.audit import ActivityEvent
    jean = login_as("jean")
    ctx.config["PROPAGATE_EXCEPTIONS"] = False
    fields = hidden_fields(jean.get("/dossier/profil/maladies/"))
    before = ActivityEvent.select().order_by(ActivityEvent.id.desc()).first().id
    name = condition(1).name
    headers = {"HX-Request": "true"} if htmx else {}
    data = {**fields, "name": "Rien", "comment": "changé"} if method == "POST" else None
    response = jean.open(f"{THEIRS}/{suffix}", method=method, data=data, headers=headers)
    if htmx:
        assert response.status_code == 200
        text = response.get_data(as_text=True)
    else:
        assert response.status_code == 303
        text = jean.get(response.headers["Location"]).get_data(as_text=True)
    assert "seul son auteur peut le modifier ou le supprimer" in text
    assert condition(1).name == name
    actions = [e.action for e in ActivityEvent.select().where(
        ActivityEvent.id > before, ActivityEvent.outcome == "denied")]
    assert actions and all(a.startswith("profile.") and a.endswith(".change") for a in actions)


def test_abort_is_only_ever_given_a_status_code():
    """abort() with anything but a status code (a rendered page, a message) is a 500 whose
    text goes to the error log: every call in the sources passes an integer."""
    wrong = []
    for path in (ROOT / "portal").rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for argument in re.findall(r"\babort\(([^)]*)\)", line):
                if not re.fullmatch(r"\d{3}", argument.strip()):
                    wrong.append(f"{path.relative_to(ROOT)}:{number}: abort({argument})")
    assert not wrong, wrong


@pytest.fixture
def half_action_route(app):
    """A POST view that writes (a measure, an e-mail, a journal entry), then fails as asked."""
    from flask import abort, request

    from portal import audit, mail
    from portal.accounts.models import Person, utcnow
    from portal.measures.models import Measure
    from portal.policy import ACCOUNT_SELF, requires

    @requires(ACCOUNT_SELF)
    def half():
        jean = Person.get(Person.given_names == "Jean")
        Measure.create(patient=jean.id, kind="weight", value=99, measured_at=utcnow(),
                       author=1)
        message = mail.send("jean.dupont@example.org", "Nouvelle mesure",
                            "Une mesure a été ajoutée.")
        audit.record("measures.add", patient=jean, obj_type="measure")
        audit.record("measures.add", patient=jean, outcome="denied", detail="half")
        how = request.form.get("how")
        if how == "abort":
            abort(400)
        if how == "crash":
            raise RuntimeError("Hypertension artérielle")  # a message quoting the record
        # The delivery task waits for the commit (huey runs immediately in tests).
        return mail.OutboxMessage.get_by_id(message.id).status

    app.add_url_rule("/test/half", "test_half", half, methods=["POST"])
    app.config["WTF_CSRF_ENABLED"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return "/test/half"


@pytest.mark.db
@pytest.mark.parametrize("how, status", [("abort", 400), ("crash", 500), ("", 200)])
def test_no_error_path_commits_half_an_action(ctx, login_as, half_action_route, how, status):
    from portal.audit import ActivityEvent
    from portal.mail import OutboxMessage
    from portal.measures.models import Measure
    jean = login_as("jean")
    counts = (Measure.select().count(), OutboxMessage.select().count())
    before = ActivityEvent.select().order_by(ActivityEvent.id.desc()).first().id
    response = jean.post(half_action_route, data={"how": how})
    assert response.status_code == status
    added = 1 if how == "" else 0
    assert (Measure.select().count(), OutboxMessage.select().count()) == \
        (counts[0] + added, counts[1] + added)
    entries = [(e.action, e.outcome) for e in ActivityEvent.select().where(
        ActivityEvent.id > before).order_by(ActivityEvent.id)]
    if how:  # the write's entry went with it; the failure is still journaled
        assert entries == [("measures.add", "denied")]
    else:
        assert entries == [("measures.add", "ok"), ("measures.add", "denied")]
        assert response.get_data(as_text=True) == "queued"  # not delivered before the commit
        assert OutboxMessage.select().order_by(OutboxMessage.id.desc()).first().status == "kept"


def test_error_paths_write_no_health_data_to_any_log(ctx, login_as, half_action_route, caplog,
                                                     capsys):
    caplog.set_level(logging.DEBUG)
    jean = login_as("jean")
    fields = hidden_fields(jean.get("/dossier/profil/maladies/"))
    for htmx in ({"HX-Request": "true"}, {}):
        jean.get(f"{THEIRS}/modifier", headers=htmx)
        jean.get(f"{THEIRS}/supprimer", headers=htmx)
        jean.post(f"{THEIRS}/supprimer", data=fields, headers=htmx)
        jean.post(f"{THEIRS}/modifier", data={**fields, "name": "Diabète de type 2"},
                  headers=htmx)
    assert jean.post(half_action_route, data={"how": "crash"}).status_code == 500
    logged = caplog.text + capsys.readouterr().err
    assert "RuntimeError" in logged  # the crash is logged, where it happened...
    assert "Exception on /test/half [POST]" in logged
    leaked = [text for text in HEALTH_TEXTS if text in logged]
    assert not leaked, leaked  # ...but never what it quoted
    assert "SELECT" not in logged  # no query (with its parameters) is logged


@pytest.mark.parametrize("window", [
    {"WindowCenter": 1500, "WindowWidth": 1},
    {"WindowCenter": 1500, "WindowWidth": 0},
    {"WindowCenter": "nan", "WindowWidth": 400},
    {"RescaleSlope": 0},
    {"RescaleSlope": "inf"},
])
def test_a_dicom_with_an_odd_window_still_gets_a_preview(window):
    from pydicom import dcmread

    from portal.documents.previews import make_preview
    ds = dcmread(io.BytesIO(sample_dicom(size=16)))
    for name, value in window.items():
        setattr(ds, name, value)
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    preview = make_preview(out.getvalue(), "application/dicom")
    if window.get("RescaleSlope") == "inf":
        assert preview is None  # kept without a preview
    else:
        assert preview is not None and preview[1] == "image/png"


def test_uploading_a_dicom_with_window_width_1_works(ctx, login_as):
    from pydicom import dcmread
    jean = login_as("jean")
    ds = dcmread(io.BytesIO(sample_dicom(size=16)))
    ds.WindowCenter, ds.WindowWidth = 1500, 1
    out = io.BytesIO()
    ds.save_as(out, enforce_file_format=True)
    page = jean.get("/dossier/documents/ajouter")
    response = jean.post("/dossier/documents/ajouter", data={
        **hidden_fields(page), "title": "Scanner", "document_date": "2026-01-05",
        "category": "autres", "fichier": (io.BytesIO(out.getvalue()), "seuil.dcm")},
        content_type="multipart/form-data")
    assert response.status_code == 303, response.status_code
    document_id = response.headers["Location"].rstrip("/").rsplit("/", 1)[1]
    preview = jean.get(f"/dossier/documents/{document_id}/apercu")
    assert preview.status_code == 200 and preview.mimetype == "image/png"
