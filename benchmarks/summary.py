"""Ma synthèse: warm render time for a typical and a very full record, and the worker's cost.

Three HTML documents are laid out and written to PDF in this (warm) process, each several
times (after one warm-up), and the median is reported against a one-paragraph PDF rendered the
same way in the same run (the baseline). Then each record goes through the worker's real path
(`render_isolated`: a fresh child process, fonts loaded, memory limited), reporting its wall
time and the child's peak resident memory, beside the same one-paragraph PDF through that path.
"""
import statistics
import time

RUNS = 3  # the 91-page record takes seconds a render: 3 keep the bench near 10 minutes
FULL_TREATMENTS = 500


def _median_seconds(render, runs=RUNS):
    render()  # warm-up: fonts, stylesheets, first layout
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        render()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def _fill(person_id, author_id):
    """A very full record: 500 treatments, 60 vaccinations, 40 conditions, 30 allergies."""
    from datetime import date, timedelta

    from portal.profile.models import Allergy, Condition, Treatment, Vaccination
    Treatment.insert_many([{"patient": person_id, "author": author_id,
                            "name": f"Traitement {i}", "dose": "1 comprimé matin et soir",
                            "duration": "au long cours", "comment": "À prendre au repas. " * 3}
                           for i in range(FULL_TREATMENTS)]).execute()
    Vaccination.insert_many([{"patient": person_id, "author": author_id,
                              "vaccine": f"Vaccin {i}", "given_on": date(2000, 1, 1) +
                              timedelta(days=120 * i), "requirement": "recommande"}
                             for i in range(60)]).execute()
    Condition.insert_many([{"patient": person_id, "author": author_id, "name": f"Maladie {i}",
                            "comment": "Suivi régulier."} for i in range(40)]).execute()
    Allergy.insert_many([{"patient": person_id, "author": author_id, "substance": f"Produit {i}",
                          "kind": "allergie", "reaction": "Urticaire"}
                         for i in range(30)]).execute()


def rows(app):
    """Warm renders and the worker's path, each against the one-paragraph PDF."""
    from benchmarks.common import Row
    from portal.accounts.models import Account, Person
    from portal.extensions import db
    from portal.pdf import layout, render_isolated
    from portal.summary.models import SECTIONS, PrintJob
    from portal.summary.tasks import html_for

    result = []
    with app.app_context():
        db.connect(reuse_if_open=True)
        camille = Account.get(Account.email == "camille.martin@example.org")
        typical = PrintJob(patient=camille.person, requested_by=camille, kind="synthese",
                           sections=",".join(SECTIONS), language="fr")
        typical_html = html_for(typical, "self")
        full_person = Person.create(family_name="Complet", given_names="Dossier",
                                    birth_date=camille.person.birth_date, sex="F")
        _fill(full_person.id, camille.id)
        full = PrintJob(patient=full_person, requested_by=camille, kind="synthese",
                        sections=",".join(SECTIONS), language="fr")
        full_html = html_for(full, "guardian")
        baseline_html = ('<!doctype html><html lang="fr"><head><meta charset="utf-8">'
                         '<title>Essai</title><link rel="stylesheet" href="pdf/summary.css">'
                         '</head><body><main><h1>Essai</h1><p>Bonjour.</p></main></body></html>')
        static = app.static_folder
        records = (("typical record (Camille)", typical_html),
                   (f"very full record ({FULL_TREATMENTS} treatments)", full_html))

        def pdf_of(html):
            document = layout(html, static)
            return document.write_pdf(pdf_variant="pdf/ua-1"), len(document.pages)

        base = _median_seconds(lambda: pdf_of(baseline_html))
        for label, html in records:
            pages = pdf_of(html)[1]
            seconds = _median_seconds(lambda html=html: pdf_of(html))
            result.append(Row(f"Ma synthèse PDF/UA-1, {label}, warm render ({pages} pages)",
                              f"{seconds * 1000:.1f} ms",
                              f"{base * 1000:.1f} ms (one-paragraph PDF)", seconds / base))

        limits = {"static_root": static, "timeout": app.config["SUMMARY_RENDER_TIMEOUT"],
                  "memory_mb": app.config["SUMMARY_RENDER_MEMORY_MB"]}
        base_job = render_isolated(baseline_html, **limits)
        for label, html in records:
            job = render_isolated(html, **limits)
            result.append(Row(
                f"Ma synthèse, {label}, worker's child process ({job.pages} pages, "
                f"{len(job.pdf) / 1024:.0f} KB)",
                f"{job.seconds * 1000:.0f} ms, peak {job.peak_kb / 1024:.1f} MB",
                f"{base_job.seconds * 1000:.0f} ms, peak {base_job.peak_kb / 1024:.1f} MB "
                "(one-paragraph PDF)", job.seconds / base_job.seconds))
        db.close()
    return result
