"""PostgreSQL connections: what a request pays to get one, the app's way, against a new one.

Measured: the app's own database object (portal.db.open_database, as create_app builds it):
connect, SELECT 1, close, as a request does. Baseline: a brand-new psycopg2 connection each
time (connect, SELECT 1, close), which is what a request pays without a pool. The goal is a
pool: a checkout costs a small fraction (here: at most a tenth) of a new connection.
"""
import os
import statistics
import time

from benchmarks.common import Row

RUNS = int(os.environ.get("BENCH_CONNECTION_RUNS", "200"))
GOAL = 0.1


def _median_ms(step, runs=RUNS):
    for _ in range(5):
        step()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def rows(database_url):
    import psycopg2
    from playhouse.pool import PooledDatabase

    from portal.db import open_database

    def fresh():
        connection = psycopg2.connect(database_url)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        connection.close()

    database = open_database(database_url)

    def app_way():
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1")
        database.close()

    baseline = _median_ms(fresh)
    measured = _median_ms(app_way)
    pooled = isinstance(database, PooledDatabase)
    if pooled:
        database.close_all()
    ratio = measured / baseline
    kind = type(database).__name__
    return [Row(f"PostgreSQL connection for a request ({kind})", f"{measured:.3f} ms",
                f"{baseline:.3f} ms (new connection)", ratio, f"a pool, ≤ {GOAL}×",
                pooled and ratio <= GOAL)]
