#!/usr/bin/env bash
# Schemathesis against the live API: start the app on a spare local port, give it a user with a
# token and a little data, fuzz every operation in /api/v1/schema/ (bounded examples), and fail on
# any 500 or any response that does not match the schema. Uses the CI env's DATABASE_URL.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# 8765 unless it is taken (other servers may run on this machine): then any free port.
PORT="${SCHEMATHESIS_PORT:-$($BIN/python -c '
import socket
def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return None
        return s.getsockname()[1]
print(free(8765) or free(0))
')}"
EXAMPLES="${SCHEMATHESIS_EXAMPLES:-20}"
export DJANGO_SETTINGS_MODULE=config.settings.test  # raised throttle rates, no DEBUG pages
LOG="$(mktemp -t hindsight-schemathesis.XXXXXX.log)"

# Outside CI, never touch the developer's own database: use a throwaway SQLite file.
if [ -z "${DATABASE_URL:-}" ]; then
  SCRATCH_DB="$(mktemp -t hindsight-schemathesis.XXXXXX.sqlite3)"
  export DATABASE_URL="sqlite:///$SCRATCH_DB"
fi
# CI's pytest run creates and drops its own test_* databases; the one named in DATABASE_URL may
# not exist yet.
$BIN/python - <<'PY'
import os

import dj_database_url
import psycopg
from psycopg import sql

config = dj_database_url.parse(os.environ["DATABASE_URL"])
if "postgresql" in config["ENGINE"]:
    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
PY
$BIN/python manage.py migrate --noinput >/dev/null
CONFIG="$(mktemp -t hindsight-schemathesis.XXXXXX.toml)"
# A superuser (sees everything), a fresh token, and one incident with an entry, a cause and an
# action item: operations on /incidents/{incident_id}/… and on those objects are pointed at them
# (config below) so the fuzzer reaches the services instead of stopping at 404.
$BIN/python manage.py shell -c '
from django.contrib.auth import get_user_model
from incidents.services import action_add, api_token_create, cause_add, incident_declare
from timeline.services import timeline_event_add

user, _ = get_user_model().objects.get_or_create(username="schemathesis")
user.is_superuser = True
user.is_active = True
user.save()
incident = incident_declare(actor=user, title="Schemathesis seed", severity="SEV3", services=["api"])
event = timeline_event_add(incident=incident, actor=user, body="Seed entry", source="api")
cause = cause_add(incident=incident, actor=user, category="software", description="Seed cause")
action = action_add(incident=incident, actor=user, title="Seed action")
_, key = api_token_create(user=user, name="schemathesis")
print(f"TOKEN={key}")
print(f"INCIDENT={incident.reference}")
print(f"EVENT={event.pk}")
print(f"CAUSE={cause.pk}")
print(f"ACTION={action.pk}")
' | grep -E "^[A-Z]+=" >"$CONFIG.env"
# shellcheck disable=SC1090
. "$CONFIG.env"
cat >"$CONFIG" <<TOML
[parameters]
"path.incident_id" = "$INCIDENT"

[[operations]]
include-path-regex = "^/api/v1/timeline-events/"
parameters = { "path.id" = $EVENT }

[[operations]]
include-path-regex = "^/api/v1/causes/"
parameters = { "path.id" = $CAUSE }

[[operations]]
include-path-regex = "^/api/v1/actions/[{]"
parameters = { "path.id" = $ACTION }
TOML

$BIN/gunicorn config.wsgi --bind "127.0.0.1:$PORT" --workers 2 --timeout 60 --log-level warning \
  >"$LOG" 2>&1 &
SERVER=$!
status=0
stop() {
  kill "$SERVER" 2>/dev/null || true
  wait "$SERVER" 2>/dev/null || true
  rm -f "$CONFIG" "$CONFIG.env" "${SCRATCH_DB:-}"
  if [ "$status" -eq 0 ]; then rm -f "$LOG"; fi
}
trap stop EXIT
for _ in $(seq 60); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER" 2>/dev/null || { echo "server did not start:"; cat "$LOG"; exit 1; }
  sleep 0.5
done

timeout 300 $BIN/schemathesis --config-file "$CONFIG" run "http://127.0.0.1:$PORT/api/v1/schema/" \
  --header "Authorization: Token $TOKEN" \
  --checks not_a_server_error,response_schema_conformance \
  --phases examples,coverage,fuzzing \
  --max-examples "$EXAMPLES" \
  --workers 2 \
  --seed 20261123 \
  --request-timeout 30 \
  --no-color || status=$?
if [ "$status" -ne 0 ]; then
  echo "--- server log ($LOG)"
  grep -A40 -E "ERROR|Traceback" "$LOG" | tail -n 200 || tail -n 50 "$LOG"
fi
exit "$status"
