"""The prevention calendar's rules, on both sides of every age boundary: the day before a
birthday and the day of it (birth dates chosen around one fixed day), for each screening, the
vaccination calendar at its key ages, Mon bilan prévention and M'T dents; then what the record
already holds (profile vaccinations, the person's "fait le …"). Pure computation: no database."""
from datetime import date, datetime

import pytest

from portal.prevention import engine
from portal.prevention.engine import Dose, Mark, families_of, items_for
from portal.prevention.rules import BY_CODE, FAMILIES, RULES
from portal.proxies.models import add_months

ON = date(2026, 6, 15)  # the day every test looks at, unless it says otherwise


def born(years=0, months=0, day_before=False, on=ON):
    """The birth date of someone who reaches that age exactly on `on`, or (day_before) the
    day after it."""
    birth = add_months(on, -(years * 12 + months))
    return date.fromordinal(birth.toordinal() + 1) if day_before else birth


def status(code, birth, sex="F", on=ON, vaccinations=(), marks=()):
    """The status of `code` in the person's calendar: due, late, upcoming, done, or None when
    it is not listed (not yet within 5 years, past, or not for this person)."""
    calendar = items_for(birth, sex, on, vaccinations, marks)
    found = [i.status for i in calendar.due + calendar.upcoming + calendar.done if i.code == code]
    return found[0] if found else None


def item(code, birth, sex="F", on=ON, vaccinations=(), marks=()):
    calendar = items_for(birth, sex, on, vaccinations, marks)
    return calendar.current(code)


def dose(name, given_on, id=None, recorded_at=None):
    return Dose(name, given_on, id, recorded_at or datetime(2026, 1, 1))


# --- every rule cites its source and year --------------------------------------------------

def test_every_rule_has_a_stable_code_a_source_with_its_year_and_plain_words():
    assert len(BY_CODE) == len(RULES) > 40
    for rule in RULES:
        assert rule.code == rule.code.upper() and " " not in rule.code
        assert rule.sources, rule.code
        for source in rule.sources:
            assert source.title and source.publisher and 2000 <= source.year <= 2026
        assert str(rule.label) and len(str(rule.explanation)) > 40, rule.code
        if rule.is_vaccine:
            assert rule.family in FAMILIES, rule.code
            # What marking it done writes in the profile is recognised as the same vaccine.
            assert rule.family in families_of(str(rule.profile_name)), rule.code
    for code in ("SCREEN_BREAST", "SCREEN_COLORECTAL", "SCREEN_CERVICAL", "VAC_DTP_65",
                 "VAC_FLU"):
        assert code in BY_CODE


# --- organised cancer screenings ---------------------------------------------------------------

@pytest.mark.parametrize("code, sexes", [("SCREEN_BREAST", ("F",)),
                                         ("SCREEN_COLORECTAL", ("F", "M"))])
def test_breast_and_colorectal_screenings_from_50_to_74(code, sexes):
    for sex in sexes:
        assert status(code, born(50, day_before=True), sex) == engine.UPCOMING
        assert status(code, born(50), sex) == engine.DUE
        assert item(code, born(50), sex).due_on == ON
        assert status(code, born(75, day_before=True), sex) == engine.DUE  # 74 until tonight
        assert status(code, born(75), sex) is None  # 75 today: no longer in the programme
    if sexes == ("F",):
        assert status(code, born(60), "M") is None


@pytest.mark.parametrize("code", ["SCREEN_BREAST", "SCREEN_COLORECTAL"])
def test_a_screening_done_restarts_its_two_years_from_that_date(code):
    birth = date(1960, 3, 1)
    done = [Mark(code, "2010-03-01", engine.MARK_DONE, date(2024, 6, 15), 1)]
    assert status(code, birth, on=date(2026, 6, 14), marks=done) == engine.UPCOMING
    assert status(code, birth, on=date(2026, 6, 15), marks=done) == engine.DUE
    current = item(code, birth, on=date(2026, 6, 15), marks=done)
    assert current.due_on == date(2026, 6, 15) and current.cycle == "2026-06-15"
    calendar = items_for(birth, "F", date(2026, 6, 15), marks=done)
    assert [(i.code, i.done_on) for i in calendar.done] == [(code, date(2024, 6, 15))]
    # Done at 49 (outside the programme): the next one is two years later, at 51.
    early = [Mark(code, "2010-03-01", engine.MARK_DONE, date(2009, 9, 1), 1)]
    assert item(code, birth, on=date(2010, 3, 1), marks=early).due_on == date(2011, 9, 1)


def test_cervical_screening_cytology_from_25_then_hpv_test_from_30():
    code = "SCREEN_CERVICAL"
    assert status(code, born(25, day_before=True)) == engine.UPCOMING
    assert status(code, born(25)) == engine.DUE
    assert str(item(code, born(25)).detail) == "examen cytologique (frottis)"
    assert status(code, born(40), "M") is None
    # Nothing recorded: a cytology is due since 25 until the 30th birthday, then an HPV test
    # is due since 30.
    cyto = item(code, born(30, day_before=True))
    assert cyto.due_on == add_months(born(30, day_before=True), 25 * 12)
    hpv = item(code, born(30))
    assert hpv.due_on == ON and str(hpv.detail) == "test HPV"
    # The last day of the programme is the eve of the 66th birthday.
    assert status(code, born(66, day_before=True)) == engine.DUE
    assert status(code, born(66)) is None


def test_cervical_screening_intervals_restart_from_each_test():
    birth = date(2000, 1, 10)

    def done(*days):
        return [Mark("SCREEN_CERVICAL", d.isoformat(), engine.MARK_DONE, d, n)
                for n, d in enumerate(days, 1)]
    first = done(date(2025, 2, 1))  # first cytology at 25: the second one year later
    assert item("SCREEN_CERVICAL", birth, on=date(2026, 1, 31), marks=first).status == \
        engine.UPCOMING
    second = item("SCREEN_CERVICAL", birth, on=date(2026, 2, 1), marks=first)
    assert second.status == engine.DUE and second.due_on == date(2026, 2, 1)
    two = done(date(2025, 2, 1), date(2026, 2, 3))  # then three years later, still a cytology
    third = item("SCREEN_CERVICAL", birth, on=date(2029, 2, 3), marks=two)
    assert third.due_on == date(2029, 2, 3) and str(third.detail) == "examen cytologique (frottis)"
    # After a last cytology at 29: an HPV test three years later (at 32).
    three = done(date(2025, 2, 1), date(2026, 2, 3), date(2029, 2, 3))
    hpv = item("SCREEN_CERVICAL", birth, on=date(2032, 2, 3), marks=three)
    assert hpv.due_on == date(2032, 2, 3) and str(hpv.detail) == "test HPV"
    # After an HPV test: five years later.
    after_hpv = done(date(2025, 2, 1), date(2026, 2, 3), date(2029, 2, 3), date(2032, 3, 1))
    assert item("SCREEN_CERVICAL", birth, on=date(2037, 2, 28), marks=after_hpv).status == \
        engine.UPCOMING
    assert item("SCREEN_CERVICAL", birth, on=date(2037, 3, 1), marks=after_hpv).status == \
        engine.DUE


# --- the vaccination calendar at its key ages ------------------------------------------------

# code, due from (months), late from, no longer proposed from (None: never)
ONE_OFFS = [
    ("VAC_HEXA_2M", 2, 3, 24), ("VAC_HEXA_4M", 4, 5, 24), ("VAC_HEXA_11M", 11, 12, 24),
    ("VAC_PNEUMO_2M", 2, 3, 24), ("VAC_PNEUMO_4M", 4, 5, 24), ("VAC_PNEUMO_11M", 11, 12, 24),
    ("VAC_MENB_3M", 3, 4, 24), ("VAC_MENB_5M", 5, 6, 24), ("VAC_MENB_12M", 12, 13, 24),
    ("VAC_MENACWY_6M", 6, 7, 24), ("VAC_MENACWY_12M", 12, 13, 24),
    ("VAC_ROR_12M", 12, 13, 24), ("VAC_ROR_16M", 16, 19, 24),
    ("VAC_ROTA_2M", 2, 3, 4), ("VAC_ROTA_3M", 3, 4, 6),
    ("VAC_DTCAP_6", 72, 84, 132), ("VAC_DTCAP_11", 132, 168, 300),
    ("VAC_HPV_1", 132, 180, 324), ("VAC_MENACWY_11", 132, 180, 300),
    ("VAC_DTCAP_25", 300, 312, 540), ("VAC_DTP_45", 540, 552, 780),
    ("VAC_DTP_65", 780, 792, 900), ("VAC_DTP_75", 900, 912, 1020),
    ("VAC_DTP_85", 1020, 1032, 1140),
    ("VAC_ZONA_1", 780, None, None), ("VAC_PNEUMO_65", 780, None, None),
    ("VAC_VRS_75", 900, None, None),
]


@pytest.mark.parametrize("code, due, late, until", ONE_OFFS)
@pytest.mark.parametrize("sex", ["F", "M"])
def test_each_vaccine_is_due_late_and_dropped_on_the_exact_birthdays(code, due, late, until,
                                                                     sex):
    assert status(code, born(months=due, day_before=True), sex) == engine.UPCOMING
    assert status(code, born(months=due), sex) == engine.DUE
    if late is not None:
        assert status(code, born(months=late, day_before=True), sex) == engine.DUE
        assert status(code, born(months=late), sex) == engine.LATE
    if until is not None:
        before = engine.LATE if late is not None else engine.DUE
        assert status(code, born(months=until, day_before=True), sex) == before
        assert status(code, born(months=until), sex) is None


def test_boosters_at_25_45_65_then_every_ten_years():
    # The day before 65: the 45-year booster is late; on the day, the 65-year one is due.
    eve = items_for(born(65, day_before=True), "M", ON)
    assert ("VAC_DTP_45", engine.LATE) in [(i.code, i.status) for i in eve.due]
    assert "VAC_DTP_65" not in [i.code for i in eve.due]
    day = items_for(born(65), "M", ON)
    assert "VAC_DTP_45" not in [i.code for i in day.due]
    assert [i.code for i in day.due if i.code.startswith("VAC_DTP")] == ["VAC_DTP_65"]
    at_95 = items_for(born(95), "M", ON)
    assert [i.code for i in at_95.due if i.code.startswith("VAC_DTP")] == ["VAC_DTP_95"]


def test_newer_vaccines_are_not_due_before_their_recommendation_existed():
    # RSV from 75 (HAS, July 2024): someone 80 in 2024 is due from the recommendation's day.
    birth = date(1944, 2, 11)
    assert item("VAC_VRS_75", birth, "M", on=date(2024, 7, 3)).status == engine.UPCOMING
    vrs = item("VAC_VRS_75", birth, "M", on=date(2024, 7, 4))
    assert vrs.status == engine.DUE and vrs.due_on == date(2024, 7, 4)
    # Pneumococcal vaccine for everyone from 65 (HAS, January 2025).
    assert item("VAC_PNEUMO_65", birth, "M", on=date(2025, 1, 28)).due_on == date(2025, 1, 28)
    # MenB and MenACWY became mandatory for infants on 1 January 2025: not for a child who was
    # already two years old then; from that day for a younger one.
    assert status("VAC_MENB_3M", date(2022, 12, 31), on=date(2025, 6, 1)) is None
    late_start = item("VAC_MENB_3M", date(2024, 8, 1), on=date(2025, 1, 1))
    assert late_start.due_on == date(2025, 1, 1) and late_start.status == engine.LATE


def test_next_doses_of_a_course_follow_the_first_one():
    child = date(2014, 1, 10)  # first HPV dose at 12: second 6 months later, no third
    first = [dose("Gardasil 9", date(2026, 2, 2), 1)]
    assert item("VAC_HPV_2", child, on=date(2026, 8, 1), vaccinations=first).status == \
        engine.UPCOMING
    assert item("VAC_HPV_2", child, on=date(2026, 8, 2), vaccinations=first).status == \
        engine.DUE
    assert status("VAC_HPV_3", child, on=date(2026, 8, 2), vaccinations=first) is None
    teen = date(2010, 1, 10)  # started at 16 (catch-up): 3 doses, at 0, 2 and 6 months
    calendar = items_for(teen, "M", date(2026, 4, 2), first)
    assert [(i.code, i.due_on) for i in calendar.due + calendar.upcoming
            if i.code.startswith("VAC_HPV")] == [("VAC_HPV_2", date(2026, 4, 2)),
                                                 ("VAC_HPV_3", date(2026, 8, 2))]
    # Without a first dose, the next ones are not listed.
    assert status("VAC_HPV_2", child, on=date(2026, 8, 2)) is None
    shingles = [dose("Shingrix", date(2026, 3, 1), 1)]
    assert item("VAC_ZONA_2", date(1955, 1, 1), "M", date(2026, 4, 30), shingles).status == \
        engine.UPCOMING
    assert item("VAC_ZONA_2", date(1955, 1, 1), "M", date(2026, 5, 1), shingles).status == \
        engine.DUE


@pytest.mark.parametrize("code", ["VAC_FLU", "VAC_COVID"])
def test_flu_and_covid_every_season_from_65(code):
    birth = date(1950, 1, 1)
    assert status(code, birth, on=date(2026, 10, 14)) == engine.UPCOMING
    assert status(code, birth, on=date(2026, 10, 15)) == engine.DUE
    assert status(code, birth, on=date(2027, 2, 28)) == engine.DUE
    march = item(code, birth, on=date(2027, 3, 1))
    assert march.status == engine.UPCOMING and march.cycle == "2027"
    # Turning 65 during the season: due from the birthday.
    assert status(code, date(1961, 11, 10), on=date(2026, 11, 9)) == engine.UPCOMING
    assert item(code, date(1961, 11, 10), on=date(2026, 11, 10)).due_on == date(2026, 11, 10)
    # 64 for the whole season: nothing this season.
    assert status(code, date(1962, 3, 1), on=date(2026, 11, 10)) is None


# --- Mon bilan prévention and M'T dents --------------------------------------------------------

@pytest.mark.parametrize("code, start, end", [("CHECKUP_18_25", 18, 26),
                                              ("CHECKUP_45_50", 45, 51),
                                              ("CHECKUP_60_65", 60, 66),
                                              ("CHECKUP_70_75", 70, 76)])
def test_mon_bilan_prevention_windows(code, start, end):
    for sex in ("F", "M"):
        assert status(code, born(start, day_before=True), sex) == engine.UPCOMING
        assert status(code, born(start), sex) == engine.DUE
        assert status(code, born(end, day_before=True), sex) == engine.DUE
        assert status(code, born(end), sex) is None
    # Offered since 2024: someone already in their window then is due from 1 January 2024.
    assert item(code, born(start + 1, on=date(2024, 1, 1)), on=date(2024, 1, 1)).due_on == \
        date(2024, 1, 1)
    done = [Mark(code, "", engine.MARK_DONE, ON, 1)]
    assert status(code, born(start), marks=done) == engine.DONE


@pytest.mark.parametrize("age", [3, 6, 9, 12, 15, 18, 21, 24])
def test_mt_dents_at_each_key_age_until_the_next_birthday(age):
    code = f"DENTAL_{age}"
    assert status(code, born(age, day_before=True)) == engine.UPCOMING
    assert status(code, born(age)) == engine.DUE
    assert status(code, born(age + 1, day_before=True)) == engine.DUE
    assert status(code, born(age + 1)) is None
    assert f"DENTAL_{age + 1}" not in BY_CODE


# --- what the record already holds -------------------------------------------------------------

@pytest.mark.parametrize("name, families", [
    ("DTCaP-Hib-HepB-VPI (Infanrix Hexa), 2 mois", {"hexa", "dtp"}),
    ("Diphtérie, tétanos, poliomyélite (Revaxis), rappel de 65 ans", {"dtp"}),
    ("dTcaP Boostrix Tetra", {"dtp"}),
    ("Pneumocoque (Prevenar 20)", {"pneumo"}),
    ("Méningocoque C (Neisvac), 12 mois", set()),  # C only: not ACWY
    ("Méningocoques ACWY (Nimenrix)", {"menacwy"}),
    ("Méningocoque B (Bexsero)", {"menb"}),
    ("ROR (Priorix), 12 mois", {"ror"}),
    ("Papillomavirus (Gardasil 9), 1re dose", {"hpv"}),
    ("Grippe saisonnière (Efluelda)", {"flu"}),
    ("COVID-19 (Comirnaty LP.8.1)", {"covid"}),
    ("Zona (Shingrix), 1re dose", {"zona"}),
    ("Zona (Zostavax)", set()),  # the former live vaccine does not replace Shingrix
    ("Arexvy (VRS)", {"vrs"}),
    ("Vaccin fait à la pharmacie", set()),
    ("Fièvre jaune (Stamaril)", set()),
])
def test_recorded_vaccinations_are_recognised_conservatively(name, families):
    assert families_of(name) == families


def test_a_profile_vaccination_counts_in_its_age_window():
    birth = date(1960, 5, 1)
    at_64 = [dose("Revaxis", date(2024, 11, 1), 1)]  # 64 and a half: counts for 65
    assert item("VAC_DTP_65", birth, "M", date(2025, 6, 1), at_64).status == engine.DONE
    at_63 = [dose("Revaxis", date(2024, 4, 30), 1)]  # the day before 64: it was the 45 one
    assert item("VAC_DTP_65", birth, "M", date(2025, 6, 1), at_63).status == engine.DUE
    assert item("VAC_DTP_45", birth, "M", date(2025, 6, 1), at_63).status == engine.DONE
    # A flu dose from 1 September counts for that season, not one given in August.
    old = date(1950, 1, 1)
    assert status("VAC_FLU", old, on=date(2026, 11, 1),
                  vaccinations=[dose("Vaxigrip", date(2026, 9, 1), 1)]) == engine.DONE
    assert status("VAC_FLU", old, on=date(2026, 11, 1),
                  vaccinations=[dose("Vaxigrip", date(2026, 8, 31), 1)]) == engine.DUE


def test_infant_doses_count_in_order_whenever_given():
    baby = date(2025, 3, 1)
    doses = [dose("Hexyon", date(2025, 5, 20), 1), dose("Hexyon", date(2025, 8, 1), 2)]
    calendar = items_for(baby, "M", date(2025, 9, 1), doses)
    assert {i.code: i.done_on for i in calendar.done if i.code.startswith("VAC_HEXA")} == {
        "VAC_HEXA_2M": date(2025, 5, 20), "VAC_HEXA_4M": date(2025, 8, 1)}
    assert "VAC_HEXA_11M" in [i.code for i in calendar.upcoming]


def test_the_person_s_statement_and_the_profile_newest_first():
    birth = date(1944, 2, 11)
    recorded = dose("Revaxis, rappel de 75 ans", date(2019, 5, 20), 7,
                    recorded_at=datetime(2024, 2, 3, 10, 0))
    # "Pas fait", said after the vaccination was recorded: due again (here: late).
    later = Mark("VAC_DTP_75", "", engine.MARK_NOT_DONE, marked_at=datetime(2026, 1, 5))
    assert status("VAC_DTP_75", birth, "M", ON, [recorded], [later]) == engine.LATE
    # "À planifier" said before the vaccination was recorded: the vaccination wins.
    earlier = Mark("VAC_DTP_75", "", engine.MARK_TO_PLAN, marked_at=datetime(2019, 1, 5))
    assert status("VAC_DTP_75", birth, "M", ON, [recorded], [earlier]) == engine.DONE
    # "Fait le …" without the profile: done on that date.
    said = Mark("VAC_DTP_75", "", engine.MARK_DONE, date(2019, 3, 1))
    assert item("VAC_DTP_75", birth, "M", ON, [], [said]).done_on == date(2019, 3, 1)


def test_a_vaccination_added_when_marking_done_counts_once():
    # Marked done for 65 at 63 (and added to the profile): the 45 booster is not taken as done
    # by the same injection.
    birth = date(1960, 5, 1)
    added = dose("dTP, rappel de 65 ans", date(2023, 6, 1), 42)
    mark = Mark("VAC_DTP_65", "", engine.MARK_DONE, date(2023, 6, 1), 1, vaccination_id=42)
    calendar = items_for(birth, "M", date(2025, 6, 1), [added], [mark])
    assert [i.code for i in calendar.done] == ["VAC_DTP_65"]
    # The same injection in the profile without the link (entered twice): counted once too.
    twice = [dose("Revaxis", date(2023, 6, 3), 43)]
    unlinked = Mark("VAC_DTP_65", "", engine.MARK_DONE, date(2023, 6, 1), 1)
    assert [i.code for i in items_for(birth, "M", date(2025, 6, 1), twice, [unlinked]).done] \
        == ["VAC_DTP_65"]


def test_to_plan_and_not_done_are_shown_on_the_due_item():
    birth = born(50)
    mark = Mark("SCREEN_BREAST", ON.isoformat(), engine.MARK_TO_PLAN, id=3)
    current = item("SCREEN_BREAST", birth, marks=[mark])
    assert current.status == engine.DUE and current.mark == mark


def test_due_items_are_in_a_stable_order_by_date_then_code():
    due = engine.due_items(date(1961, 5, 10), "F", date(2026, 5, 10))
    assert [(i.code, i.due_on.isoformat()) for i in due] == [
        ("SCREEN_CERVICAL", "1991-05-10"), ("SCREEN_BREAST", "2011-05-10"),
        ("SCREEN_COLORECTAL", "2011-05-10"), ("CHECKUP_60_65", "2024-01-01"),
        ("VAC_DTP_65", "2026-05-10"), ("VAC_PNEUMO_65", "2026-05-10"),
        ("VAC_ZONA_1", "2026-05-10")]
