#!/usr/bin/env bash
# `make demo`: keys, database, demo district and accounts (each only once), then the task
# worker and the web server. A second run reuses everything and starts in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
PORT=${PORT:-8000}
mkdir -p var

if [ ! -f var/demo.env ]; then
  echo "生成演示环境密钥 var/demo.env"
  "$PY" - > var/demo.env <<'PYEOF'
import base64, os, secrets
print(f"DJANGO_SECRET_KEY={secrets.token_urlsafe(50)}")
print(f"MINZHENG_FIELD_KEY={base64.urlsafe_b64encode(os.urandom(32)).decode()}")
PYEOF
  chmod 600 var/demo.env
fi
set -a
. var/demo.env
set +a
export MINZHENG_DEMO=1

"$PY" manage.py migrate --noinput -v 0
"$PY" manage.py demo_setup --scale "${DEMO_SCALE:-0.02}"

"$PY" manage.py worker &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true' EXIT INT TERM
echo
echo "minzheng 演示站点：http://127.0.0.1:${PORT}/  （Ctrl+C 停止）"
"$PY" manage.py runserver "127.0.0.1:${PORT}" --noreload
