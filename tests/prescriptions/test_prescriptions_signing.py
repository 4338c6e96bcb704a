"""Prescription codes: an Ed25519 signature over a canonical payload, refused when anything
(code, payload, stored lines, key) differs from what the server signed."""
import base64
from datetime import date
from types import SimpleNamespace

import pytest

from portal.prescriptions import signing


def line(medicine="Metformine 850 mg", renewals=3):
    return SimpleNamespace(medicine=medicine, dosage="1 comprimé matin et soir",
                           duration="1 mois", renewals=renewals, instructions="")


PATIENT = SimpleNamespace(id=7, nir="144021903101299")
PRESCRIBER = SimpleNamespace(id=3, rpps="10000000001")
KEY = signing.derived_key("a test secret")
OTHER_KEY = signing.derived_key("another secret")


def signed(lines=None):
    public_id = signing.new_public_id()
    payload = signing.canonical_payload(public_id, PATIENT, PRESCRIBER, date(2026, 3, 2),
                                        lines or [line()])
    return public_id, payload, signing.sign(payload, KEY)


def test_a_valid_code_parses_and_verifies():
    public_id, payload, signature = signed()
    code = signing.code_for(public_id, signature)
    assert code.startswith("CARNET-ORD:") and len(public_id) == 26
    parsed_id, raw = signing.parse_code(code)
    assert parsed_id == public_id and len(raw) == 64
    assert signing.verify(payload, raw, KEY)


def test_a_code_typed_in_groups_in_small_letters_with_line_breaks_is_accepted():
    public_id, payload, signature = signed()
    typed = " ".join(signing.groups(signing.code_for(public_id, signature))).lower()
    typed = typed.replace("carnet-ord:", "carnet-ord:\n")
    parsed_id, raw = signing.parse_code(typed)
    assert parsed_id == public_id and signing.verify(payload, raw, KEY)


@pytest.mark.parametrize("change", [
    lambda p: p.replace("rpps:10000000001", "rpps:10000000009"),   # another prescriber
    lambda p: p.replace("nir:144021903101299", "nir:244021903101299"),  # another patient
    lambda p: p.replace("2026-03-02", "2026-04-02"),               # another date
    lambda p: p + "\n",
])
def test_an_altered_payload_is_refused(change):
    _, payload, signature = signed()
    assert not signing.verify(change(payload), signing.parse_code(
        "X" * 26 + "." + signature)[1], KEY)
    assert signing.verify(payload, signing.parse_code("X" * 26 + "." + signature)[1], KEY)


def test_changed_lines_change_the_payload():
    public_id = signing.new_public_id()
    one = signing.canonical_payload(public_id, PATIENT, PRESCRIBER, date(2026, 3, 2), [line()])
    more = signing.canonical_payload(public_id, PATIENT, PRESCRIBER, date(2026, 3, 2),
                                     [line(renewals=12)])
    other = signing.canonical_payload(public_id, PATIENT, PRESCRIBER, date(2026, 3, 2),
                                      [line("Metformine 1000 mg")])
    assert len({one, more, other}) == 3


def test_a_signature_by_another_key_is_refused():
    public_id = signing.new_public_id()
    payload = signing.canonical_payload(public_id, PATIENT, PRESCRIBER, date(2026, 3, 2),
                                        [line()])
    forged = signing.sign(payload, OTHER_KEY)
    assert not signing.verify(payload, signing.parse_code(
        signing.code_for(public_id, forged))[1], KEY)


def test_one_changed_character_of_the_signature_is_refused():
    public_id, payload, signature = signed()
    flipped = ("A" if signature[10] != "A" else "B").join((signature[:10], signature[11:]))
    _, raw = signing.parse_code(signing.code_for(public_id, flipped))
    assert not signing.verify(payload, raw, KEY)


@pytest.mark.parametrize("text", [
    "", "CARNET-ORD:", "bonjour", "CARNET-ORD:ABC.def",
    "CARNET-ORD:" + "A" * 26,                              # no signature
    "CARNET-ORD:" + "A" * 26 + "." + "A" * 102,           # truncated signature
    "CARNET-ORD:" + "A" * 25 + "." + "A" * 103,           # truncated id
    "CARNET-ORD:" + "A" * 26 + "." + "A" * 104,           # one character too many
    "CARNET-ORD:" + "A" * 26 + "." + "A" * 102 + "=",     # padding
    "CARNET-ORD:" + "1" * 26 + "." + "A" * 103,           # 1 is not base32
    "CARNET-ORD:" + "A" * 26 + "." + "A" * 102 + "0",     # nor is 0
    "CARNET-ORD:" + "A" * 26 + "." + "A" * 102 + "-",
    "CARNET-ORD:" + "A" * 26 + "-" + "A" * 103,           # no dot
    "AUTRE-ORD:" + "A" * 26 + "." + "A" * 103,            # another prefix
    "<script>alert(1)</script>",
])
def test_truncated_or_garbage_codes_are_malformed(text):
    with pytest.raises(signing.CodeError):
        signing.parse_code(text)


def test_a_non_canonical_base64_signature_is_refused():
    """The last character of 64 bytes in base32 carries 3 unused bits: only one spelling of
    each signature is accepted."""
    public_id, _, signature = signed()
    last = signature[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
    sibling = alphabet[alphabet.index(last) ^ 1]
    with pytest.raises(signing.CodeError):
        signing.parse_code(signing.code_for(public_id, signature[:-1] + sibling))


def test_signing_key_comes_from_the_config_or_is_derived_outside_production():
    seed = bytes(range(32))
    configured = base64.urlsafe_b64encode(seed).decode()
    app = SimpleNamespace(config={"PRESCRIPTION_SIGNING_KEY": configured,
                                  "ENV_NAME": "production", "SECRET_KEY": "x"})
    assert signing.signing_key(app).private_bytes_raw() == seed
    dev = SimpleNamespace(config={"PRESCRIPTION_SIGNING_KEY": None, "ENV_NAME": "development",
                                  "SECRET_KEY": "a test secret"})
    assert signing.signing_key(dev).private_bytes_raw() == KEY.private_bytes_raw()
    prod = SimpleNamespace(config={"PRESCRIPTION_SIGNING_KEY": None, "ENV_NAME": "production",
                                   "SECRET_KEY": "x" * 40})
    with pytest.raises(RuntimeError):
        signing.signing_key(prod)


@pytest.mark.parametrize("bad", ["", "not base64 at all!", base64.urlsafe_b64encode(
    b"short").decode()])
def test_a_malformed_configured_key_is_refused(bad):
    with pytest.raises(ValueError):
        signing.parse_key(bad)
