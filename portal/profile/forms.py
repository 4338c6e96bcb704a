"""One form per profile section. The view sets `form.patient` (dates are never before birth)
and calls `prepare` (choices drawn from the record); `apply` copies the fields onto the entry."""
from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..forms.fields import CheckboxesField, FrenchDateField, one_of_choices, optional_int, options
from ..i18n.dates import date_long

BAD_CHOICE = _l("Choisissez une des valeurs proposées.")
NOT_SET = ("", _l("Non précisé"))


def strip(value):
    return value.strip() if isinstance(value, str) else value


def text(label, max_length=200, required=None, description=None, area=False):
    """A text field: stripped, limited, required when `required` (its message) is given."""
    validators = [DataRequired(required)] if required else [Optional()]
    validators.append(Length(max=max_length,
                             message=_l("Saisissez au plus %(max)d caractères.")))
    field = TextAreaField if area else StringField
    return field(label, validators=validators, filters=[strip], description=description,
                 render_kw={"rows": "3"} if area else None)


def choice(label, choices, required=None, radio=False, description=None, coerce=str):
    """A select (or radios) whose answer must be one of `choices`, refused in French."""
    validators = [DataRequired(required)] if required else []
    validators.append(one_of_choices(BAD_CHOICE))
    field = RadioField if radio else SelectField
    return field(label, choices=options(choices), validators=validators, validate_choice=False,
                 description=description, coerce=coerce)


def comment(label=_l("Commentaire")):
    return text(label, 1000, area=True)



def document_label(document):
    """A document as the profile names it (a hospital stay's choices, the entries' links): its
    title and its date."""
    return _("%(title)s (%(date)s)", title=document.title, date=date_long(document.document_date))

class EntryForm(FlaskForm):
    """Base of every section form."""

    patient = None  # the open space's person, set by the view before validating
    at_least_one = None  # (field names, message): a form of optional fields, one needed

    def validate(self, extra_validators=None):
        valid = super().validate(extra_validators)
        if self.at_least_one:
            names, message = self.at_least_one
            if not any(self[name].data for name in names):
                self[names[0]].errors.append(message)
                valid = False
        return valid

    def prepare(self, relation, account):
        """Fill choices that depend on the record (conditions, documents…)."""

    def load(self, entry):
        """Show values of `entry` that are not plain columns (GET of an edit form)."""

    def apply(self, entry):
        """Copy the answers onto `entry` (its columns only)."""
        columns = entry._meta.combined
        for f in self:
            if f.name in columns:
                value = f.data
                if value is None and not columns[f.name].null:
                    value = ""  # a text column left out of a (tampered) form
                setattr(entry, f.name, value)

    def after_save(self, entry, relation, account):
        """Save what lives in other tables (links to documents)."""


class ConditionForm(EntryForm):
    name = text(_l("Maladie ou sujet de santé"),
                required=_l("Saisissez la maladie ou le sujet de santé."),
                description=_l("Par exemple : diabète de type 2, asthme, grossesse."))
    started_on = FrenchDateField(
        _l("Date de début"), description=_l("Facultatif. Par exemple 14/05/2024."),
        future=_l("La date de début ne peut pas être dans le futur."))
    ended_on = FrenchDateField(
        _l("Date de fin"), description=_l("Laissez vide si elle est toujours en cours."),
        future=_l("La date de fin ne peut pas être dans le futur."))
    comment = comment()

    def validate_ended_on(self, field):
        if field.data and self.started_on.data and field.data < self.started_on.data:
            raise ValidationError(_l("La date de fin doit être après la date de début."))


class TreatmentForm(EntryForm):
    name = text(_l("Médicament ou traitement"),
                required=_l("Saisissez le nom du médicament ou du traitement."),
                description=_l("Par exemple : metformine."))
    dose = text(_l("Dose et rythme"), description=_l("Par exemple : 1000 mg matin et soir."))
    duration = text(_l("Durée"), 100, description=_l("Par exemple : 3 mois, au long cours."))
    condition_id = choice(_l("Maladie traitée"), [], coerce=optional_int,
                          description=_l("Choisissez parmi les maladies de ce profil."))
    comment = comment()

    def prepare(self, relation, account):
        from .models import Condition
        rows = (Condition.select(Condition.id, Condition.name)
                .where(Condition.patient == relation.person.id).order_by(Condition.name))
        self.condition_id.choices = options([NOT_SET] + [(c.id, c.name) for c in rows])


class HospitalizationForm(EntryForm):
    admitted_on = FrenchDateField(
        _l("Date d’entrée"), description=_l("Par exemple 14/05/2024."),
        required=_l("Saisissez la date d’entrée à l’hôpital."),
        future=_l("La date d’entrée ne peut pas être dans le futur."))
    length_days = StringField(
        _l("Durée du séjour, en jours"), filters=[strip],
        description=_l("Facultatif. 0 pour une hospitalisation de jour."),
        render_kw={"inputmode": "numeric"})
    reason = text(_l("Motif"), required=_l("Saisissez le motif de l’hospitalisation."),
                  description=_l("Par exemple : pose d’une prothèse de hanche."))
    place = text(_l("Établissement"),
                 description=_l("Facultatif. Par exemple : centre hospitalier de Tulle."))
    documents = CheckboxesField(_l("Documents liés"), coerce=optional_int,
                                validators=[one_of_choices(BAD_CHOICE)])
    comment = comment()

    def validate_length_days(self, field):
        if not field.data:
            field.data = None
            return
        if not field.data.isdigit():
            raise ValidationError(_l("Saisissez un nombre de jours, par exemple 3."))
        field.data = int(field.data)
        if field.data > 3650:
            raise ValidationError(_l("Vérifiez la durée : plus de 10 ans d’hospitalisation."))

    def prepare(self, relation, account):
        from ..documents.models import Document
        from ..policy import visible_documents
        docs = visible_documents(relation, account).order_by(Document.document_date.desc(),
                                                              Document.id.desc())
        self.documents.choices = options((d.id, document_label(d)) for d in docs)

    def load(self, entry):
        from .models import HospitalizationDocument
        self.documents.data = [link.document_id for link in HospitalizationDocument.select()
                               .where(HospitalizationDocument.hospitalization == entry.id)]

    def after_save(self, entry, relation, account):
        """Links follow the ticked boxes among the documents this actor sees; links to
        documents hidden from them stay as they were."""
        from .models import HospitalizationDocument as Link
        shown = {c.value for c in self.documents.choices}
        chosen = set(self.documents.data or ()) & shown
        current = {link.document_id for link in
                   Link.select().where(Link.hospitalization == entry.id)}
        gone = (current & shown) - chosen
        if gone:
            Link.delete().where(Link.hospitalization == entry.id,
                                Link.document.in_(gone)).execute()
        for document_id in sorted(chosen - current):
            Link.create(hospitalization=entry.id, document=document_id)


ALLERGY_KINDS = [("allergie", _l("Allergie")), ("intolerance", _l("Intolérance"))]
SEVERITIES = [NOT_SET, ("legere", _l("Légère")), ("moderee", _l("Modérée")),
              ("severe", _l("Sévère (par exemple choc anaphylactique)"))]


class AllergyForm(EntryForm):
    substance = text(_l("Substance, aliment ou médicament"),
                     required=_l("Saisissez ce qui provoque l’allergie ou l’intolérance."),
                     description=_l("Par exemple : pénicilline, arachide, pollens."))
    kind = choice(_l("Allergie ou intolérance ?"), ALLERGY_KINDS, radio=True,
                  required=_l("Indiquez s’il s’agit d’une allergie ou d’une intolérance."))
    reaction = text(_l("Réaction observée"),
                    description=_l("Facultatif. Par exemple : urticaire, gonflement du visage."))
    severity = choice(_l("Gravité"), SEVERITIES)
    comment = comment()


RELATIVES = [("mere", _l("Mère")), ("pere", _l("Père")), ("soeur", _l("Sœur")),
             ("frere", _l("Frère")), ("grand_mere", _l("Grand-mère")),
             ("grand_pere", _l("Grand-père")), ("fille", _l("Fille")), ("fils", _l("Fils")),
             ("tante", _l("Tante")), ("oncle", _l("Oncle")),
             ("autre", _l("Autre membre de la famille"))]


class FamilyHistoryForm(EntryForm):
    relative = choice(_l("Lien de parenté"), [("", _l("Choisissez"))] + RELATIVES,
                      required=_l("Choisissez le lien de parenté."))
    condition = text(_l("Maladie"), required=_l("Saisissez la maladie de ce parent."),
                     description=_l("Par exemple : infarctus du myocarde, cancer du sein."))
    comment = comment(_l("Précisions"))


DOSE_TYPES = [NOT_SET, ("primo", _l("Primovaccination")), ("rappel", _l("Rappel")),
              ("unique", _l("Dose unique")), ("saison", _l("Dose saisonnière"))]
REQUIREMENTS = [("obligatoire", _l("Obligatoire")), ("recommande", _l("Recommandé"))]


class VaccinationForm(EntryForm):
    vaccine = text(_l("Vaccin"), required=_l("Saisissez le vaccin."),
                   description=_l("Nom du vaccin ou de la maladie, par exemple : grippe, ROR."))
    given_on = FrenchDateField(
        _l("Date de vaccination"), description=_l("Par exemple 14/05/2024."),
        required=_l("Saisissez la date de vaccination."),
        future=_l("La date de vaccination ne peut pas être dans le futur."))
    dose_type = choice(_l("Type de dose"), DOSE_TYPES)
    lot_number = text(_l("Numéro de lot"), 40,
                      description=_l("Facultatif. Il figure sur l’étiquette collée dans le carnet "
                                       "de santé ou de vaccination."))
    vaccinator = text(_l("Vaccination faite par"),
                      description=_l("Facultatif. Médecin, infirmier, pharmacien ou centre."))
    requirement = choice(_l("Ce vaccin est"), REQUIREMENTS, radio=True,
                         required=_l("Indiquez si ce vaccin est obligatoire ou recommandé."))


DISABILITY_KINDS = [("moteur", _l("Handicap moteur")), ("visuel", _l("Handicap visuel")),
                    ("auditif", _l("Handicap auditif")), ("mental", _l("Handicap mental")),
                    ("psychique", _l("Handicap psychique")),
                    ("cognitif", _l("Handicap cognitif")), ("polyhandicap", _l("Polyhandicap")),
                    ("invalidant", _l("Trouble de santé invalidant")),
                    ("autre", _l("Autre handicap"))]
RATE_BANDS = [("", _l("Non évalué ou non précisé")), ("lt50", _l("Moins de 50 %")),
              ("50_79", _l("De 50 à 79 %")), ("ge80", _l("Au moins 80 %"))]
YES_NO = [("oui", _l("Oui")), ("non", _l("Non"))]


class DisabilityForm(EntryForm):
    kind = choice(_l("Type de handicap"), [("", _l("Choisissez"))] + DISABILITY_KINDS,
                  required=_l("Choisissez le type de handicap."))
    rate_band = choice(_l("Taux d’incapacité reconnu par la CDAPH"), RATE_BANDS,
                       description=_l("Il figure sur la notification de la MDPH."))
    human_help = choice(_l("Besoin d’une aide humaine au quotidien ?"), YES_NO, radio=True,
                        required=_l("Indiquez si une aide humaine est nécessaire."))
    comment = comment(_l("Précisions"))

    def load(self, entry):
        self.human_help.data = "oui" if entry.human_help else "non"

    def apply(self, entry):
        super().apply(entry)
        entry.human_help = self.human_help.data == "oui"


BLOOD_GROUPS = [(v, v.replace("-", "\u2212")) for v in
                ("A+", "A-", "B+", "B-", "AB+", "AB-", "O+", "O-")]


class BloodGroupForm(EntryForm):
    value = choice(_l("Groupe sanguin et rhésus"), BLOOD_GROUPS, radio=True,
                   required=_l("Choisissez le groupe sanguin."))


TOBACCO = [NOT_SET, ("non", _l("Ne fume pas")), ("ancien", _l("A arrêté de fumer")),
           ("occasionnel", _l("Fume de temps en temps")), ("quotidien", _l("Fume tous les jours"))]
ALCOHOL = [NOT_SET, ("non", _l("Ne boit pas d’alcool")),
           ("occasionnel", _l("Moins d’une fois par semaine")),
           ("regulier", _l("Plusieurs fois par semaine")), ("quotidien", _l("Tous les jours"))]
ACTIVITY = [NOT_SET, ("faible", _l("Peu ou pas d’activité physique")),
            ("moderee", _l("Activité modérée : marche, jardinage")),
            ("soutenue", _l("Sport ou activité soutenue plusieurs fois par semaine"))]


class LifestyleForm(EntryForm):
    tobacco = choice(_l("Tabac"), TOBACCO)
    alcohol = choice(_l("Alcool"), ALCOHOL)
    activity = choice(_l("Activité physique"), ACTIVITY)
    sleep = text(_l("Sommeil"), description=_l("Durée habituelle, difficultés éventuelles."))
    food = text(_l("Alimentation"),
                description=_l("Régime particulier, par exemple : sans sel, végétarien."))
    screens = text(_l("Temps d’écran"), description=_l("Par exemple : 2 heures par jour."))

    at_least_one = (("tobacco", "alcohol", "activity", "sleep", "food", "screens"),
                    _l("Renseignez au moins une habitude de vie."))


class DirectivesForm(EntryForm):
    written_on = FrenchDateField(
        _l("Date de rédaction"), description=_l("Par exemple 14/05/2024."),
        required=_l("Saisissez la date de rédaction."),
        future=_l("La date de rédaction ne peut pas être dans le futur."))
    life_support = text(
        _l("Traitements de maintien en vie"), 2000, area=True,
        description=_l("Réanimation, assistance respiratoire, dialyse, alimentation et "
                       "hydratation artificielles : souhaitez-vous que ces traitements "
                       "soient entrepris, limités ou arrêtés si vous ne pouvez plus vous "
                       "exprimer ?"))
    sedation = text(
        _l("Soulagement des souffrances"), 2000, area=True,
        description=_l("Par exemple : souhaitez-vous une sédation profonde et continue "
                       "jusqu’au décès ?"))
    place = text(_l("Lieu de fin de vie souhaité"), 2000, area=True,
                 description=_l("Facultatif. Par exemple : à domicile."))
    other = text(_l("Autres souhaits"), 2000, area=True,
                 description=_l("Facultatif. Accompagnement, croyances, don d’organes…"))

    at_least_one = (("life_support", "sedation", "place", "other"),
                    _l("Écrivez au moins un souhait."))
