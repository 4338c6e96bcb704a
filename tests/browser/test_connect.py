"""Connected services in a real Chromium: the consent screen (and its error), the page leading
back to the app, "Services connectés" and the page changing a consent — axe-core, the Nu HTML
Checker, one h1, no sideways scrolling at 320 px. (The catalogue and a service's page are in
test_pages.py's crawl of the patients' pages.)

Amina connects the demo "Tensiomètre connecté" here (other files do not look at her services);
the app's redirect address is answered by the browser itself (page.route), as no app listens.
"""
from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlencode

import pytest
from playwright.sync_api import expect

from .tools import assert_recorded_pages_ok, record_page, watch

pytestmark = pytest.mark.browser

SHOTS = "test-artifacts/screenshots/services"
CALLBACK = "http://127.0.0.1:5001/callback"


def authorize_path():
    verifier = "v" * 50
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()) \
        .rstrip(b"=").decode()
    return "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": "tensiometre-demo", "redirect_uri": CALLBACK,
        "scope": "launch/patient patient/Observation.rs patient/Observation.c",
        "state": "etat-1", "code_challenge": challenge, "code_challenge_method": "S256"})


def test_consent_screen_and_connected_services_are_accessible_valid_and_fit_320px(
        context_for, server):
    page = context_for("amina")
    errors = watch(page)
    page.route("http://127.0.0.1:5001/**", lambda route: route.fulfill(
        status=200, content_type="text/html",
        body="<!doctype html><html lang=fr><link rel=icon href=\"data:,\"><title>App</title>"
             "<h1>App</h1></html>"))
    pages = {}
    page.goto(server.url(authorize_path()))
    expect(page.locator("h1")).to_have_text("Connecter « Tensiomètre connecté »")
    assert page.locator("input[name=purposes]:checked").count() == 0
    pages["consentement"] = record_page(page, f"{SHOTS}/consentement")
    page.get_by_role("button", name="Autoriser ces finalités").click()
    expect(page.locator(".error-summary")).to_be_visible()
    pages["consentement-erreur"] = record_page(page, f"{SHOTS}/consentement-erreur")
    page.get_by_label("Suivre votre tension").check()
    page.get_by_role("button", name="Autoriser ces finalités").click()
    expect(page.locator("h1")).to_have_text("Autorisation enregistrée")
    pages["autorisation-enregistree"] = record_page(page, f"{SHOTS}/autorisation-enregistree")
    page.get_by_role("link", name="Revenir à « Tensiomètre connecté »").click()
    page.wait_for_url(f"{CALLBACK}**")
    assert "code=" in page.url and "state=etat-1" in page.url
    # Back on Carnet before the route goes: whatever the app's page still asks (its icon…) is
    # answered by the route, not refused by a port where nothing listens (a console error).
    # A route left in place would hold the context open when it closes.
    page.goto(server.url("/services/connectes"))
    page.unroute_all(behavior="ignoreErrors")
    expect(page.locator("h2")).to_contain_text(["Tensiomètre connecté"])
    pages["services-connectes"] = record_page(page, f"{SHOTS}/services-connectes")
    page.get_by_role("link", name="Modifier les autorisations de « Tensiomètre connecté »") \
        .click()
    expect(page.get_by_label("Suivre votre tension")).to_be_checked()
    pages["modifier"] = record_page(page, f"{SHOTS}/modifier")
    page.goto(server.url("/services/connectes"))
    page.get_by_role("button", name="Déconnecter « Tensiomètre connecté »").click()
    expect(page.get_by_text("Aucun service n’est connecté.")).to_be_visible()
    assert_recorded_pages_ok(pages, errors)
