"""The registry of profile sections: one definition per section (model, form, presenter,
labels); the same routes and templates serve them all."""
from dataclasses import dataclass
from typing import Callable

from ..rendering import lazy_gettext as _l

from ..policy import MANDATE, SELF
from . import forms, models, presenters


@dataclass(frozen=True)
class Words:
    """What the screens say about a section's entries (French grammar differs per noun)."""

    added: object
    updated: object
    deleted: object
    empty: object
    add: object      # heading of the add form
    edit: object     # heading of the edit form, with %(name)s
    delete: object   # confirmation question, with %(name)s


@dataclass(frozen=True)
class Section:
    key: str            # code name: audit actions and obj_type (profile.<key>.add…)
    slug: str           # in the URL: /dossier/profil/<slug>/
    title: object
    intro: object
    model: type
    form: type
    present: Callable   # entry -> (heading, [(label, value)…]), see presenters
    words: Words
    order: Callable     # model -> order_by expressions
    feminine: bool = False
    single: bool = False           # at most one entry: an edit form instead of a list
    opt_out: bool = True           # may be marked "pas concerné(e)"
    adults_only: bool = False
    writer_kinds: frozenset | None = None   # relations allowed to write (None: PROFILE_EDIT)
    annotate: Callable | None = None        # (entries, relation, account): extra data to show
    extras: Callable | None = None          # (relation, account) -> more for the page

    def entries(self, patient_id):
        model = self.model
        return model.of_patient(patient_id).order_by(*self.order(model), model.id)


SECTIONS = (
    Section(
        "conditions", "maladies", _l("Maladies et sujets de santé"),
        _l("Les maladies, passées ou en cours, et les sujets de santé importants "
           "(grossesse, opération…)."),
        models.Condition, forms.ConditionForm, presenters.condition,
        Words(_l("Maladie ajoutée."), _l("Maladie modifiée."), _l("Maladie supprimée."),
              _l("Aucune maladie ni aucun sujet de santé renseigné."),
              _l("Ajouter une maladie ou un sujet de santé"), _l("Modifier « %(name)s »"),
              _l("Supprimer « %(name)s » ?")),
        lambda m: (m.ended_on.is_null(False), m.started_on.desc(nulls="LAST"), m.name),
        feminine=True),
    Section(
        "treatments", "traitements", _l("Traitements"),
        _l("Les médicaments et traitements suivis, avec leur dose et leur durée."),
        models.Treatment, forms.TreatmentForm, presenters.treatment,
        Words(_l("Traitement ajouté."), _l("Traitement modifié."), _l("Traitement supprimé."),
              _l("Aucun traitement renseigné."), _l("Ajouter un traitement"),
              _l("Modifier le traitement « %(name)s »"),
              _l("Supprimer le traitement « %(name)s » ?")),
        lambda m: (m.name,), annotate=presenters.with_condition_names),
    Section(
        "hospitalizations", "hospitalisations", _l("Hospitalisations"),
        _l("Les séjours à l’hôpital ou en clinique, avec les documents qui s’y rapportent."),
        models.Hospitalization, forms.HospitalizationForm, presenters.hospitalization,
        Words(_l("Hospitalisation ajoutée."), _l("Hospitalisation modifiée."),
              _l("Hospitalisation supprimée."), _l("Aucune hospitalisation renseignée."),
              _l("Ajouter une hospitalisation"), _l("Modifier l’hospitalisation « %(name)s »"),
              _l("Supprimer l’hospitalisation « %(name)s » ?")),
        lambda m: (m.admitted_on.desc(),), feminine=True,
        annotate=presenters.with_linked_documents),
    Section(
        "allergies", "allergies", _l("Allergies et intolérances"),
        _l("Médicaments, aliments ou autres substances qui provoquent une réaction."),
        models.Allergy, forms.AllergyForm, presenters.allergy,
        Words(_l("Allergie ajoutée."), _l("Allergie modifiée."), _l("Allergie supprimée."),
              _l("Aucune allergie ni intolérance renseignée."),
              _l("Ajouter une allergie ou une intolérance"),
              _l("Modifier l’allergie « %(name)s »"),
              _l("Supprimer l’allergie « %(name)s » ?")),
        lambda m: (m.substance,), feminine=True),
    Section(
        "family_history", "antecedents-familiaux", _l("Antécédents familiaux"),
        _l("Les maladies des proches parents (père, mère, frères et sœurs…) qui peuvent "
           "compter pour la santé."),
        models.FamilyHistory, forms.FamilyHistoryForm, presenters.family_history,
        Words(_l("Antécédent ajouté."), _l("Antécédent modifié."),
              _l("Antécédent supprimé."), _l("Aucun antécédent familial renseigné."),
              _l("Ajouter un antécédent familial"),
              _l("Modifier l’antécédent « %(name)s »"),
              _l("Supprimer l’antécédent « %(name)s » ?")),
        lambda m: (m.relative, m.condition)),
    Section(
        "vaccinations", "vaccinations", _l("Vaccinations"),
        _l("Chaque injection reçue, avec sa date et son numéro de lot."),
        models.Vaccination, forms.VaccinationForm, presenters.vaccination,
        Words(_l("Vaccination ajoutée."), _l("Vaccination modifiée."),
              _l("Vaccination supprimée."), _l("Aucune vaccination renseignée."),
              _l("Ajouter une vaccination"), _l("Modifier la vaccination « %(name)s »"),
              _l("Supprimer la vaccination « %(name)s » ?")),
        lambda m: (m.given_on.desc(),), feminine=True),
    Section(
        "lifestyle", "habitudes-de-vie", _l("Habitudes de vie"),
        _l("Tabac, alcool, activité physique, sommeil, alimentation et écrans."),
        models.Lifestyle, forms.LifestyleForm, presenters.lifestyle,
        Words(_l("Habitudes de vie enregistrées."), _l("Habitudes de vie enregistrées."),
              _l("Habitudes de vie effacées."), _l("Habitudes de vie non renseignées."),
              _l("Renseigner les habitudes de vie"), _l("Modifier les habitudes de vie"),
              _l("Effacer les habitudes de vie ?")),
        lambda m: (), feminine=True, single=True),
    Section(
        "disabilities", "handicaps", _l("Handicaps"),
        _l("Les situations de handicap, le taux reconnu par la CDAPH et l’aide humaine "
           "nécessaire."),
        models.Disability, forms.DisabilityForm, presenters.disability,
        Words(_l("Handicap ajouté."), _l("Handicap modifié."), _l("Handicap supprimé."),
              _l("Aucun handicap renseigné."), _l("Ajouter un handicap"),
              _l("Modifier « %(name)s »"), _l("Supprimer « %(name)s » ?")),
        lambda m: (m.kind,)),
    Section(
        "blood_group", "groupe-sanguin", _l("Groupe sanguin"),
        _l("Le groupe sanguin et le rhésus, tels qu’ils figurent sur la carte de groupe "
           "sanguin."),
        models.BloodGroup, forms.BloodGroupForm, presenters.blood_group,
        Words(_l("Groupe sanguin enregistré."), _l("Groupe sanguin enregistré."),
              _l("Groupe sanguin effacé."), _l("Groupe sanguin non renseigné."),
              _l("Renseigner le groupe sanguin"), _l("Modifier le groupe sanguin"),
              _l("Effacer le groupe sanguin ?")),
        lambda m: (), single=True, opt_out=False),
    Section(
        "directives", "directives-anticipees", _l("Directives anticipées"),
        _l("Les souhaits de la personne pour sa fin de vie, si un jour elle ne peut plus les "
           "exprimer. Ils peuvent être modifiés ou effacés à tout moment."),
        models.AdvanceDirectives, forms.DirectivesForm, presenters.directives,
        Words(_l("Directives anticipées enregistrées."),
              _l("Directives anticipées enregistrées."), _l("Directives anticipées effacées."),
              _l("Aucune directive anticipée rédigée ici."),
              _l("Rédiger les directives anticipées"), _l("Modifier les directives anticipées"),
              _l("Effacer les directives anticipées ?")),
        lambda m: (), feminine=True, single=True, adults_only=True,
        # Written by the person themselves (a mediator may hold the pen), never for them.
        writer_kinds=frozenset({SELF, MANDATE}), extras=presenters.directives_documents),
)

BY_SLUG = {s.slug: s for s in SECTIONS}
BY_KEY = {s.key: s for s in SECTIONS}
