"""Display helpers for settings pages."""
from flask_babel import gettext as _


def describe_device(user_agent):
    """A short human description ('Firefox sur Android') from a User-Agent string."""
    ua = user_agent or ""
    browser = next((name for key, name in (("Edg/", "Edge"), ("Firefox/", "Firefox"),
                                           ("Chrome/", "Chrome"), ("Chromium/", "Chromium"),
                                           ("Safari/", "Safari")) if key in ua), None)
    system = next((name for key, name in (("Android", "Android"), ("iPhone", "iPhone"),
                                          ("iPad", "iPad"), ("Windows", "Windows"),
                                          ("Mac OS", "macOS"), ("Linux", "Linux")) if key in ua),
                  None)
    if browser and system:
        return _("%(browser)s sur %(system)s", browser=browser, system=system)
    return browser or system or _("Appareil inconnu")
