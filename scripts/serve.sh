#!/usr/bin/env bash
# Start the web server and the huey worker together; Ctrl-C stops both.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
"$BIN/huey_consumer" portal.tasks.huey --workers 2 --delay 0.1 --max-delay 1 --logfile instance/worker.log &
worker=$!
# Processes, threads and the access log come from gunicorn.conf.py, as for every launcher.
"$BIN/gunicorn" -c gunicorn.conf.py --bind 127.0.0.1:8000 wsgi:app &
web=$!
stop() { kill "$web" "$worker" 2>/dev/null; wait "$web" "$worker" 2>/dev/null; echo "Carnet stopped."; }
trap 'stop; exit 0' INT TERM
echo "Carnet runs on http://127.0.0.1:8000 (web PID $web, worker PID $worker). Ctrl-C stops both."
wait -n "$web" "$worker"
status=$?
stop
exit "$status"
