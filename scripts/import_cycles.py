"""Import cycles inside portal/: module-level imports only (an import inside a function runs
when it is called, after every module has loaded, so it cannot make a cycle at import time).

    .venv/bin/python scripts/import_cycles.py           prints each cycle; exit 1 if there is one
    .venv/bin/python scripts/import_cycles.py --all     counts imports inside functions too

`from package import name` counts as importing the submodule `package.name` when there is
one, else `package`; `import a.b` counts as importing a.b (not its parents: a package's
__init__ that imports its own submodules is not a cycle). A package's __init__ is the module
`package`.
"""
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules(package="portal"):
    found = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _every_import(tree):
    return (node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom)))


def _top_level_imports(tree):
    """Import nodes run at import time: the module body, and the bodies of if/try/with at
    module level (not functions, not classes' methods)."""
    stack = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, (ast.If, ast.Try, ast.With)):
            for field in ("body", "orelse", "finalbody", "handlers"):
                for child in getattr(node, field, []) or []:
                    stack.extend(child.body if isinstance(child, ast.ExceptHandler) else [child])
        elif isinstance(node, ast.ClassDef):
            stack.extend(n for n in node.body if isinstance(n, (ast.Import, ast.ImportFrom)))


def graph(found=None, deferred=False):
    """module -> the portal modules it imports (with deferred=True, also the imports inside
    functions: not a cycle at import time, but still two modules that need each other)."""
    found = found or modules()
    imports = _every_import if deferred else _top_level_imports
    edges = {name: set() for name in found}
    for name, path in found.items():
        is_package = path.name == "__init__.py"
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in imports(tree):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                if node.level:
                    base = name.split(".") if is_package else name.split(".")[:-1]
                    base = base[:len(base) - (node.level - 1)]
                    module = ".".join(base + ([node.module] if node.module else []))
                else:
                    module = node.module
                # `from package import submodule` needs the submodule; `from module import
                # name` needs the module
                targets = [f"{module}.{alias.name}" if f"{module}.{alias.name}" in found
                           else module for alias in node.names]
            for target in targets:
                if target in found and target != name:
                    edges[name].add(target)
    return edges


def cycles(edges):
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index, low, on_stack, stack, result, counter = {}, {}, set(), [], [], [0]

    def strongconnect(root):
        work = [(root, iter(sorted(edges[root])))]
        index[root] = low[root] = counter[0]
        counter[0] += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            advanced = False
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter[0]
                    counter[0] += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges[child]))))
                    advanced = True
                    break
                if child in on_stack:
                    low[node] = min(low[node], index[child])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    result.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            strongconnect(node)
    return result


def main(argv):
    found = cycles(graph(deferred="--all" in argv))
    for component in found:
        print(f"cycle of {len(component)} modules: " + ", ".join(component))
    print(f"{len(found)} import cycle(s) inside portal/")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
