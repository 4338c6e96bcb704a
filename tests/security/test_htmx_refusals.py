"""htmx and refusals (issue 13, item 7): htmx is told to swap every 4xx answer (the layout's
responseHandling), and a whole page answered to a request that targeted part of the page
(an error page, a refused page-level form) replaces the body instead of landing in the
fragment's target. The browser side: tests/browser/test_refusals.py."""
import json
import re

HTMX = {"HX-Request": "true"}
TARGETED = {**HTMX, "HX-Target": "resultats"}
BOOSTED = {**HTMX, "HX-Boosted": "true"}


def htmx_config(page):
    meta = re.search(r'<meta name="htmx-config" content=\'([^\']+)\'>', page)
    return json.loads(meta.group(1))


def test_htmx_swaps_every_4xx_answer_and_no_5xx(client):
    config = htmx_config(client.get("/connexion").get_data(as_text=True))
    rules = config["responseHandling"]

    def rule(status):
        return next(r for r in rules if re.fullmatch(r["code"], str(status)))
    for status in (400, 403, 404, 409, 413, 422, 429):
        assert rule(status)["swap"] is True and rule(status).get("error") is False, status
    assert rule(500)["swap"] is False and rule(500)["error"] is True
    assert rule(204)["swap"] is False and rule(200)["swap"] is True
    assert config["allowEval"] is False and config["selfRequestsOnly"] is True


def test_an_error_page_answered_to_a_targeted_request_replaces_the_body(ctx, login_as):
    jean = login_as("jean")
    response = jean.get("/dossier/documents/999999", headers=TARGETED)
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "body"
    assert response.headers["HX-Reswap"] == "innerHTML"
    assert response.headers["HX-Reselect"] == "unset"  # not cut by the form's hx-select


def test_a_boosted_request_keeps_its_own_target(ctx, login_as):
    response = login_as("jean").get("/dossier/documents/999999", headers=BOOSTED)
    assert response.status_code == 404 and "HX-Retarget" not in response.headers


def test_a_fragment_and_a_success_are_left_alone(ctx, login_as):
    jean = login_as("jean")
    fragment = jean.get("/dossier/documents/?q=bilan", headers=TARGETED)
    assert fragment.status_code == 200 and "HX-Retarget" not in fragment.headers
    assert not fragment.get_data(as_text=True).lstrip().lower().startswith("<!doctype")
