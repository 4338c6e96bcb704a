"""Messaging forms: a new conversation (either side), a reply, filing an attachment in the
record, and a professional's messaging settings."""
from flask import current_app
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from ..documents.forms import UploadForm
from ..forms.fields import same_field
from ..documents.sniff import ACCEPTED, format_megabytes

MAX_FILES = 5
MAX_BODY = 10000


def _subject():
    return StringField(
        _l("Objet"), description=_l("En quelques mots, par exemple : Résultats de la prise de "
                                    "sang."),
        validators=[DataRequired(_l("Saisissez l’objet du message.")),
                    Length(max=200, message=_l("L’objet ne doit pas dépasser 200 caractères."))])


def _body():
    return TextAreaField(
        _l("Message"), description=_l("Texte simple. Les adresses web (https://…) deviennent "
                                      "des liens."),
        validators=[DataRequired(_l("Saisissez le texte du message.")),
                    Length(max=MAX_BODY, message=_l(
                        "Le message ne doit pas dépasser %(max)s caractères.", max=MAX_BODY))],
        render_kw={"rows": 8})


class WithFiles(FlaskForm):
    """Attachments: several files, each checked like a document of the record."""

    fichiers = MultipleFileField(_l("Pièces jointes (facultatif)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        limit = format_megabytes(current_app.config["MAX_UPLOAD_BYTES"])
        self.fichiers.description = _l(
            "Jusqu’à %(count)s fichiers. %(accepted)s %(max)s Mo au plus en tout.",
            count=MAX_FILES, accepted=ACCEPTED, max=limit)

    def chosen_files(self):
        """The files actually chosen (a form sent with none gives one empty entry)."""
        return [f for f in (self.fichiers.data or []) if f and f.filename]


class ReplyForm(WithFiles):
    body = _body()


class ProReplyForm(ReplyForm):
    no_reply = BooleanField(
        _l("Ce message n’appelle pas de réponse"),
        description=_l("Le patient pourra le lire mais pas y répondre, tant que vous n’écrivez "
                       "pas de nouveau."))


class ProComposeForm(ProReplyForm):
    subject = _subject()


class PatientComposeForm(WithFiles):
    professional = SelectField(
        _l("Destinataire"),
        description=_l("Les professionnels qui vous ont écrit, votre médecin traitant et les "
                       "professionnels que vous avez autorisés, s’ils acceptent les messages "
                       "des patients."),
        validators=[InputRequired(_l("Choisissez le professionnel à qui écrire."))],
        validate_choice=False)  # the view checks it against the allowed list, with its message
    subject = _subject()
    body = _body()


class FileForm(FlaskForm):
    """Add a received attachment to the record: what it is (the same questions, with the
    same checks, as a document added to the record)."""

    title = same_field(UploadForm.title)
    document_date = same_field(UploadForm.document_date)
    category = same_field(UploadForm.category)


class SettingsForm(FlaskForm):
    patients_may_write = BooleanField(
        _l("Les patients peuvent m’écrire en premier"),
        description=_l("Vos patients (dont vous êtes le médecin traitant ou qui vous ont "
                       "autorisé) peuvent commencer une conversation avec vous. Si vous "
                       "décochez cette case, ils peuvent seulement répondre à vos messages."))


class PharmacyForm(FlaskForm):
    """Send a prescription of the record to a pharmacist chosen in the directory."""

    document = SelectField(_l("Ordonnance"), validators=[InputRequired(
        _l("Choisissez l’ordonnance à envoyer."))], validate_choice=False,
        description=_l("Les ordonnances du dossier."))
    pharmacist = SelectField(
        _l("Pharmacien ou pharmacienne"), validators=[InputRequired(
            _l("Choisissez la pharmacie à qui envoyer l’ordonnance."))], validate_choice=False,
        description=_l("Les pharmaciens inscrits sur Carnet qui acceptent les messages des "
                       "patients. Ils reçoivent l’ordonnance seule, sans accès au "
                       "dossier."))
    body = TextAreaField(
        _l("Message (facultatif)"),
        description=_l("Par exemple : je passerai chercher les médicaments jeudi."),
        validators=[Length(max=MAX_BODY, message=_l(
            "Le message ne doit pas dépasser %(max)s caractères.", max=MAX_BODY))],
        render_kw={"rows": 4})
