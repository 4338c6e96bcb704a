#!/usr/bin/env bash
# Start the web server, the huey worker and the demo connected app (examples/tensiometre)
# together; Ctrl-C stops all three.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
"$BIN/huey_consumer" portal.tasks.huey --workers 2 --delay 0.1 --max-delay 1 --logfile instance/worker.log &
worker=$!
# Processes, threads and the access log come from gunicorn.conf.py, as for every launcher.
"$BIN/gunicorn" -c gunicorn.conf.py --bind 127.0.0.1:8000 wsgi:app &
web=$!
# The demo third-party app: one process (it keeps its tokens in memory), on the port of the
# redirect address the demo catalogue holds for it.
"$BIN/gunicorn" --bind 127.0.0.1:5001 --workers 1 --threads 4 --chdir examples/tensiometre \
  'app:create_app()' --log-level warning &
demo=$!
stop() { kill "$web" "$worker" "$demo" 2>/dev/null; wait "$web" "$worker" "$demo" 2>/dev/null; echo "Carnet stopped."; }
trap 'stop; exit 0' INT TERM
echo "Carnet runs on http://127.0.0.1:8000 (web PID $web, worker PID $worker); the demo app"
echo "« Tensiomètre connecté » on http://127.0.0.1:5001 (PID $demo). Ctrl-C stops all three."
wait -n "$web" "$worker" "$demo"
status=$?
stop
exit "$status"
