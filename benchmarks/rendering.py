"""CPU per request with and without the rendering shortcuts (portal/rendering.py), in-process.

    python -m benchmarks.rendering [fr|en]

Camille (demo, SQLite) reads the four pages of the throughput figure (dossier, documents,
agenda, documents as an htmx fragment) through the Flask test client. For each page, runs of
BENCH_RENDER_REQUESTS requests (300) alternate Flask-Babel's and Flask's own callables
(`rendering.stock`), the shortcuts without folded translations (`rendering.fold(app, False)`)
and all the shortcuts (`rendering.init_app`), three of each; the table gives
the median CPU time per request (`time.process_time`: other processes on the machine weigh
less on it than on wall time). The menus' lazy labels go through the shortcut in both.
"""
import os
import shutil
import statistics
import sys
import time

from .common import TOKEN_RE, logged_in_client, seeded_sqlite

PAGES = [("dossier", "/dossier/", {}), ("documents", "/dossier/documents/", {}),
         ("agenda", "/agenda/", {}),
         ("htmx fragment (documents)", "/dossier/documents/", {"HX-Request": "true"})]
RUNS = 3


def rows(lang="fr", requests=None):
    from portal import rendering
    from portal.extensions import babel
    requests = requests or int(os.environ.get("BENCH_RENDER_REQUESTS", "300"))
    app, folder = seeded_sqlite()
    client = logged_in_client(app, "camille.martin@example.org")
    if lang != "fr":
        page = client.get("/accessibilite")
        client.post("/langue", data={"lang": lang,
                                     "csrf_token": TOKEN_RE.search(page.data).group(1).decode()})
        assert f'<html lang="{lang}"' in client.get("/dossier/").get_data(as_text=True)
    found = []
    for figure, path, headers in PAGES:
        times = {"stock": [], "unfolded": [], "shortcuts": []}
        for _ in range(RUNS):
            for mode, spent in times.items():
                (rendering.stock if mode == "stock" else rendering.init_app)(app, babel)
                if mode == "unfolded":
                    rendering.fold(app, False)
                for _ in range(20):  # warm: catalogs, templates, prepared queries
                    assert client.get(path, headers=headers).status_code == 200
                start = time.process_time()
                for _ in range(requests):
                    client.get(path, headers=headers)
                spent.append((time.process_time() - start) / requests * 1000)
        stock, fast = statistics.median(times["stock"]), statistics.median(times["shortcuts"])
        found.append({"figure": figure, "path": path, "lang": lang, "stock_ms": round(stock, 2),
                      "unfolded_ms": round(statistics.median(times["unfolded"]), 2),
                      "shortcuts_ms": round(fast, 2), "ratio": round(fast / stock, 3)})
    rendering.init_app(app, babel)
    shutil.rmtree(folder, ignore_errors=True)
    return found


def main(argv):
    lang = argv[0] if argv else "fr"
    print(f"| page ({lang}) | CPU ms/request, stock | shortcuts, translations not folded | "
          "all shortcuts | ratio |")
    print("|---|---|---|---|---|")
    for row in rows(lang):
        print(f"| {row['figure']} | {row['stock_ms']} | {row['unfolded_ms']} | "
              f"{row['shortcuts_ms']} | {row['ratio']:.3f}× |")


if __name__ == "__main__":
    main(sys.argv[1:])
