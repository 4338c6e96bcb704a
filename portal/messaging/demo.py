"""Demo conversations: Dr Benali and Jean Dupont about his blood test (Camille, his caregiver,
replies for him; the latest message is unread), a closed one with Camille about her
prescription, and a "no reply" message from Jean's pharmacist. Amina gets none: no
professional reaches her space, and only a professional starts a conversation."""
from datetime import timedelta

from ..accounts.models import utcnow
from ..documents.store import store_blob
from .models import Attachment, Conversation, Message

# (patient, professional, subject, days ago it started, closed, messages)
# message: (author key, hours after the start, body, no_reply, attachment (title, lines) or None)
CONVERSATIONS = [
    ("jean", "benali", "Vos résultats de prise de sang", 6, False, [
        ("benali", 0,
         "Bonjour Monsieur Dupont,\n\nVos résultats de prise de sang sont arrivés. "
         "L’hémoglobine glyquée est à 7,1 %, un peu au-dessus de l’objectif que nous nous "
         "étions fixé, et la fonction rénale est stable.\n\nJe vous propose de faire le point "
         "en consultation dans les quinze jours pour adapter le traitement. Vous trouverez "
         "quelques conseils sur l’alimentation ici : "
         "https://www.ameli.fr/assure/sante/themes/diabete-adulte\n\n"
         "Bien cordialement,\nDr Nadia Benali", False,
         ("Conseils alimentaires – diabète de type 2",
          ["Trois repas par jour, à heures régulières.",
           "Des légumes à chaque repas, des féculents en quantité modérée.",
           "Eau à volonté ; éviter les boissons sucrées et les jus de fruits.",
           "Trente minutes de marche par jour si possible."])),
        ("camille", 20,
         "Bonjour Docteur,\n\nJe vous écris pour M. Dupont, que j’accompagne. Il peut venir "
         "mardi prochain en fin de matinée ; je le conduirai au cabinet. Faut-il qu’il soit à "
         "jeun ?\n\nMerci,\nCamille Martin", False, None),
        ("benali", 26,
         "Bonjour Madame Martin,\n\nMardi à 11 h 30, c’est noté. Pas besoin d’être à jeun. "
         "Pensez à apporter son carnet de glycémies et la liste de ses médicaments.\n\n"
         "Dr Benali", False, None),
    ]),
    ("camille", "benali", "Renouvellement de votre ordonnance", 30, True, [
        ("camille", 0,
         "Bonjour Docteur,\n\nMon ordonnance de Salbutamol arrive à son terme à la fin du "
         "mois, et le printemps approche avec le rhume des foins. Est-il possible de la "
         "renouveler sans consultation ?\n\nCamille Martin", False, None),
        ("benali", 5,
         "Bonjour Madame Martin,\n\nVotre asthme est bien contrôlé : je vous ai fait une "
         "ordonnance pour six mois, à retirer à l’accueil du cabinet à partir de jeudi. "
         "Si vous utilisez le Salbutamol plus de deux fois par semaine, prenez rendez-vous."
         "\n\n"
         "Je clôture cette conversation.\n\n"
         "Dr Benali", False, None),
    ]),
    ("jean", "girard", "Vos médicaments sont disponibles", 2, False, [
        ("girard", 0,
         "Bonjour Monsieur Dupont,\n\nLes médicaments de votre ordonnance du mois sont "
         "disponibles à la Pharmacie du Trech, du lundi au samedi de 9 h à 19 h. Pensez à "
         "apporter votre carte Vitale.\n\nPaul Girard, pharmacien", True, None),
    ]),
]


def seed(people, accounts):
    """Create the demo conversations that are missing (matched by patient, professional and
    subject)."""
    from ..documents.demo import _pdf
    created = 0
    now = utcnow()
    for patient_key, pro_key, subject, days, closed, messages in CONVERSATIONS:
        patient, professional = people[patient_key], accounts[pro_key]
        if Conversation.select().where(Conversation.patient == patient.id,
                                       Conversation.professional == professional.id,
                                       Conversation.subject == subject).exists():
            continue
        start = now - timedelta(days=days)
        last = start + timedelta(hours=messages[-1][1])
        conversation = Conversation.create(
            patient=patient, professional=professional, subject=subject,
            started_by=accounts[messages[0][0]], created_at=start, last_message_at=last,
            closed_at=last + timedelta(hours=1) if closed else None,
            closed_by=professional if closed else None)
        for index, (author_key, hours, body, no_reply, attachment) in enumerate(messages):
            author = accounts[author_key]
            at = start + timedelta(hours=hours)
            from_pro = author.role == "professional"
            unread = index == len(messages) - 1 and not closed
            message = Message.create(
                conversation=conversation, author=author, from_professional=from_pro,
                relation_kind="" if from_pro else (
                    "self" if author.person_id == patient.id else "delegation"),
                body=body, no_reply=no_reply, created_at=at,
                read_at=None if unread else at + timedelta(hours=1))
            if attachment is not None:
                title, lines = attachment
                data = _pdf(title, patient, author, at.date(), lines)
                Attachment.create(message=message, **store_blob(
                    data, filename="conseils-alimentaires.pdf"))
        created += 1
    return created
