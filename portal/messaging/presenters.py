"""How messages read on screen: plain text with safe links, who wrote, who is on the other side.

A message is plain text. Nothing a person typed is ever trusted as HTML: `linkify` escapes every
character of the text and only then turns the http(s) addresses it found into links, whose
address and text are escaped too.
"""
import re
from urllib.parse import urlsplit

from flask_babel import gettext as _
from ..rendering import lazy_gettext as _l
from markupsafe import Markup, escape

# An address starts with http:// or https:// and runs to the next space or character that
# cannot be part of it in running text (quotes and angle brackets are never part of it).
URL_RE = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?»)]}’"  # sentence punctuation after an address is not part of it
MAX_URL = 2000
REL = "noopener noreferrer nofollow"

# How a person on the patient's side is linked to the patient, for "écrit par X pour Y".
ON_BEHALF_LABELS = {
    "guardian": _l("représentant légal"),
    "delegation": _l("proche aidant"),
    "mandate": _l("aidant numérique"),
}


def _split_url(candidate):
    """The address part of a match and what follows it (closing punctuation)."""
    url = candidate
    while url and url[-1] in TRAILING:
        if url[-1] == ")" and url.count("(") >= url.count(")"):
            break  # https://fr.wikipedia.org/wiki/Diabète_(maladie) keeps its parenthesis
        url = url[:-1]
    return url, candidate[len(url):]


def _is_web_address(url):
    if len(url) > MAX_URL:
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def linkify(text):
    """Plain text as safe HTML: everything escaped, web addresses made into links (opened
    without a referrer, not followed by search engines). Line breaks are kept by CSS."""
    text = "" if text is None else str(text)
    out = []
    position = 0
    for match in URL_RE.finditer(text):
        url, rest = _split_url(match.group(0))
        if not _is_web_address(url):
            continue
        out.append(escape(text[position:match.start()]))
        out.append(Markup('<a href="%s" rel="%s">%s</a>') % (url, REL, url))
        out.append(escape(rest))
        position = match.end()
    out.append(escape(text[position:]))
    return Markup("").join(out)


def professional_name(account):
    """A professional as patients see them: name and profession, never their e-mail."""
    return _("%(name)s, %(profession)s", name=account.display_name,
             profession=account.role_label)


def author_line(message, patient):
    """Who wrote a message: the professional, the patient, or "X pour Y" when someone wrote
    on the patient's behalf."""
    author = message.author
    if message.from_professional:
        return professional_name(author)
    if author.person_id == patient.id:
        return patient.full_name
    how = ON_BEHALF_LABELS.get(message.relation_kind)
    line = _("Écrit par %(author)s pour %(patient)s", author=author.person.full_name,
             patient=patient.full_name)
    return _("%(line)s (%(how)s)", line=line, how=how) if how else line


def kind_label(attachment):
    """What kind of file an attachment is (PDF, JPEG, texte…), from its checked type."""
    from ..documents.sniff import KINDS
    return str(KINDS.get(attachment.mime_type, ("", attachment.mime_type))[1])
