"""Every model of the app, found by importing each area's models module (for schema tools)."""
import importlib
import importlib.util
import pkgutil

from .db import BaseModel

EXTRA_MODULES = ("portal.audit", "portal.mail")


def all_models():
    """All BaseModel subclasses defined in portal/, in a stable order (by module, then
    definition)."""
    import portal
    for info in pkgutil.iter_modules(portal.__path__):
        if info.ispkg and importlib.util.find_spec(f"portal.{info.name}.models") is not None:
            importlib.import_module(f"portal.{info.name}.models")
    for name in EXTRA_MODULES:
        importlib.import_module(name)
    found, stack = [], list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop(0)
        # The app's own models only: a test or a tool may define a BaseModel subclass of its
        # own (and drop its table); what walks "every model" (deletion, schema checks) must
        # not meet it.
        if model.__module__ == "portal" or model.__module__.startswith("portal."):
            found.append(model)
        stack.extend(model.__subclasses__())
    return found
