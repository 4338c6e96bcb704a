"""A space's birth: announced by the insurer (a département's CSV, an operator's page) with a
provisional code (e-mail or printed letter), activated or opposed with that code, a new code
online or at the counter, and the space opening by itself six weeks after the announcement.
Clocks are moved where time matters; hostile tries (guessed codes, another person's code, a
used or voided code, a code after opposition) all get the same answer."""
import re
from datetime import datetime, timedelta

import pytest
from conftest import at, csrf_from, journal, outbox, text
from lifecycle.test_lifecycle import pdf_text

pytestmark = pytest.mark.db  # run on PostgreSQL too

PASSWORD = "mon velo rouge part en vacances"
ANNOUNCED = (2026, 11, 23, 9, 0)
MISMATCH = "le code, le numéro de sécurité sociale ou la date de naissance ne correspondent pas"


def nir(first13):
    """A NIR with its right key."""
    return f"{first13}{97 - int(first13) % 97:02d}"


PARENT_NIR = nir("2850575123456")
MAILED_NIR = nir("1900175123457")
CHILD_NIR = nir("1150575123458")

CSV = (
    "nir;family_name;given_names;birth_date;sex;address_1;address_2;address_3;email;language;"
    "parent_nir\n"
    f"{PARENT_NIR};Roux;Aline;1985-05-14;F;12 rue des Lilas;;59000 Lille;;;\n"
    f"{MAILED_NIR};Petit;Marc;1990-01-03;M;3 place Rihour;Bât. B;59000 Lille;"
    "marc.petit@example.org;en;\n"
    f"{CHILD_NIR};Roux;Noé;2015-05-02;M;12 rue des Lilas;;59000 Lille;;;{PARENT_NIR}\n"
    ";Roux;Lou;2019-07-08;F;12 rue des Lilas;;59000 Lille;;;" + PARENT_NIR + "\n"
).encode()


def imported(app):
    from portal.lifecycle.announcements import import_csv
    with app.app_context(), at(*ANNOUNCED):
        return import_csv(CSV)


def someone(nir_value):
    from portal.accounts.models import Person
    return Person.get(Person.nir == nir_value)


def code_for(app, person):
    from portal.accounts.invites import issue_code
    with app.app_context():
        return issue_code(person)


def activation_form(client, code, person, birth="14/05/1985", **changes):
    page = client.get("/activation")
    assert page.status_code == 200
    return {"csrf_token": csrf_from(page), "code": code, "nir": person.nir, "birth_date": birth,
            "email": "aline.roux@example.org", "new_password": PASSWORD, "confirm": PASSWORD,
            **changes}


# --- the code ------------------------------------------------------------------------------------

def test_a_code_has_twelve_unambiguous_characters_typed_any_way(app, ctx, person):
    from portal.accounts.invites import (CODE_ALPHABET, code_hash, format_code, normalise_code,
                                         normalise_reference)
    assert not set("0O1IL2Z5S8B") & set(CODE_ALPHABET)
    invite, code = code_for(app, person("Lina"))
    assert len(code) == 12 and set(code) <= set(CODE_ALPHABET)
    shown = format_code(code)
    assert re.fullmatch(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", shown)
    for typed in (shown, code.lower(), " ".join(shown.split("-")), f" {shown.lower()} "):
        assert normalise_code(typed) == code
    assert normalise_code(code[:11]) is None and normalise_code(code[:11] + "O") is None
    with app.app_context():
        assert invite.token_hash == code_hash(code) and code not in invite.token_hash
    assert normalise_reference(f"r-{invite.reference.lower()}") == invite.reference
    assert invite.expires_at - invite.created_at == timedelta(weeks=6)


# --- the import ----------------------------------------------------------------------------------

def test_importing_a_file_twice_announces_no_one_twice_and_attaches_the_children(app, ctx):
    from portal.accounts.models import Person, SpaceAnnouncement
    from portal.proxies.models import Guardianship
    first = imported(app)
    assert (first.announced, first.children, first.emailed, first.letters, first.errors) == \
        (2, 2, 1, 1, [])
    people, announcements = Person.select().count(), SpaceAnnouncement.select().count()
    again = imported(app)
    assert (again.announced, again.children, again.already) == (0, 0, 4)
    assert (Person.select().count(), SpaceAnnouncement.select().count()) == \
        (people, announcements)
    assert len(outbox("marc.petit@example.org")) == 1  # one code, not two
    mail = outbox("marc.petit@example.org")[0]
    assert mail.subject == "Carnet: your health space is waiting for you"  # his language
    aline = someone(PARENT_NIR)
    wards = {g.ward.given_names for g in Guardianship.select().where(
        Guardianship.guardian == aline.id, Guardianship.accepted_at.is_null(False))}
    assert wards == {"Noé", "Lou"}
    lou = SpaceAnnouncement.get(SpaceAnnouncement.declared_by == aline.id,
                                SpaceAnnouncement.person != someone(CHILD_NIR).id)
    assert lou.opens_at == SpaceAnnouncement.get(SpaceAnnouncement.person == aline.id).opens_at
    assert journal("space.announced", patient=aline.id)


def test_a_wrong_line_is_reported_and_the_others_go_on(app, ctx):
    from portal.lifecycle.announcements import import_csv
    data = CSV + "123;X;Y;1990-01-01;F;;;;;;\n".encode()
    with app.app_context():
        report = import_csv(data)
    assert report.announced == 2
    assert report.errors == ["Ligne 6 : numéro de sécurité sociale non valable."]


# --- opening by itself ---------------------------------------------------------------------------

def test_the_space_opens_by_itself_after_six_weeks_once_with_the_children(app, ctx):
    from portal.lifecycle.announcements import open_due_spaces
    from portal.policy import space_is_open
    imported(app)
    aline, noe = someone(PARENT_NIR), someone(CHILD_NIR)
    assert not space_is_open(aline.id) and not space_is_open(noe.id)
    with app.app_context():
        with at(2027, 1, 4, 8, 59):  # six weeks minus one minute
            assert open_due_spaces() == 0
        assert not space_is_open(aline.id)
        with at(2027, 1, 4, 9, 1):
            assert open_due_spaces(batch=1) == 2  # Aline and Marc, one batch each
            assert open_due_spaces() == 0         # twice is once
    assert space_is_open(aline.id) and space_is_open(noe.id)
    assert [e.detail for e in journal("space.opened", patient=noe.id)] == \
        [f"how=parent; parent={aline.id}"]
    assert len(journal("space.opened", patient=aline.id)) == 1


def test_an_opposed_space_never_opens(app, ctx, tmp_path):
    from portal.lifecycle.announcements import open_due_spaces
    from portal.policy import space_is_open
    imported(app)
    aline = someone(PARENT_NIR)
    _invite, code = code_for(app, aline)
    client = app.test_client()
    page = client.get("/activation/opposition")
    form = {"csrf_token": csrf_from(page), "code": code, "nir": aline.nir,
            "birth_date": "14/05/1985", "understood": "y"}
    response = client.post("/activation/opposition", data=form)
    assert response.status_code == 303 and "/attestation/" in response.headers["Location"]
    proof = client.get(response.headers["Location"] + "/pdf")
    assert "Attestation d’opposition" in pdf_text(proof.data, tmp_path, "opposition-code.pdf")
    with app.app_context(), at(2027, 6, 1):
        assert open_due_spaces() == 1  # Marc only
    assert not space_is_open(aline.id) and not space_is_open(someone(CHILD_NIR).id)
    # a code after opposition opens nothing, with the same message
    again = client.post("/activation", data=activation_form(client, code, aline))
    assert again.status_code == 200 and MISMATCH in text(again)


# --- activation ----------------------------------------------------------------------------------

def test_activation_with_code_nir_and_birth_date_opens_the_space_and_the_childrens(app, ctx):
    from portal.accounts.models import Account, SpaceAnnouncement
    from portal.policy import space_is_open
    imported(app)
    aline = someone(PARENT_NIR)
    _invite, code = code_for(app, aline)
    client = app.test_client()
    page = client.get("/activation")
    assert 'href="/activation/nouveau-code"' in page.get_data(as_text=True)
    typed = "-".join(code[i:i + 4] for i in (0, 4, 8)).lower()
    response = client.post("/activation", data=activation_form(client, typed, aline))
    assert response.status_code == 303, text(response)[:2000]
    assert Account.get(Account.person == aline.id).email == "aline.roux@example.org"
    assert SpaceAnnouncement.get(SpaceAnnouncement.person == aline.id).opened_how == "activation"
    assert space_is_open(aline.id) and space_is_open(someone(CHILD_NIR).id)
    # replayed: the same message as any failure
    replay = app.test_client()
    response = replay.post("/activation", data=activation_form(
        replay, code, aline, email="other@example.org"))
    assert response.status_code == 200 and MISMATCH in text(response)


@pytest.mark.parametrize("case", ["guessed", "another_persons", "wrong_birth_date", "expired",
                                  "voided"])
def test_every_failure_says_the_same_without_naming_the_field(app, ctx, case):
    from portal.accounts.invites import issue_code
    from portal.accounts.models import Account
    imported(app)
    aline, marc = someone(PARENT_NIR), someone(MAILED_NIR)
    with app.app_context(), at(*ANNOUNCED):
        _invite, code = issue_code(aline)
        _other, marcs = issue_code(marc)
    who, birth, when = aline, "14/05/1985", datetime(2026, 11, 24, 9, 0)
    if case == "guessed":
        code = "ACDE-FGHJ-KMNP"
    elif case == "another_persons":
        code = marcs
    elif case == "wrong_birth_date":
        birth = "15/05/1985"
    elif case == "expired":
        when = datetime(2027, 1, 4, 9, 1)
    elif case == "voided":
        with app.app_context():
            issue_code(aline)
    with at(*when.timetuple()[:5]):
        client = app.test_client()
        response = client.post("/activation", data=activation_form(client, code, who, birth))
    assert response.status_code == 200
    page = text(response)
    assert MISMATCH in page
    assert "ne correspond pas à cette invitation" not in page
    assert not Account.select().where(Account.person == aline.id).exists()
    assert journal("account.activation_failed", outcome="denied")


def test_guessing_codes_is_throttled_per_address_with_a_french_message(app, ctx):
    imported(app)
    aline = someone(PARENT_NIR)
    client = app.test_client()
    statuses = []
    for i in range(31):  # LOGIN_LIMIT_IP: 30 failures per 15 minutes from one address
        guess = f"ACDE-FGHJ-{CODE[i // 25]}{CODE[i % 25]}"
        statuses.append(client.post("/activation", data=activation_form(client, guess, aline))
                        .status_code)
    assert statuses[0] == 200 and statuses[-1] == 429
    page = client.post("/activation", data=activation_form(client, "ACDE-FGHJ-KMNP", aline))
    assert page.status_code == 429 and "Trop de tentatives incorrectes" in text(page)
    # the opposition page shares the count
    opp = client.get("/activation/opposition")
    response = client.post("/activation/opposition", data={
        "csrf_token": csrf_from(opp), "code": "ACDE-FGHJ-KMNP", "nir": aline.nir,
        "birth_date": "14/05/1985", "understood": "y"})
    assert response.status_code == 429


CODE = "34679ACDEFGHJKMNPQRTUVWXY"


# --- a new code ----------------------------------------------------------------------------------

def test_a_new_code_online_voids_the_old_one(app, ctx):
    from portal.accounts.invites import usable_code
    imported(app)
    marc = someone(MAILED_NIR)
    first = outbox("marc.petit@example.org")[0].body
    old = re.search(r"\b([A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4})\b", first).group(1)
    reference = re.search(r"R-([A-Z0-9]{7})", first).group(0)
    with app.app_context():
        assert usable_code(old) is not None
    client = app.test_client()
    page = client.get("/activation/nouveau-code")
    form = {"csrf_token": csrf_from(page), "nir": marc.nir, "birth_date": "03/01/1990",
            "reference": reference}
    wrong = client.post("/activation/nouveau-code", data=form | {"reference": "R-ACDEFGH"})
    assert wrong.status_code == 200 and "ne correspondent à aucun courrier" in text(wrong)
    response = client.post("/activation/nouveau-code", data=form)
    assert response.status_code == 303
    assert len(outbox("marc.petit@example.org")) == 2
    with app.app_context():
        assert usable_code(old) is None
    assert journal("activation.code_requested", patient=marc.id, outcome="ok")


def test_without_email_the_new_code_is_a_letter_to_print(app, ctx, login_as, tmp_path):
    from portal.lifecycle.announcements import letters_to_print
    imported(app)
    aline = someone(PARENT_NIR)
    operator = login_as("operateur")
    page = operator.get("/operateur/annonces")
    assert "1 courrier à imprimer." in text(page)
    response = operator.post("/operateur/annonces/courriers", data={"csrf_token": csrf_from(page)})
    assert response.headers["Content-Type"] == "application/pdf"
    letter = pdf_text(response.data, tmp_path, "announcement-letter.pdf")
    assert "Aline Roux" in letter and "Noé Roux" in letter and "France Services" in letter
    assert "4 janvier 2027" in letter  # the day it opens by itself
    assert re.search(r"[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}", letter)
    assert letters_to_print().count() == 0
    reference = re.search(r"R-[A-Z0-9]{7}", letter).group(0)
    client = app.test_client()
    page = client.get("/activation/nouveau-code")
    response = client.post("/activation/nouveau-code", data={
        "csrf_token": csrf_from(page), "nir": aline.nir, "birth_date": "14/05/1985",
        "reference": reference})
    assert response.status_code == 303
    assert letters_to_print().count() == 1


def test_the_counter_prints_a_letter_at_once_journaled_for_operators_and_mediators_only(
        app, ctx, login_as, tmp_path):
    from portal.accounts.invites import usable_code
    imported(app)
    aline = someone(PARENT_NIR)
    _invite, old = code_for(app, aline)
    operator = login_as("operateur")
    page = operator.get("/guichet/nouveau-code")
    form = {"csrf_token": csrf_from(page), "nir": aline.nir, "birth_date": "14/05/1985"}
    refused = operator.post("/guichet/nouveau-code", data=form)
    assert refused.status_code == 200 and "Cochez la case" in text(refused)
    response = operator.post("/guichet/nouveau-code", data=form | {"checked": "y"})
    assert response.headers["Content-Type"] == "application/pdf"
    assert "Aline Roux" in pdf_text(response.data, tmp_path, "counter-letter.pdf")
    with app.app_context():
        assert usable_code(old) is None
    assert journal("activation.counter_identity_checked", patient=aline.id)
    assert journal("activation.letter_printed", patient=aline.id)
    # A France Services mediator prints one too, journaled as the actor.
    mediator = login_as("sophie")
    assert mediator.get("/operateur/annonces").status_code in (403, 404)
    page = mediator.get("/guichet/nouveau-code")
    assert "Retour aux annonces" not in text(page)
    response = mediator.post("/guichet/nouveau-code", data={
        "csrf_token": csrf_from(page), "nir": aline.nir, "birth_date": "14/05/1985",
        "checked": "y"})
    assert response.headers["Content-Type"] == "application/pdf"
    printed = journal("activation.counter_identity_checked", patient=aline.id)
    assert {entry.actor.role for entry in printed} == {"operator", "mediator"}
    for role in ("camille", "benali"):
        other = login_as(role)
        assert other.get("/guichet/nouveau-code").status_code in (403, 404)
        assert other.get("/operateur/annonces").status_code in (403, 404)


def test_an_announced_space_is_closed_to_professionals_until_it_opens(app, ctx, login_as):
    from portal.accounts.models import Account, utcnow
    from portal.access.models import Grant
    from portal.lifecycle.announcements import open_due_spaces
    from portal.policy import relation_to
    imported(app)
    aline = someone(PARENT_NIR)
    doctor = Account.get(Account.role == "professional")
    Grant.create(patient=aline, professional=doctor, granted_at=utcnow())
    assert relation_to(doctor, aline.id) is None
    with app.app_context(), at(2027, 1, 4, 10, 0):
        open_due_spaces()
    assert relation_to(doctor, aline.id) is not None
