#!/usr/bin/env bash
# Health of a deployment: every app process (ports as arguments, default 8501 8502) and nginx.
#   deploy/check-health.sh [--proxy http://127.0.0.1] [PORT ...]
set -uo pipefail
proxy="http://127.0.0.1"
if [ "${1:-}" = "--proxy" ]; then proxy="$2"; shift 2; fi
ports=("$@"); [ ${#ports[@]} -gt 0 ] || ports=(8501 8502)
failed=0
for port in "${ports[@]}"; do
  if curl -fsS -m 5 "http://127.0.0.1:$port/_stcore/health" >/dev/null; then echo "应用进程 $port：正常"
  else echo "应用进程 $port：无响应"; failed=1; fi
done
if curl -fsS -m 5 "$proxy/healthz" >/dev/null; then echo "nginx（$proxy）：正常"
else echo "nginx（$proxy）：无响应"; failed=1; fi
exit $failed
