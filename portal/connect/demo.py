"""Demo catalogue: three services (idempotent: made once, never changed afterwards). The
"Tensiomètre connecté" is a public client (PKCE) whose redirect address is the demo app's
(examples/, when it exists) on 127.0.0.1."""
from .models import Purpose, Service, ServiceClient

DEMO_SERVICES = [
    ("tensiometre-connecte", "Tensiomètre connecté", "Santé Démo SAS",
     "Un tensiomètre qui envoie vos mesures de tension artérielle dans votre espace santé et "
     "vous montre leur évolution.", "suivi,prevention", "tensiometre-demo",
     "http://127.0.0.1:5001/callback",
     [("Suivre votre tension", "Le service lit vos mesures de santé (tension, poids…) pour "
       "vous montrer leur évolution.", "measures:read"),
      ("Enregistrer vos mesures de tension", "Le service ajoute dans vos mesures chaque tension "
       "prise avec l’appareil. Il ne peut rien modifier ni supprimer.", "measures:write")]),
    ("glycemie-facile", "Glycémie facile", "Diabéto Démo",
     "Un carnet de glycémie qui reprend vos mesures et celles de votre lecteur.",
     "suivi", "glycemie-demo", "http://127.0.0.1:5002/callback",
     [("Tenir votre carnet de glycémie", "Le service lit et ajoute vos mesures de glycémie.",
       "measures:read,measures:write")]),
    ("rendez-vous-sante", "Rendez-vous santé", "Agenda Démo",
     "Prenez rendez-vous avec des professionnels de santé ; vos rendez-vous s’ajoutent à "
     "votre agenda.", "rendez_vous", "rdv-demo", "http://127.0.0.1:5003/callback",
     [("Ajouter vos rendez-vous à votre agenda", "Le service lit votre agenda et y ajoute les "
       "rendez-vous que vous prenez.", "agenda:read,agenda:write"),
      ("Vous reconnaître", "Le service lit votre nom, votre sexe et votre date de naissance.",
       "profile:read")]),
]


def seed(people, accounts):
    created = 0
    for slug, name, publisher, description, categories, client_id, uri, purposes in \
            DEMO_SERVICES:
        if Service.select().where(Service.slug == slug).exists():
            continue
        service = Service.create(slug=slug, name=name, publisher=publisher,
                                 description=description, categories=categories)
        ServiceClient.create(service=service.id, client_id=client_id, redirect_uris=uri)
        for position, (label, explanation, rights) in enumerate(purposes):
            Purpose.create(service=service.id, position=position, label=label,
                           explanation=explanation, rights=rights)
        created += 1
    return created
