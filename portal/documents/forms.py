"""Documents forms: upload (patient side), deposit (professionals), filters, folder, report."""
from flask import current_app
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (BooleanField, RadioField, SearchField, SelectField, StringField,
                     TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import DateInput

from ..forms.fields import FrenchDateField, strptime_parser
from .models import CATEGORIES
from .sniff import ACCEPTED, format_megabytes, too_big

# A professional's document types (what the deposit form offers).
DOC_TYPES = [
    ("compte_rendu_consultation", _l("Compte rendu de consultation")),
    ("compte_rendu_hospitalisation", _l("Compte rendu d’hospitalisation")),
    ("lettre_liaison", _l("Lettre de liaison")),
    ("resultats_biologie", _l("Résultats de biologie")),
    ("compte_rendu_imagerie", _l("Compte rendu d’imagerie")),
    ("images", _l("Images médicales (DICOM)")),
    ("ordonnance", _l("Ordonnance")),
    ("certificat", _l("Certificat médical")),
    ("vaccination", _l("Attestation de vaccination")),
    ("autre", _l("Autre document")),
]
DOC_TYPE_LABELS = dict(DOC_TYPES)

REPORT_REASONS = [
    ("pas_moi", _l("Ce document ne me concerne pas (autre patient)")),
    ("erreur", _l("Le contenu contient une erreur")),
    ("illisible", _l("Le fichier est illisible ou incomplet")),
    ("classement", _l("Mauvais titre, mauvaise date ou mauvaise catégorie")),
    ("doublon", _l("Document en double")),
    ("autre", _l("Autre problème")),
]
REPORT_LABELS = dict(REPORT_REASONS)

FOLDER_CHECKS = [Optional(), Length(max=100, message=_l(
    "Le nom du dossier ne doit pas dépasser 100 caractères."))]
FOLDER_INPUT = {"list": "dossiers", "autocomplete": "off"}  # suggests the existing folders


def choices(pairs):
    """(value, label) pairs as the select options WTForms wants."""
    return [SelectChoice(value, label) for value, label in pairs]


# Dates as date pickers send them (ISO) or typed as 14/03/2026, one French message for any mistake.
parse_document_date = strptime_parser(
    ("%Y-%m-%d", "%d/%m/%Y"), lambda: _l("Saisissez une date valide, par exemple 14/03/2026."))


class UploadForm(FlaskForm):
    """A patient-side upload: the file and what it is."""

    fichier = FileField(_l("Fichier"), validators=[FileRequired(_l("Choisissez un fichier."))])
    title = StringField(
        _l("Titre"), description=_l("Par exemple : Bilan sanguin de mars."),
        validators=[DataRequired(_l("Saisissez le titre du document.")),
                    Length(max=200, message=_l("Le titre ne doit pas dépasser 200 caractères."))])
    document_date = FrenchDateField(
        _l("Date du document"), description=_l("La date écrite sur le document."),
        required=_l("Saisissez la date du document."),
        future=_l("La date du document ne peut pas être dans le futur."),
        parse=parse_document_date, keep_typed=True, widget=DateInput(),
        render_kw={"required": True})
    category = SelectField(_l("Catégorie"), choices=choices(CATEGORIES.items()), default="autres",
                           invalid_choice_message=_l("Choisissez une catégorie de la liste."))
    folder = StringField(
        _l("Dossier de classement (facultatif)"),
        description=_l("Un nom de votre choix pour regrouper des documents, par exemple "
                       "« Cardiologie »."),
        validators=FOLDER_CHECKS, render_kw=FOLDER_INPUT)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        config = current_app.config
        limit = format_megabytes(config["MAX_UPLOAD_BYTES"])
        self.fichier.description = _l(
            "%(accepted)s %(max)s Mo au plus ; une photo JPEG ou PNG plus lourde est réduite "
            "pour tenir dans cette limite.", accepted=ACCEPTED, max=limit)
        # What the browser needs to say a file is too large before sending it (carnet.js).
        self.fichier.render_kw = {
            "data-max-bytes": config["MAX_UPLOAD_BYTES"],
            "data-max-request-bytes": config["MAX_UPLOAD_REQUEST_BYTES"],
            "data-too-large": str(too_big(config["MAX_UPLOAD_BYTES"])),
            "data-will-shrink": str(_l(
                "Cette photo dépasse %(max)s Mo : elle sera réduite pour tenir dans cette "
                "limite quand vous l’ajouterez.", max=limit)),
        }


class DepositForm(UploadForm):
    """A professional's deposit: the document type and who may not see it yet."""

    doc_type = SelectField(_l("Type de document"), choices=choices(DOC_TYPES),
                           default="compte_rendu_consultation",
                           invalid_choice_message=_l("Choisissez un type de document de la "
                                                     "liste."))
    hide_until_announced = BooleanField(
        _l("Invisible au patient jusqu’à son annonce en consultation"),
        description=_l("Le patient voit seulement qu’un document l’attend. Il devient "
                       "visible quand vous l’annoncez, et au plus tard dans 30 jours."))
    hidden_from_guardians = BooleanField(
        _l("Invisible aux représentants légaux (soins confidentiels d’un mineur)"),
        description=_l("Les parents ou le tuteur ne verront pas ce document et ne sauront pas "
                       "qu’il existe."))


class FilterForm(FlaskForm):
    """The list's filters, read from the query string (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = SearchField(_l("Rechercher dans les titres"),
                    validators=[Optional(), Length(max=100, message=_l(
                        "La recherche ne doit pas dépasser 100 caractères."))])
    categorie = SelectField(_l("Catégorie"), choices=choices(
                            [("", _l("Toutes")), *CATEGORIES.items()]), default="",
                            invalid_choice_message=_l("Choisissez une catégorie de la liste."))
    dossier = SelectField(_l("Dossier de classement"), choices=choices([("", _l("Tous"))]),
                          default="", validate_choice=False)
    du = FrenchDateField(_l("Du"), parse=parse_document_date, keep_typed=True,
                         widget=DateInput())
    au = FrenchDateField(_l("Au"), parse=parse_document_date, keep_typed=True,
                         widget=DateInput())

    def validate_au(self, field):
        if field.data and self.du.data and field.data < self.du.data:
            raise ValidationError(_l("La date de fin doit être après la date de début."))


class FolderForm(FlaskForm):
    folder = StringField(
        _l("Dossier de classement"),
        description=_l("Laissez vide pour retirer le document de son dossier."),
        validators=FOLDER_CHECKS, render_kw=FOLDER_INPUT)


class ReportForm(FlaskForm):
    reason = RadioField(_l("Quel est le problème ?"), choices=choices(REPORT_REASONS),
                        invalid_choice_message=_l("Choisissez le problème rencontré."))
    comment = TextAreaField(
        _l("Précisions (facultatif)"),
        description=_l("N’indiquez pas d’informations médicales qui ne sont pas nécessaires."),
        validators=[Optional(), Length(max=2000, message=_l(
            "Les précisions ne doivent pas dépasser 2000 caractères."))])
