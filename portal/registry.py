"""Every model of the app, found by importing each area's models module (for schema tools)."""
import importlib
import importlib.util
import pkgutil

from .db import BaseModel

EXTRA_MODULES = ("portal.audit", "portal.mail")


def all_models():
    """All BaseModel subclasses, in a stable order (by module, then definition)."""
    import portal
    for info in pkgutil.iter_modules(portal.__path__):
        if info.ispkg and importlib.util.find_spec(f"portal.{info.name}.models") is not None:
            importlib.import_module(f"portal.{info.name}.models")
    for name in EXTRA_MODULES:
        importlib.import_module(name)
    found, stack = [], list(BaseModel.__subclasses__())
    while stack:
        model = stack.pop(0)
        found.append(model)
        stack.extend(model.__subclasses__())
    return found
