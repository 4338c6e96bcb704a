"""Legal representatives (parents, guardians) of minors and protected adults."""
from .models import Guardianship


def relatives_context(person):
    """This space's legal representatives, and the people this person represents."""
    guardians = Guardianship.active().where(Guardianship.ward == person.id)
    wards = Guardianship.active().where(Guardianship.guardian == person.id)
    return {"guardians": list(guardians), "wards": list(wards)}
