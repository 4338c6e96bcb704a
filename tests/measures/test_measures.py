"""Mesures: entering a measure (French numbers, plausible ranges, dates), who may delete what,
the BMI, trends, targets, and the charts drawn on the server as inline SVG."""
import re
import xml.etree.ElementTree as ET
from datetime import date, datetime, timedelta

import pytest
from conftest import hidden_fields, open_space

SVG = "{http://www.w3.org/2000/svg}"
BASE = "/dossier/mesures"


def page_and_fields(client, slug):
    page = client.get(f"{BASE}/{slug}/")
    assert page.status_code == 200
    return page, hidden_fields(page)


def add(client, slug, value, value2=None, day=None, at="08:00", htmx=False):
    """Post the add form as a browser would (from the page, with its hidden fields)."""
    _page, fields = page_and_fields(client, slug)
    day = day or local_today() - timedelta(days=1)  # yesterday: never "in the future"
    data = dict(fields, value=value, day=day.isoformat(), at=at)
    if value2 is not None:
        data["value2"] = value2
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(f"{BASE}/{slug}/ajouter", data=data, headers=headers)


def svg_of(html):
    """The page's inline chart, parsed as XML (it must be well-formed on its own)."""
    match = re.search(r"<svg\b.*?</svg>", html, re.S)
    assert match, "no inline SVG in the page"
    return ET.fromstring(match.group(0))


def count(model, **where):
    query = model.select()
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return query.count()


def local_today():
    from zoneinfo import ZoneInfo
    return datetime.now(ZoneInfo("Europe/Paris")).date()


# --- entering a measure -----------------------------------------------------------------------

def test_a_weight_of_700_kg_is_refused_in_french_and_the_typed_value_is_kept(
        login_as, person, ctx):
    from portal.measures.models import Measure
    client = login_as("camille")
    before = count(Measure, patient=person("Camille").id, kind="weight")
    response = add(client, "poids", "700")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Le poids doit être compris entre 0,5 et 350 kg. Vérifiez la valeur saisie." in html
    assert 'value="700"' in html
    assert "<title>Erreur : " in html
    assert count(Measure, patient=person("Camille").id, kind="weight") == before


@pytest.mark.parametrize("typed, stored", [("72,5", 72.5), ("72.5", 72.5), (" 72,5 kg", 72.5),
                                           ("3,25", 3.25)])
def test_a_decimal_comma_is_accepted(login_as, person, ctx, typed, stored):
    from portal.measures.models import Measure
    client = login_as("camille")
    response = add(client, "poids", typed, day=None)
    assert response.status_code == 303, response.get_data(as_text=True)[:2000]
    latest = (Measure.select().where(Measure.patient == person("Camille").id,
                                     Measure.kind == "weight")
              .order_by(Measure.id.desc()).first())
    assert latest.value == stored
    assert f"{str(stored).replace('.', ',')}\u00a0kg" in client.get(
        response.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("slug, value, value2, message", [
    ("tension", "80", "120", "La tension systolique (le chiffre le plus haut) doit être "
                             "supérieure à la diastolique."),
    ("tension", "120", "120", "doit être supérieure à la diastolique"),
    ("tension", "14", "9", "La tension se saisit en mmHg : 14 s’écrit 140."),
    ("frequence-cardiaque", "72,5", None, "Saisissez un nombre entier, sans virgule"),
    ("glycemie", "105", None, "La glycémie capillaire se saisit en g/L : 105 mg/dL s’écrit "
                              "1,05."),
    ("taille", "1,68", None, "La taille se saisit en centimètres : 1,68 m s’écrit 168."),
    ("douleur", "11", None, "La douleur se note de 0 (aucune douleur) à 10 (douleur maximale)."),
    ("temperature", "trente-sept", None, "Saisissez un nombre, par exemple 37,2."),
    ("temperature", "37,25", None, "Saisissez au plus 1 chiffre après la virgule."),
    ("poids", "", None, "Saisissez le poids."),
])
def test_implausible_or_malformed_values_are_refused_with_a_clear_message(
        login_as, slug, value, value2, message):
    response = add(login_as("jean"), slug, value, value2)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert 'class="error-summary"' in html


def test_blood_pressure_is_entered_as_one_measure_of_two_values(login_as, person, ctx):
    from portal.measures.models import Measure
    client = login_as("jean")
    response = add(client, "tension", "128", "79", day=None)
    assert response.status_code == 303
    latest = Measure.select().where(Measure.kind == "blood_pressure").order_by(
        Measure.id.desc()).first()
    assert (latest.value, latest.value2, latest.patient_id) == (128, 79, person("Jean").id)
    assert "128/79\u00a0mmHg" in client.get(f"{BASE}/tension/").get_data(as_text=True)


def test_a_measure_cannot_be_in_the_future_nor_before_birth(login_as, person, ctx):
    from portal.measures.models import Measure
    client = login_as("camille")
    tomorrow = local_today() + timedelta(days=1)
    html = add(client, "poids", "63", day=tomorrow).get_data(as_text=True)
    assert "La date de la mesure ne peut pas être dans le futur." in html
    html = add(client, "poids", "63", day=date(1979, 1, 1)).get_data(as_text=True)
    assert "La date de la mesure ne peut pas être avant la naissance" in html
    html = add(client, "poids", "63", at="25:00").get_data(as_text=True)
    assert "Saisissez une heure valide" in html
    assert count(Measure, patient=person("Camille").id, kind="weight", value=63) == 0


def test_a_form_sent_without_its_date_asks_for_it(login_as, person, ctx):
    """A form arriving without its date field at all (a script, a page cut short) is refused in
    French like an empty date, not with a server error."""
    from portal.measures.models import Measure
    client = login_as("camille")
    _page, fields = page_and_fields(client, "poids")
    assert "day" not in fields
    response = client.post(f"{BASE}/poids/ajouter", data=dict(fields, value="63", at="08:00"))
    assert response.status_code == 200
    assert "Saisissez la date de la mesure." in response.get_data(as_text=True)
    assert count(Measure, patient=person("Camille").id, kind="weight", value=63) == 0


def test_the_date_and_time_are_paris_time_stored_as_utc(login_as, person, ctx):
    from portal.measures.models import Measure
    client = login_as("camille")
    assert add(client, "poids", "61,37", day=date(2026, 1, 15), at="08:30").status_code == 303
    assert add(client, "poids", "61,38", day=date(2026, 7, 15), at="08:30").status_code == 303
    winter, summer = (Measure.get(Measure.value == v).measured_at for v in (61.37, 61.38))
    assert (winter.hour, summer.hour) == (7, 6)  # UTC+1 in winter, UTC+2 in summer
    html = client.get(f"{BASE}/poids/").get_data(as_text=True)
    assert "15 janv. 2026, 08:30" in html


def test_the_form_defaults_to_now_in_paris(login_as, app):
    from zoneinfo import ZoneInfo
    html = login_as("camille").get(f"{BASE}/poids/").get_data(as_text=True)
    now = datetime.now(ZoneInfo("Europe/Paris"))
    assert f'name="day" type="date" value="{now.date().isoformat()}"' in html
    shown = re.search(r'name="at" type="time" value="(\d\d):(\d\d)"', html)
    minutes = int(shown.group(1)) * 60 + int(shown.group(2))
    assert abs(minutes - (now.hour * 60 + now.minute)) <= 2 or minutes < 2


def test_adding_is_journaled_and_htmx_gets_the_fragment_with_an_announcement(login_as, ctx):
    from portal.audit import ActivityEvent
    from portal.measures.models import Measure
    client = login_as("camille")
    response = add(client, "poids", "62,9", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and html.lstrip().startswith('<div id="mesure-contenu"')
    assert re.search(r"data-announce>Mesure enregistrée : 62,9\u00a0kg", html)
    assert "<svg" in html and "62,9\u00a0kg" in html
    measure = Measure.get(Measure.value == 62.9)
    event = ActivityEvent.select().order_by(ActivityEvent.id.desc()).first()
    assert (event.action, event.object_type, event.object_id) == (
        "measures.add", "measure", str(measure.id))
    # an error over htmx: the fragment again, with the summary and the typed value
    html = add(client, "poids", "700", htmx=True).get_data(as_text=True)
    assert "<html" not in html and 'class="error-summary"' in html and 'value="700"' in html
    assert "data-announce>Le formulaire contient une erreur" in html


# --- who may do what --------------------------------------------------------------------------

def test_a_measure_of_another_patient_is_a_404(login_as, person, ctx):
    from portal.measures.models import Measure
    camille_weight = Measure.get(Measure.patient == person("Camille").id, Measure.kind == "weight")
    client = login_as("jean")
    url = f"{BASE}/poids/{camille_weight.id}/supprimer"
    assert client.get(url).status_code == 404
    fields = hidden_fields(client.get(f"{BASE}/poids/"))
    assert client.post(url, data=fields).status_code == 404
    assert Measure.get_or_none(Measure.id == camille_weight.id) is not None
    # the right id under another kind's URL is a 404 too
    own = Measure.get(Measure.patient == person("Jean").id, Measure.kind == "weight",
                      Measure.author_is_professional == False)  # noqa: E712
    assert client.get(f"{BASE}/tension/{own.id}/supprimer").status_code == 404


def test_the_patient_cannot_delete_a_professionals_measure(login_as, person, ctx):
    from portal.measures.models import Measure
    by_doctor = Measure.get(Measure.patient == person("Jean").id, Measure.kind == "hba1c")
    assert by_doctor.author_is_professional
    client = login_as("jean")
    html = client.get(f"{BASE}/hba1c/").get_data(as_text=True)
    assert "Dr Nadia Benali (Médecin généraliste)" in html
    assert f"/hba1c/{by_doctor.id}/supprimer" not in html
    url = f"{BASE}/hba1c/{by_doctor.id}/supprimer"
    assert client.get(url).status_code == 403
    assert client.post(url, data=hidden_fields(client.get(f"{BASE}/hba1c/"))).status_code == 403
    assert Measure.get_or_none(Measure.id == by_doctor.id) is not None


def test_the_patient_deletes_their_own_measure_after_confirming_and_it_is_journaled(
        login_as, person, ctx):
    from portal.audit import ActivityEvent
    from portal.measures.models import Measure
    own = Measure.get(Measure.patient == person("Jean").id, Measure.kind == "glucose")
    client = login_as("jean")
    url = f"{BASE}/glycemie/{own.id}/supprimer"
    confirm = client.get(url)
    assert confirm.status_code == 200 and "Supprimer la mesure" in confirm.get_data(as_text=True)
    response = client.post(url, data=hidden_fields(confirm))
    assert response.status_code == 303
    assert Measure.get_or_none(Measure.id == own.id) is None
    assert ActivityEvent.select().where(ActivityEvent.action == "measures.delete",
                                        ActivityEvent.object_id == str(own.id)).exists()


def test_a_professional_deletes_only_their_own_entries(login_as, person, ctx):
    from portal.measures.models import Measure
    client = login_as("benali")
    open_space(client, person("Jean").id)
    mine = Measure.get(Measure.patient == person("Jean").id, Measure.kind == "hba1c")
    jeans = Measure.get(Measure.patient == person("Jean").id, Measure.kind == "glucose")
    assert client.get(f"{BASE}/glycemie/{jeans.id}/supprimer").status_code == 403
    confirm = client.get(f"{BASE}/hba1c/{mine.id}/supprimer")
    assert confirm.status_code == 200
    assert client.post(f"{BASE}/hba1c/{mine.id}/supprimer",
                       data=hidden_fields(confirm)).status_code == 303
    # and what she enters is labelled as a professional's entry
    assert add(client, "tension", "138", "82", day=None).status_code == 303
    latest = Measure.select().where(Measure.kind == "blood_pressure").order_by(
        Measure.id.desc()).first()
    assert latest.author_is_professional and latest.patient_id == person("Jean").id


def test_reading_without_the_right_to_write_shows_no_form_and_refuses_posts(
        login_as, person, ctx):
    from portal.measures.models import Measure
    client = login_as("camille")  # a delegation to read Jean's record, not to write in it
    open_space(client, person("Jean").id)
    page = client.get(f"{BASE}/poids/")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Ajouter une mesure" not in html
    assert "votre accès ne permet pas d’en ajouter" in html
    before = count(Measure, patient=person("Jean").id)
    fields = dict(hidden_fields(page), _space=str(person("Jean").id))
    response = client.post(f"{BASE}/poids/ajouter", data=dict(
        fields, value="70", day=(local_today() - timedelta(days=1)).isoformat(), at="08:00"))
    assert response.status_code == 403
    assert count(Measure, patient=person("Jean").id) == before


def test_operators_and_unknown_kinds(login_as, person):
    assert login_as("operateur").get(f"{BASE}/").status_code == 403
    client = login_as("jean")
    assert client.get(f"{BASE}/cholesterol/").status_code == 404
    moved = client.get(f"{BASE}/weight/")  # the code in the URL leads to the French address
    assert moved.status_code == 301 and moved.headers["Location"].endswith(f"{BASE}/poids/")
    fields = dict(hidden_fields(client.get(f"{BASE}/imc/")), _space=str(person("Jean").id))
    assert client.post(f"{BASE}/imc/ajouter", data=fields).status_code == 404  # computed


# --- BMI, trends, targets ---------------------------------------------------------------------

def test_bmi_is_computed_and_categorised(app):
    from portal.measures.models import bmi, bmi_category
    with app.test_request_context():
        assert bmi(75, 172) == 25.4
        assert bmi(60, 165) == 22.0
        cases = {17.9: "maigreur (insuffisance pondérale)", 18.5: "corpulence normale",
                 24.9: "corpulence normale", 25.4: "surpoids", 30: "obésité modérée",
                 35.2: "obésité sévère", 41: "obésité massive"}
        for value, label in cases.items():
            assert str(bmi_category(value)) == label


@pytest.mark.db
def test_the_bmi_uses_the_latest_weight_and_height_and_each_weight_its_height(ctx, person):
    from portal.measures.models import Measure, bmi_series, latest_bmi
    jean = person("Jean")
    value, weight, height = latest_bmi(jean.id)
    assert (weight.kind, height.kind) == ("weight", "height")
    assert value == round(weight.value / (height.value / 100) ** 2, 1)
    series = bmi_series(list(Measure.of(jean.id, "weight")), list(Measure.of(jean.id, "height")))
    assert len(series) == Measure.of(jean.id, "weight").count()
    assert latest_bmi(person("Amina").id) is None


def test_the_index_lists_latest_values_trends_and_the_adult_bmi(login_as, person):
    html = login_as("jean").get(f"{BASE}/").get_data(as_text=True)
    for label in ("Poids", "Tension artérielle", "HbA1c (hémoglobine glyquée)"):
        assert label in html
    assert html.count("en baisse") >= 3  # weight, blood pressure, HbA1c
    assert "Catégorie :" in html and "surpoids" in html and "25,4\u00a0kg/m²" in html


def test_the_childs_index_says_bmi_is_read_on_the_growth_curves(login_as, person):
    client = login_as("camille")
    open_space(client, person("Lina").id)
    html = client.get(f"{BASE}/").get_data(as_text=True)
    assert "courbes de corpulence" in html and "Catégorie :" not in html
    bmi_page = client.get(f"{BASE}/imc/").get_data(as_text=True)
    assert "ne se lit pas avec les seuils des adultes" in bmi_page
    assert "surpoids" not in bmi_page


def test_trend_text():
    from portal.measures.models import trend
    days = [0, 30, 60, 90, 120, 150]
    assert trend(list(zip(days, [78, 77.8, 77.1, 76.9, 76.2, 75.9])), 0.5) == "down"
    assert trend(list(zip(days, [7.1, 7.3, 7.2, 7.6, 7.7, 7.9])), 0.2) == "up"
    assert trend(list(zip(days, [72, 73, 71, 72, 73, 72])), 3) == "stable"
    assert trend([(0, 72)], 3) is None
    # only the latest measures count: an old rise does not hide a recent fall
    old_rise = list(zip(range(0, 60, 10), [60, 65, 70, 75, 80, 85]))
    assert trend(old_rise + list(zip(range(60, 120, 10), [84, 82, 80, 78, 76, 74])), 1) == "down"


def test_a_target_is_set_shown_as_text_and_drawn(login_as, ctx, person):
    from portal.measures.models import MeasureTarget
    client = login_as("jean")
    page, fields = page_and_fields(client, "tension")
    response = client.post(f"{BASE}/tension/objectif",
                           data=dict(fields, high="140", high2="90"))
    assert response.status_code == 303
    html = client.get(f"{BASE}/tension/").get_data(as_text=True)
    assert "Objectif : moins de 140/90\u00a0mmHg" in html
    lines = [e for e in svg_of(html).iter() if e.get("class") == "chart-target"]
    assert len(lines) == 2
    target = MeasureTarget.of(person("Jean").id, "blood_pressure")
    assert (target.high, target.high2) == (140, 90)
    # a floor above the ceiling is refused, and what was typed stays
    response = client.post(f"{BASE}/pas/objectif", data=dict(fields, low="9000", high="8000"))
    html = response.get_data(as_text=True)
    assert "Le minimum doit être inférieur au maximum." in html and 'value="9000"' in html


# --- charts -----------------------------------------------------------------------------------

def test_the_chart_is_an_accessible_svg_with_one_point_per_measure_and_no_style(
        login_as, person, ctx):
    from portal.measures.models import Measure
    html = login_as("jean").get(f"{BASE}/hba1c/").get_data(as_text=True)
    svg = svg_of(html)
    assert svg.get("role") == "img" and svg.get("width") == "100%"
    assert svg.get("viewBox") == "0 0 600 370"
    title, desc = svg.find(f"{SVG}title"), svg.find(f"{SVG}desc")
    assert "HbA1c" in title.text and "Jean Dupont" in title.text
    assert "5 mesures" in desc.text and "Objectif : moins de 7\u00a0%" in desc.text
    assert svg.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    points = [e for e in svg.iter() if "chart-point" in (e.get("class") or "")]
    assert len(points) == count(Measure, patient=person("Jean").id, kind="hba1c") == 5
    assert not [e for e in svg.iter() if "style" in e.attrib]
    assert svg.find(f".//{SVG}style") is None and "<style" not in html
    assert [e for e in svg.iter() if e.get("class") == "chart-target"], "target line"
    texts = " ".join(t.text or "" for t in svg.iter(f"{SVG}text"))
    assert "%" in texts and "janv." in texts  # the unit on the value axis, dates on the other
    # the data table is the chart's accessible twin
    assert "<caption>HbA1c (hémoglobine glyquée) : valeurs" in html
    assert html.count('<th scope="col">') >= 3 and html.count('<th scope="row"') == 5


def test_blood_pressure_draws_two_series(login_as, person, ctx):
    from portal.measures.models import Measure
    html = login_as("jean").get(f"{BASE}/tension/").get_data(as_text=True)
    svg = svg_of(html)
    readings = count(Measure, patient=person("Jean").id, kind="blood_pressure")
    circles = [e for e in svg.iter(f"{SVG}circle") if "chart-point" in e.get("class", "")]
    squares = [e for e in svg.iter(f"{SVG}rect") if "chart-point--alt" in e.get("class", "")]
    assert len(circles) == len(squares) == readings


def test_growth_bands_are_drawn_only_for_minors(login_as, person):
    client = login_as("camille")
    adult = client.get(f"{BASE}/poids/").get_data(as_text=True)
    assert 'class="chart-ref"' not in adult and "Percentile (OMS)" not in adult
    open_space(client, person("Lina").id)
    child = client.get(f"{BASE}/poids/").get_data(as_text=True)
    svg = svg_of(child)
    assert [e for e in svg.iter(f"{SVG}polygon") if e.get("class") == "chart-ref"]
    assert {t.text for t in svg.iter(f"{SVG}text")} >= {"P3", "P50", "P97", "Âge (ans)"}
    assert "Percentile (OMS)" in child and "percentile" in child
    early = client.get(f"{BASE}/poids/?ages=0-3").get_data(as_text=True)
    assert "Âge (mois)" in early
    head = svg_of(client.get(f"{BASE}/perimetre-cranien/").get_data(as_text=True))
    assert [e for e in head.iter(f"{SVG}polygon") if e.get("class") == "chart-ref"]
    # a kind without reference curves is drawn against dates, even for a child
    assert "chart-ref" not in client.get(f"{BASE}/temperature/").get_data(as_text=True)


def test_value_axes_are_round_and_never_negative_for_positive_quantities():
    from portal.measures.charts import nice_step, value_ticks
    ticks, decimals = value_ticks(2.3, 45.2)
    assert ticks[0] == 0 and ticks[-1] >= 45.2 and decimals == 0
    assert all(b - a == ticks[1] - ticks[0] for a, b in zip(ticks, ticks[1:]))
    ticks, decimals = value_ticks(7.2, 8.1)
    assert ticks[0] <= 7.2 and ticks[-1] >= 8.1 and decimals == 1
    assert value_ticks(0, 10, 0, 10)[0] == [0, 2, 4, 6, 8, 10]
    assert nice_step(100) == 20 and nice_step(62) == 10


def test_growth_references_match_the_who_tables():
    from portal.measures.growth import DAYS_PER_MONTH, centile, lms_at, value_at
    # WHO 2006, girls at 12 months: P3 7.0–7.1 kg, median 8.9 kg, P97 11.3–11.5 kg
    lms = lms_at("weight", "F", 365)
    assert round(value_at(lms, 0), 1) == 8.9
    assert 7.0 <= value_at(lms, -1.880794) <= 7.2 and 11.2 <= value_at(lms, 1.880794) <= 11.6
    # boys' height at 5 years 110.0 cm; girls' at 10 years 138.6 cm (WHO 2007)
    assert round(value_at(lms_at("height", "M", 1826), 0), 1) == 110.0
    assert round(value_at(lms_at("height", "F", 120 * DAYS_PER_MONTH), 0), 1) == 138.6
    assert round(centile("head", "F", 0, 33.8787)) == 50
    assert lms_at("weight", "F", 11 * 365.25) is None  # no WHO weight reference after 10 years


# --- many values: a grouped chart, a paginated table ------------------------------------------

def insert_measures(patient, kind, rows):
    """Insert (utc datetime, value, value2) rows directly, authored by the patient."""
    from portal.accounts.models import Account
    from portal.db import write_tx
    from portal.measures.models import Measure
    author = Account.get(Account.person == patient.id)
    data = [{"patient": patient.id, "kind": kind, "author": author.id, "value": value,
             "value2": value2, "measured_at": at} for at, value, value2 in rows]
    with write_tx():
        for start in range(0, len(data), 500):
            Measure.insert_many(data[start:start + 500]).execute()


def paris_to_utc(*parts):
    from zoneinfo import ZoneInfo
    return (datetime(*parts, tzinfo=ZoneInfo("Europe/Paris")).astimezone(ZoneInfo("UTC"))
            .replace(tzinfo=None))


def table_rows(html):
    body = re.search(r'<table class="[^"]*\bmeasure-table\b[^"]*">.*?<tbody>(.*?)</tbody>', html,
                     re.DOTALL)
    return body.group(1).count("<tr>")


def test_five_thousand_blood_pressures_make_a_light_page(login_as, person, ctx):
    """Years of twice-daily values: a chart of at most 200 points (means by period, said on
    screen) and a table a page at a time, with links that work without JavaScript."""
    jean = person("Jean")
    start = datetime(2026, 11, 20, 6, 0)
    insert_measures(jean, "blood_pressure", [
        (start - timedelta(hours=12 * i), 120 + i % 30, 70 + i % 15) for i in range(5000)])
    client = login_as("jean")
    response = client.get(f"{BASE}/tension/")
    html = response.get_data(as_text=True)
    assert len(response.get_data()) <= 60 * 1024
    svg = svg_of(html)
    points = [e for e in svg.iter() if "chart-point" in (e.get("class") or "")]
    assert 0 < len(points) <= 200
    assert "Valeurs regroupées : la moyenne par mois" in html
    desc = svg.find(f"{SVG}desc").text
    assert desc.startswith("5024 mesures, du 16 janvier 2020")
    assert "la moyenne par mois" in desc
    assert table_rows(html) == 20
    assert "Page 1 sur 252" in html and "Page précédente" not in html
    next_link = re.search(r'<a href="(/dossier/mesures/tension/\?page=2[^"]*)">Page suivante',
                          html)
    assert next_link, "the next page is a plain link"
    second = client.get(next_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Page 2 sur 252" in second and table_rows(second) == 20
    first_rows = re.findall(r'<th scope="row" class="nowrap">([^<]+)</th>', html)
    second_rows = re.findall(r'<th scope="row" class="nowrap">([^<]+)</th>', second)
    assert not set(first_rows) & set(second_rows)
    last = client.get(f"{BASE}/tension/?page=999").get_data(as_text=True)
    assert "Page 252 sur 252" in last and table_rows(last) == 5024 - 251 * 20
    assert "Page suivante" not in last and "Page précédente" in last


def test_thirteen_values_are_drawn_one_by_one_without_pager(login_as):
    html = login_as("jean").get(f"{BASE}/poids/").get_data(as_text=True)
    assert "Valeurs regroupées" not in html and 'class="pagination"' not in html
    assert table_rows(html) == 13
    points = [e for e in svg_of(html).iter() if "chart-point" in (e.get("class") or "")]
    assert len(points) == 13


EXPECTED_MONTHS = [
    "janvier 2023 : moyenne 36,6 °C (de 36,6 °C à 36,6 °C), 1 mesure",
    "janvier 2025 : moyenne 37 °C (de 36,8 °C à 37,2 °C), 50 mesures",
    "février 2025 : moyenne 37,6 °C (de 37,5 °C à 40,1 °C), 50 mesures",
    "mars 2025 : moyenne 38 °C (de 38 °C à 38 °C), 1 mesure",
    "avril 2025 : moyenne 39 °C (de 39 °C à 39 °C), 1 mesure",
]


def known_temperatures():
    """103 temperatures (local times, Paris) whose monthly figures are EXPECTED_MONTHS; the
    last two sit either side of midnight on 31 March, in summer time (UTC+2): by UTC date
    both would fall in March."""
    rows = [(datetime(2023, 1, 10, 8, 0), 36.6, None)]
    rows += [(datetime(2025, 1, 1 + i // 2, 8 + 12 * (i % 2)), 36.8 if i % 2 else 37.2, None)
             for i in range(50)]
    rows += [(datetime(2025, 2, 1 + i // 2, 8 + 12 * (i % 2)), 40.1 if i == 7 else 37.5, None)
             for i in range(50)]
    rows += [(datetime(2025, 3, 31, 23, 30), 38.0, None), (datetime(2025, 4, 1, 0, 30), 39.0,
                                                           None)]
    return rows


@pytest.mark.db
def test_the_grouped_chart_shows_the_true_monthly_figures(login_as, person, ctx):
    jean = person("Jean")
    insert_measures(jean, "temperature", [(paris_to_utc(*at.timetuple()[:5]), value, value2)
                                          for at, value, value2 in known_temperatures()])
    html = login_as("jean").get(f"{BASE}/temperature/").get_data(as_text=True)
    svg = svg_of(html)
    points = [e for e in svg.iter() if "chart-point" in (e.get("class") or "")]
    tips = [p.find(f"{SVG}title").text.replace("\u00a0", " ") for p in points]
    assert tips == EXPECTED_MONTHS
    # the mean is the point; the lowest and highest values of the month are its vertical bar
    ys = [float(p.get("cy")) for p in points]
    assert ys[2] < ys[1] and ys[4] < ys[3] < ys[2]  # higher values are drawn higher
    bars = [e for e in svg.iter(f"{SVG}path") if e.get("class") == "chart-range"]
    assert len(bars) == 1
    # January and February 2025 (a single value has no spread to draw), from high to low
    ys_of = {name: float(p.get("cy")) for name, p in zip(("jan", "feb"), points[1:3])}
    segments = re.findall(r"M([\d.]+) ([\d.]+)V([\d.]+)", bars[0].get("d"))
    assert [x for x, _top, _bottom in segments] == [points[1].get("cx"), points[2].get("cx")]
    for (_x, top, bottom), name in zip(segments, ("jan", "feb")):
        assert float(top) < ys_of[name] < float(bottom)
    assert "Valeurs regroupées : la moyenne par mois" in html
    assert table_rows(html) == 20 and "Page 1 sur 6" in html


def test_grouping_in_python_gives_the_same_figures(app):
    from portal.measures.charts import group_by_period
    with app.test_request_context():
        unit, groups = group_by_period(known_temperatures())
    assert unit == "month"
    assert [(g.start, g.count, round(g.mean, 3), g.low, g.high) for g in groups] == [
        (date(2023, 1, 1), 1, 36.6, 36.6, 36.6), (date(2025, 1, 1), 50, 37.0, 36.8, 37.2),
        (date(2025, 2, 1), 50, 37.552, 37.5, 40.1), (date(2025, 3, 1), 1, 38.0, 38.0, 38.0),
        (date(2025, 4, 1), 1, 39.0, 39.0, 39.0)]


@pytest.mark.parametrize("days, unit", [(99, "day"), (100 * 7 - 7, "week"), (800, "month"),
                                        (365 * 120, "year")])
def test_the_shortest_period_that_keeps_at_most_100_points(days, unit):
    from portal.measures.charts import period_unit
    first = date(2024, 1, 1)  # a Monday
    assert period_unit(first, first + timedelta(days=days)) == unit


@pytest.mark.db
def test_the_overview_reads_the_latest_values_of_each_kind_in_one_query(login_as, person, ctx):
    from portal.measures.models import Measure
    jean = person("Jean")
    insert_measures(jean, "temperature", [(paris_to_utc(*at.timetuple()[:5]), value, value2)
                                          for at, value, value2 in known_temperatures()])
    latest, counts = Measure.latest_of(jean.id)
    assert counts["temperature"] == 103 and counts["hba1c"] == 5
    assert [m.value for m in latest["temperature"]] == [37.5, 37.5, 37.5, 37.5, 38.0, 39.0]
    assert latest["temperature"][-1].measured_at == paris_to_utc(2025, 4, 1, 0, 30)
    html = login_as("jean").get(f"{BASE}/").get_data(as_text=True).replace("\u00a0", " ")
    card = html[html.index(">Température<"):]
    assert "39 °C" in card[:600] and "1 avril 2025" in card[:600]
