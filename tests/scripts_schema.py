"""The list of every model, for schema checks."""
from portal.registry import all_models  # noqa: F401
