"""The French social-security number (NIR): 13 digits and a 2-digit key."""
import re

_NIR = re.compile(r"^[12378]\d{2}(0[1-9]|1[0-2]|[2-9]\d)(\d{2}|2[AB])\d{6}\d{2}$")


def nir_key(first13):
    """The key of the first 13 characters (Corsica's 2A/2B count as 19/18)."""
    digits = first13.upper().replace("2A", "19").replace("2B", "18")
    return 97 - int(digits) % 97


def normalise(value):
    return re.sub(r"[\s.-]", "", value or "").upper()


def is_valid_nir(value):
    """True for a well-formed NIR whose key matches."""
    nir = normalise(value)
    if len(nir) != 15 or not _NIR.match(nir):
        return False
    corsica = nir[5:7] in ("2A", "2B")
    if corsica:
        first13 = nir[:13]
    else:
        if not nir[:13].isdigit():
            return False
        first13 = nir[:13]
    return nir_key(first13) == int(nir[13:])


def spaced(nir):
    """A NIR as printed on the carte Vitale: 2 80 05 19 272 001 93."""
    if not nir or len(nir) != 15:
        return nir or ""
    return " ".join((nir[0], nir[1:3], nir[3:5], nir[5:7], nir[7:10], nir[10:13], nir[13:15]))


def with_key(first13):
    """Complete 13 characters with their key (for demo data and tests)."""
    return f"{first13}{nir_key(first13):02d}"
