"""Put and get of one object on the disk store and on a local SeaweedFS S3 server (the one the
tests start), for the README's numbers. Not part of `make bench`:

    .venv/bin/python -m benchmarks.storage [--size-kb 1024] [--rounds 50]

Prints the server's start time, then the median and 90th percentile of put and get for each
backend, and the S3/disk ratio. Times are wall clock in this process, through the storage
interface the app uses (portal/storage.py): the disk's put includes its two fsyncs.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))


def timed(operation, rounds):
    times = []
    for number in range(rounds):
        began = time.perf_counter()
        operation(number)
        times.append(time.perf_counter() - began)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.9) - 1]


def measure(store, data, rounds):
    store.put("bench/warm-up.bin", data)  # connection pool, directories
    store.get("bench/warm-up.bin")
    put = timed(lambda n: store.put(f"bench/{n:04d}.bin", data), rounds)
    get = timed(lambda n: store.get(f"bench/{n:04d}.bin"), rounds)
    for number in range(rounds):
        store.delete(f"bench/{number:04d}.bin")
    return put, get


def main():
    from s3server import start_s3

    from portal.storage import DiskStorage, S3Storage
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-kb", type=int, default=1024)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    data = os.urandom(args.size_kb * 1024)
    with tempfile.TemporaryDirectory(prefix="carnet-bench-storage-") as folder:
        server = start_s3(Path(folder) / "s3")
        try:
            print(f"SeaweedFS up (signed PUT answered) in {server.started_in:.2f} s")
            stores = {
                "disk": DiskStorage(Path(folder) / "disk"),
                "s3 (SeaweedFS)": S3Storage(server.bucket, "bench",
                                            endpoint_url=server.endpoint_url,
                                            access_key=server.access_key,
                                            secret_key=server.secret_key),
            }
            results = {name: measure(store, data, args.rounds) for name, store in stores.items()}
        finally:
            server.stop()
    print(f"\n{args.size_kb} KB object, {args.rounds} rounds; median / p90 in ms")
    print(f"{'backend':<16} {'put':>16} {'get':>16}")
    for name, ((put, put90), (get, get90)) in results.items():
        print(f"{name:<16} {put * 1000:7.2f} / {put90 * 1000:6.2f} "
              f"{get * 1000:7.2f} / {get90 * 1000:6.2f}")
    (disk_put, _), (disk_get, _) = results["disk"]
    (s3_put, _), (s3_get, _) = results["s3 (SeaweedFS)"]
    print(f"{'s3 / disk':<16} {s3_put / disk_put:15.1f}x {s3_get / disk_get:15.1f}x")


if __name__ == "__main__":
    main()
