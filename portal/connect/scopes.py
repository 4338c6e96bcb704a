"""The SMART v2 scopes this server knows, and which purpose right each one stands for.

Apart from rights.py (the consents, which read the models) so that the OAuth client model can
check a requested scope without importing the consents back (an import cycle otherwise)."""

# right -> (FHIR resource type, SMART v2 letters it allows)
RIGHT_SCOPES = {
    "measures:read": ("Observation", "rs"),
    "measures:write": ("Observation", "c"),
    "documents:read": ("DocumentReference", "rs"),
    "documents:write": ("DocumentReference", "c"),
    "agenda:read": ("Appointment", "rs"),
    "agenda:write": ("Appointment", "cud"),
    "profile:read": ("Patient", "r"),
}

LETTERS = "cruds"
CONTEXT_SCOPES = ("launch/patient", "offline_access")
RESOURCES = frozenset(resource for resource, _letters in RIGHT_SCOPES.values())


def is_supported(item):
    """A scope this server knows: launch/patient, offline_access, or patient/<Resource>.<letters>
    (SMART v2: letters among c, r, u, d, s, in that order) for a resource it serves."""
    if item in CONTEXT_SCOPES:
        return True
    if not item.startswith("patient/") or "." not in item:
        return False
    resource, _sep, letters = item[len("patient/"):].partition(".")
    ordered = "".join(c for c in LETTERS if c in letters)
    return resource in RESOURCES and bool(letters) and letters == ordered
