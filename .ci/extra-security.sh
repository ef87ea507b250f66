#!/usr/bin/env bash
# Security checks beyond the suite: known vulnerabilities in the pinned requirements (pip-audit).
#
# pip-audit asks an advisory service about every pinned package (and its dependencies): PyPI's JSON
# API by default, OSV as a fallback. Where neither can be reached (an offline or mirrored index),
# it cannot audit anything; this script then says so loudly and does not fail CI for a network
# reason. A vulnerability it does find fails CI.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin

report=$(mktemp)
trap 'rm -f "$report" "$report.err"' EXIT
set +e
$BIN/pip-audit -r requirements.txt --progress-spinner off -f json -o "$report" 2>"$report.err"
status=$?
if [ ! -s "$report" ] && grep -qiE "connection|resolve|timed out|max retries|network" "$report.err"; then
  echo "pip-audit: SKIPPED — its advisory service cannot be reached from this machine."
  echo "  The requirements were NOT audited. Run '.venv/bin/pip-audit -r requirements.txt' where it can."
  tail -n 3 "$report.err"
  exit 0
fi
set -e
$BIN/python - "$report" "$status" <<'PY'
import json, sys

path, status = sys.argv[1], int(sys.argv[2])
try:
    data = json.load(open(path))
except (OSError, ValueError):
    print(f"pip-audit did not produce a report (exit {status})")
    sys.exit(1)
deps = data.get("dependencies", [])
vulnerable = [d for d in deps if d.get("vulns")]
skipped = [d for d in deps if d.get("skip_reason")]
audited = len(deps) - len(skipped)
for dep in vulnerable:
    for vuln in dep["vulns"]:
        fixes = ", ".join(vuln.get("fix_versions", [])) or "no fix yet"
        print(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixes})")
print(f"pip-audit: {audited} packages audited, {len(skipped)} skipped, {len(vulnerable)} vulnerable")
if audited == 0:
    print("  Nothing could be audited (the advisory service does not know these packages here): not a failure.")
sys.exit(1 if vulnerable else 0)
PY
