"""Writing direction: the page's `dir` from Babel, and left-to-right islands in any page.

Arabic is written right to left, but a NIR, a dose, "72.5 kg", an access code, a phone number
or an e-mail address must keep their left-to-right order: without an isolate, the bidi
algorithm moves "kg" before the number, or the trailing "+" of a phone number to its start.
Every such value goes through `ltr()` (the `ltr` filter in templates), on screens and in PDFs:
it wraps the value in `<bdi dir="ltr">`, an isolate with an explicit direction. The direction
is written out because WeasyPrint ignores `dir="auto"`; `<bdi>` rather than `<span>` because it
isolates even where a browser's CSS would not (and WeasyPrint's default CSS isolates it too).

Digits: Latin (0-9) in every language, on purpose. Carnet's Arabic is the locale `ar` (Modern
Standard Arabic), whose CLDR default numbering system is "latn", unlike `ar_EG` or `ar_SA`
("arab": ٠-٩, with ٫ as decimal mark); Babel's number functions also write "latn" unless told
otherwise. A French mediator, the French papers the person holds (carte Vitale, ordonnances)
and the professionals all read Latin digits, so a NIR or a dose must look the same on the
Arabic screen, on the Arabic PDF and on the French prescription. NUMBERING_SYSTEM names that
choice; a test holds `ar` to it, so that switching to a regional locale cannot change it silently.

Babel's numeric Arabic dates ("14‏/5‏/2026") carry RIGHT-TO-LEFT MARKs between the numbers, made
for a right-to-left run: inside a left-to-right isolate they would reorder the date, so `ltr()`
drops the marks (the isolate already gives the direction).

Text typed by people (a name, an allergy, a message, a document's title) has its own direction:
"Jean Dupont" inside an Arabic sentence, "أمينة" inside a French one. Printed as is, it joins
the bidi runs of its neighbours and reorders them ("Jean Dupont، 45" may show the number on the
wrong side; a name ending in "." moves the dot). `user()` (the `user` filter; `_n` applies it to
the values of its sentences) wraps such text in `<bdi dir="…">` whose direction is decided here,
from the text's first strong character as the Unicode bidi algorithm's rules P2/P3 do (what a
browser does for `dir="auto"`): the same markup is right on a screen and in WeasyPrint, which
ignores `dir="auto"`. Text that cannot disturb its neighbours (only characters of the page's own
direction, or neutral ones in a left-to-right page) is left unwrapped, so that French and English
pages, where Latin text is the rule, keep their plain markup. Directional controls (RLO, LRI…)
typed or pasted into a text are always enclosed, so that they cannot flip the rest of the page.
"""
import re
import unicodedata
from functools import lru_cache

from babel import Locale
from markupsafe import Markup, escape

from .rendering import current_locale

# The numbering system every language of Carnet writes digits with (see the docstring).
NUMBERING_SYSTEM = "latn"
# Directional marks (LRM, RLM, ALM) that Babel's Arabic patterns insert: meaningless, and
# harmful, inside an isolate whose direction is explicit.
_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u061c"))


# Each language named in itself, as the switcher offers it (a reader of Arabic who landed on a
# French page must recognise "العربية", not "Arabe").
AUTONYMS = {"fr": "Français", "en": "English", "ar": "العربية"}


def _locale(locale=None):
    if locale is None:
        locale = current_locale() or "fr"
    return locale if isinstance(locale, Locale) else Locale.parse(str(locale))


@lru_cache(maxsize=32)
def _direction(locale):
    # Babel works it out from the locale's data on each access; asked for each user text.
    return locale.text_direction


def text_direction(locale=None):
    """"rtl" or "ltr": the direction of `locale` (the current one by default), from Babel."""
    return _direction(_locale(locale))


def html_attributes(locale=None):
    """`lang="ar" dir="rtl"`: the attributes of <html> for `locale` (current by default), used
    by the layout and by every PDF template so that screens and papers agree."""
    found = _locale(locale)
    return Markup('lang="{}" dir="{}"').format(str(found).replace("_", "-"), _direction(found))


def numbering_system(locale=None):
    """The digits `locale` writes numbers with: Babel's default for it ("latn" for fr, en, ar)."""
    return _locale(locale).default_numbering_system


def ltr(value):
    """`value` as a left-to-right isolate (`<bdi dir="ltr">…</bdi>`), escaped; "" for nothing.

    A value that is already markup (a link, say) is wrapped as it is, not escaped again."""
    if value is None or value == "":
        return ""
    if not isinstance(value, Markup):
        value = escape(str(value).translate(_MARKS))
    return Markup('<bdi dir="ltr">{}</bdi>').format(value)


# Bidi classes (unicodedata.bidirectional): strong left-to-right, strong right-to-left, the
# digits that read left to right inside right-to-left text (European: 0-9, Arabic-Indic: ٠-٩),
# and the explicit embeddings/overrides/isolates.
_STRONG_LTR = {"L"}
_STRONG_RTL = {"R", "AL"}
_ISOLATE_OPEN = {"LRI", "RLI", "FSI"}
_CONTROLS = {"LRE", "RLE", "LRO", "RLO", "PDF", "PDI"} | _ISOLATE_OPEN
# What cannot stay unwrapped in a page of each direction.
_FOREIGN = {"ltr": _STRONG_RTL | {"AN"} | _CONTROLS,
            "rtl": _STRONG_LTR | {"EN"} | _CONTROLS}


def first_strong_direction(text):
    """"ltr", "rtl" or None: the direction of `text`'s first strong character, skipping what
    lies inside isolates (Unicode bidi rules P2 and P3)."""
    depth = 0
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in _ISOLATE_OPEN:
            depth += 1
        elif kind == "PDI":
            depth = max(depth - 1, 0)
        elif depth == 0 and kind in _STRONG_LTR:
            return "ltr"
        elif depth == 0 and kind in _STRONG_RTL:
            return "rtl"
    return None


def user(value, page=None):
    """Text a person typed, isolated in its own direction when it could reorder its neighbours
    in a page of direction `page` (the current language's by default): `<bdi dir="ltr|rtl">`,
    escaped. Markup (already formatted by the app, e.g. through `ltr`) is returned as it is."""
    if value is None or value == "":
        return ""
    if isinstance(value, Markup):
        return value
    text = str(value)
    page = page or text_direction()
    if page == "ltr" and text.isascii():
        # No ASCII character is right-to-left, an Arabic digit or a bidi control: nothing in
        # it can reorder a left-to-right page (the common case, checked without a lookup per
        # character).
        return escape(text)
    if not any(unicodedata.bidirectional(char) in _FOREIGN[page] for char in text):
        return escape(text)
    # No strong character (digits, punctuation): the page's direction, as a browser does.
    direction = first_strong_direction(text) or page
    return Markup('<bdi dir="{}">{}</bdi>').format(direction, escape(text))


_ISOLATE = re.compile(r'<bdi(?: dir="(ltr|rtl)")?>(.*?)</bdi>', re.S)
_ISOLATE_CHARS = {"ltr": "\u2066", "rtl": "\u2067", None: "\u2068"}  # LRI, RLI, FSI


def plain(value):
    """`value` (markup that may hold `<bdi>` isolates) as plain text for where tags cannot go
    (`<title>`, attributes): each isolate becomes its Unicode equivalent (LRI/RLI/FSI … PDI),
    so the name in a tab's title is still isolated; other tags are dropped. Plain text out
    (Jinja escapes it again)."""
    if value is None:
        return ""
    text = _ISOLATE.sub(lambda m: f"{_ISOLATE_CHARS[m.group(1)]}{m.group(2)}\u2069",
                        str(value))
    return Markup(text).striptags() if isinstance(value, Markup) else text


def other_languages():
    """[(code, autonym, direction)] of the app's languages other than the current one, for the
    header's switcher."""
    from flask import current_app
    current = _locale().language
    return [(code, AUTONYMS.get(code, code), text_direction(code))
            for code in current_app.config["LANGUAGES"] if code != current]
