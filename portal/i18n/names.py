"""Sentences with a person's name in them, as a proofreader would write them.

`_n(msgid, **values)` is gettext for every sentence that inserts a name (or a name-like value:
a town, a structure): it translates `msgid`, then, in a language that has ELISION rules (French
only), fixes the little word in front of each placeholder for the value it will receive, before
interpolating:

    _n("L’espace de %(name)s", name="Amina Diallo")  ->  "L’espace d’Amina Diallo"
    _n("L’espace de %(name)s", name="Camille Martin")  ->  "L’espace de Camille Martin"
    _n("Le patient de %(name)s", name="Dr Hélène Roy")  ->  "Le patient du Dr Hélène Roy"

Translators keep writing natural sentences ("de %(name)s"); an English or Arabic translation
is never touched, because the rules are chosen by the language being written. `_ln` is the lazy
form (module constants, e-mails rendered later in their recipient's language).

Agreement with the person's gender is a choice between two messages, both extracted for
translation: `_n("…, qui est prévenue", …) if feminine(person) else _n("…, qui est prévenu", …)`
(templates: `{% if feminine(person) %}`). `feminine` reads Person.sex ("F"/"M"), through an
Account too; unknown: masculine, French's default.
"""
import re
import unicodedata

from flask_babel import LazyString, get_locale
from flask_babel import gettext as _gettext

VOWELS = set("aeiouæœ")
# Names whose "h" is aspirated ("de Hollande"); every other h of a name is mute ("d’Hélène").
ASPIRATED_H = frozenset({"hollande"})
# Titles written before a name that contract with "de" and "à" ("du Dr Roy", "au Dr Roy").
TITLES = ("Dr ", "Pr ")

# language -> {little word: its elided form}: the words elided before a vowel sound.
ELIDED = {"fr": {"de": "d’", "De": "D’", "que": "qu’", "Que": "Qu’", "jusque": "jusqu’",
                 "lorsque": "lorsqu’", "puisque": "puisqu’"}}
# language -> {little word: what it becomes before a title}: "de Dr Roy" is written "du Dr
# Roy", "par Dr Roy" "par le Dr Roy"; a sentence never starts with "Dr Roy" but "Le Dr Roy".
CONTRACTED = {"fr": {"de": "du", "De": "Du", "à": "au", "À": "Au", "par": "par le",
                     "Par": "Par le", "pour": "pour le", "Pour": "Pour le", "avec": "avec le",
                     "Avec": "Avec le", "chez": "chez le", "Chez": "Chez le"}}
SENTENCE_START = {"fr": "Le"}

_PLACEHOLDER = re.compile(r"(?<![\w’'])(\w+) %\((\w+)\)s")
# A name that starts a sentence and is its subject (a lower-case word follows: "%(pro)s a
# ouvert"); a label such as "%(name)s – %(profession)s" is not a sentence.
_STARTING = re.compile(r"(^|\n|[.!?] )%\((\w+)\)s(?= [a-zàâçéèêëîïôûùüÿœæ])")


def starts_with_vowel_sound(text):
    """Does this name start with a vowel sound in French (Amina, Hélène, Yves, Œdipe), so that
    "de" and "que" elide in front of it? Yasmine, Yann: a consonant sound (y + vowel)."""
    text = str(text or "").lstrip(" «\"“")
    if not text:
        return False
    letters = unicodedata.normalize("NFD", text[:2].lower())
    letters = "".join(ch for ch in letters if not unicodedata.combining(ch))
    first, second = letters[0], letters[1:2]
    if first in VOWELS:
        return True
    if first == "h":
        word = re.split(r"[\s\-]", text.lower(), maxsplit=1)[0]
        return word not in ASPIRATED_H
    if first == "y":
        return bool(second) and second.isalpha() and second not in VOWELS | {"y"}
    return False


def _language():
    locale = get_locale()
    return getattr(locale, "language", None) or "fr"


def adjust(template, values, language=None):
    """The translated template with the word before each name placeholder elided or
    contracted for that name, in languages that have such rules."""
    language = language or _language()
    elided, contracted = ELIDED.get(language), CONTRACTED.get(language)
    if not elided and not contracted and language not in SENTENCE_START:
        return template

    def fix(match):
        word, key = match.group(1), match.group(2)
        value = str(values.get(key, ""))
        if contracted and word in contracted and value.startswith(TITLES):
            return f"{contracted[word]} %({key})s"
        if elided and word in elided and starts_with_vowel_sound(value):
            return f"{elided[word]}%({key})s"
        return match.group(0)

    template = _PLACEHOLDER.sub(fix, template)
    start = SENTENCE_START.get(language)
    if start:
        template = _STARTING.sub(
            lambda m: (f"{m.group(1)}{start} %({m.group(2)})s"
                       if str(values.get(m.group(2), "")).startswith(TITLES) else m.group(0)),
            template)
    return template


def _n(msgid, **values):
    """gettext for a sentence with names in it (see the module's docstring)."""
    template = _gettext(msgid)
    if not values:
        return template
    return adjust(template, values) % values


def _ln(msgid, **values):
    """The lazy form of `_n`: translated when the text is written (in its reader's language)."""
    return LazyString(_n, msgid, **values)


def jinja_n(msgid, **values):
    """`_n` in templates: like Jinja's own `_()`, the message is markup and the values are
    escaped; a value typed by someone (a name: text, not markup) is isolated in its own
    direction (`bidi.user`), so that a Latin name does not reorder an Arabic sentence."""
    from markupsafe import Markup

    from ..bidi import user
    template = Markup(_gettext(msgid))
    if not values:
        return template
    isolated = {key: user(value) if isinstance(value, str) else value
                for key, value in values.items()}
    return Markup(adjust(str(template), values)) % isolated


def feminine(who):
    """Is the sentence about a woman? `who`: a Person, an Account, or a sex ("F"/"M")."""
    if who is None:
        return False
    if isinstance(who, str):
        return who == "F"
    person = getattr(who, "person", who)
    return getattr(person, "sex", None) == "F"


def lower_first(text):
    """A sentence's first letter in lower case, to continue another sentence with it."""
    text = str(text)
    return text[:1].lower() + text[1:]
