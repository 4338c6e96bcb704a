"""Import cycles inside portal/ (scripts/import_cycles.py): none at import time, and none either
counting the imports written inside functions (a deferred import is not a way around a cycle:
move what both sides need into a module of its own, as portal/request_tx.py,
portal/accounts/current.py, portal/documents/rejected.py and portal/summary/revoke.py do)."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

def _script():
    spec = importlib.util.spec_from_file_location("import_cycles",
                                                  ROOT / "scripts" / "import_cycles.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_no_import_cycle_at_import_time():
    script = _script()
    assert script.cycles(script.graph()) == []


def test_no_import_cycle_counting_imports_inside_functions():
    script = _script()
    assert script.cycles(script.graph(deferred=True)) == []


def test_each_area_makes_its_blueprint_in_its_package():
    """Route modules take `bp` from their package: a views.py that made it would be imported
    back by its sibling route modules (the cycle this replaced)."""
    script = _script()
    from portal import AREAS
    for area in AREAS:
        package = script.modules()[f"portal.{area}"]
        assert "bp = Blueprint(" in package.read_text(encoding="utf-8"), area
        for path in package.parent.glob("*.py"):
            if path.name != "__init__.py":
                assert "Blueprint(" not in path.read_text(encoding="utf-8"), path
