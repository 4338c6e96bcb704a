"""Telephone numbers: French (mainland and overseas) and international, stored in E.164
(+33612345678), shown the way people read them (06 12 34 56 78, +44 20 79 46 09 58).

No phone library is among the project's dependencies; the rules needed here are small: a
French number has 10 digits starting with 0 (0 then 1–9); abroad, "+" or "00", then the
country code and at most 15 digits in all (ITU-T E.164).
"""
import re

# Overseas departments dial like the mainland (10 digits from 0) but have their own country
# codes: 0262 12 34 56 (La Réunion) is +262 262 12 34 56.
OVERSEAS = {
    "262": "262", "263": "262", "692": "262", "693": "262",  # La Réunion
    "269": "262", "639": "262",                              # Mayotte
    "590": "590", "690": "590", "691": "590",                # Guadeloupe, Saint-Martin…
    "594": "594", "694": "594",                              # Guyane
    "596": "596", "696": "596", "697": "596",                # Martinique
}
FRENCH_CODES = frozenset({"33", *OVERSEAS.values()})
# Country codes of one or two digits (ITU-T list); every other code has three.
ONE_DIGIT = frozenset({"1", "7"})
TWO_DIGITS = frozenset({
    "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
    "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
    "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
})
SEPARATORS = re.compile(r"[\s.\-/()\u00a0\u202f]")


def normalise(text):
    """E.164 form of a typed number, or None if it is not a plausible telephone number."""
    text = (text or "").strip().replace("(0)", "")
    international = text.startswith("+")
    digits = SEPARATORS.sub("", text[1:] if international else text)
    if not digits.isdigit():
        return None
    if not international and digits.startswith("00"):
        international, digits = True, digits[2:]
    if international:
        if digits.startswith("330"):  # +33 0 6…: the national 0 typed after the country code
            digits = "33" + digits[3:]
        if digits.startswith("0") or not 8 <= len(digits) <= 15:
            return None
        if (digits[:2] == "33" and len(digits) != 11) or (digits[0] == "1" and len(digits) != 11):
            return None  # France: 9 digits after +33; North America: 10 after +1
        return "+" + digits
    if len(digits) != 10 or digits[0] != "0" or digits[1] == "0":
        return None
    national = digits[1:]
    return "+" + OVERSEAS.get(national[:3], "33") + national


def country_code(e164):
    digits = e164[1:]
    if digits[:1] in ONE_DIGIT:
        return digits[:1]
    if digits[:2] in TWO_DIGITS:
        return digits[:2]
    return digits[:3]


def pairs(digits):
    """"612345678" -> "6 12 34 56 78" (pairs from the right, as French numbers are read)."""
    head = len(digits) % 2
    groups = [digits[:head]] if head else []
    groups += [digits[i:i + 2] for i in range(head, len(digits), 2)]
    return " ".join(groups)


def display(e164):
    """How a stored number reads: the French national form for French numbers, the
    international form (country code, then pairs) for the others (North America: 3-3-4)."""
    if not e164 or not e164.startswith("+"):
        return e164 or ""
    code = country_code(e164)
    national = e164[1 + len(code):]
    if code in FRENCH_CODES and len(national) == 9:
        return pairs("0" + national)
    if code == "1" and len(national) == 10:  # North America: +1 415 555 0100
        return f"+1 {national[:3]} {national[3:6]} {national[6:]}"
    return f"+{code} {pairs(national)}"


def tel_uri(e164):
    """The tel: link of a stored number (RFC 3966, global form)."""
    return f"tel:{e164}" if e164 and e164.startswith("+") else ""
