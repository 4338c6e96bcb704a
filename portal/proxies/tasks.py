"""The proxies' huey tasks live with their relationship's module; importing them registers them."""
from . import delegations, guardians, mandates  # noqa: F401
