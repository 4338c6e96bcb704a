"""The proxies area keeps its rules apart from its pages: domain modules (delegations,
guardians, mandates) hold the rules, e-mails, PDFs and huey tasks; `*_routes` modules hold the
pages. Queued tasks in production name their task by module path, so those names must not
move with the code."""
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Names under which huey stores queued and periodic tasks (module path + function name).
TASK_NAMES = ("portal.proxies.delegations.store_attestations",
              "portal.proxies.delegations.expire_delegation_invitations",
              "portal.proxies.guardians.daily_guardianships",
              "portal.proxies.mandates.store_mandate_document")

DOMAIN = ("portal.proxies.delegations", "portal.proxies.guardians", "portal.proxies.mandates")


def _graph():
    spec = importlib.util.spec_from_file_location("import_cycles",
                                                  ROOT / "scripts" / "import_cycles.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return script.graph(deferred=True)


@pytest.mark.parametrize("name", TASK_NAMES)
def test_queued_task_names_still_resolve(name):
    import portal.tasks  # noqa: F401  (the consumer's entry point registers every task)
    from portal.extensions import huey
    task_class = huey._registry.string_to_task(name)
    assert f"{task_class.__module__}.{task_class.__name__}" == name


def test_proxy_domain_modules_know_no_page():
    """No blueprint, no request, no rendering in the domain modules: what a page needs (the
    open space, the account acting) is passed to them."""
    edges = _graph()
    for module in DOMAIN:
        assert not edges[module] & {"portal.proxies", "portal.htmx", "portal.proxies.views"}, \
            module
        assert not any(m.endswith("_routes") for m in edges[module]), module
        source = (ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8")
        for name in ("current_user", "flash(", "redirect(", "@bp.route", "g.space"):
            assert name not in source, (module, name)


def test_other_areas_import_only_the_proxies_domain():
    """Other areas (operator, lifecycle, formatting…) use the domain modules, never the
    proxies' route modules."""
    from portal import ROUTE_MODULES
    pages = {f"portal.proxies.{m}" for m in ROUTE_MODULES["proxies"]}
    for module, targets in _graph().items():
        if not module.startswith("portal.proxies"):
            assert not targets & pages, module
