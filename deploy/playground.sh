#!/usr/bin/env bash
# Chat with the bot without Teams: run `innkjopsbot serve` and the Microsoft 365 Agents
# Playground (an offline Teams emulator) side by side. Ctrl-C stops both.
#
#   bash deploy/playground.sh [PORT]        # or: make playground [PORT=3978]
#
# Then open http://localhost:56150 in a browser (the personal chat with "Test Bot").
#
# - The Playground (npm @microsoft/m365agentsplayground, pinned in deploy/playground/package.json)
#   is installed once into deploy/playground/node_modules.
# - The bot uses the database from your settings (INNKJOPSBOT_DATABASE_URL / .env; default
#   sqlite:///innkjopsbot.db, as `make run` leaves it). If its agreement index is empty, the demo
#   register is synced first.
# - The bot runs anonymous here (MICROSOFT_APP_ID/MICROSOFT_APP_PASSWORD blanked for this process
#   only): the Playground sends no tokens. Never expose this port.
#
# Environment: PLAYGROUND_PORT (default 56150), VENV_BIN (default .venv/bin).
set -euo pipefail

PORT="${1:-${PORT:-3978}}"
PLAYGROUND_PORT="${PLAYGROUND_PORT:-56150}"
PLAYGROUND_VERSION="0.2.28"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${VENV_BIN:-$ROOT/.venv/bin}"
DIR="$ROOT/deploy/playground"
PACKAGE="$DIR/node_modules/@microsoft/m365agentsplayground"

fail() { echo "playground: $*" >&2; exit 1; }

[[ "$PORT" =~ ^[0-9]+$ ]] || fail "PORT must be a number (got '$PORT')"
command -v node >/dev/null || fail "node is not installed (Node.js 18 or newer is needed; e.g. apt-get install nodejs npm)"
command -v npm >/dev/null || fail "npm is not installed (e.g. apt-get install npm)"
[[ -x "$BIN/innkjopsbot" ]] || fail "$BIN/innkjopsbot not found: run 'make run' (or 'make venv') first"

# 1. The Playground, installed once (and again only when the pinned version changes).
installed="$(node -p "require('$PACKAGE/package.json').version" 2>/dev/null || true)"
if [[ "$installed" != "$PLAYGROUND_VERSION" ]]; then
    echo "Installing @microsoft/m365agentsplayground@$PLAYGROUND_VERSION into $DIR/node_modules …"
    (cd "$DIR" && npm install --no-audit --no-fund --loglevel=error) \
        || fail "npm install failed (is the npm registry reachable?)"
fi

# 2. The database: migrated, and the demo register synced if the index is still empty.
cd "$ROOT"
"$BIN/innkjopsbot" migrate >/dev/null
index_version="$("$BIN/python" - <<'PY'
from agreements_sync.index import current_index_version
from bot.db import Database
from bot.settings import load_settings

print(current_index_version(Database(load_settings().database_url).engine))
PY
)"
if [[ "$index_version" == "0" ]]; then
    echo "The agreement index is empty: syncing the demo register (demo/avtaleregister-demo.csv) …"
    "$BIN/innkjopsbot" sync demo/avtaleregister-demo.csv --trigger demo
fi

# 3. The bot (anonymous for the Playground) and the Playground; Ctrl-C stops both.
BOT_PID=""
PLAYGROUND_PID=""
cleanup() {
    trap - INT TERM EXIT
    [[ -n "$PLAYGROUND_PID" ]] && kill "$PLAYGROUND_PID" 2>/dev/null || true
    [[ -n "$BOT_PID" ]] && kill "$BOT_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    echo "playground: stopped the bot and the Playground"
}
trap cleanup INT TERM EXIT

# anonymous mode answers only at the Playground's service URL
MICROSOFT_APP_ID="" MICROSOFT_APP_PASSWORD="" \
    INNKJOPSBOT_DEV_SERVICE_URLS="${INNKJOPSBOT_DEV_SERVICE_URLS:-http://localhost:$PLAYGROUND_PORT,http://127.0.0.1:$PLAYGROUND_PORT}" \
    "$BIN/innkjopsbot" serve --port "$PORT" &
BOT_PID=$!

echo "Waiting for the bot on http://127.0.0.1:$PORT/healthz …"
for _ in $(seq 1 120); do
    if "$BIN/python" -c "import sys, urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=1); sys.exit(0)" 2>/dev/null; then
        break
    fi
    kill -0 "$BOT_PID" 2>/dev/null || fail "innkjopsbot serve exited (see its messages above)"
    sleep 0.5
done
"$BIN/python" -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$PORT/healthz', timeout=2)" 2>/dev/null \
    || fail "the bot did not answer on http://127.0.0.1:$PORT/healthz within 60 s"

TEAMSAPPTESTER_BROWSER=none node "$PACKAGE/cli.js" \
    -e "http://127.0.0.1:$PORT/api/messages" -c msteams -p "$PLAYGROUND_PORT" --disable-telemetry &
PLAYGROUND_PID=$!

cat <<EOF

  Bot:        http://127.0.0.1:$PORT/api/messages (anonymous, local only)
  Playground: open http://localhost:$PLAYGROUND_PORT in a browser
              (if that port was taken, the Playground prints the one it chose above)
  Try:        "Har vi avtale på kontorstoler?", "hjelp", or the compose-box search
  Ctrl-C stops both.

EOF

# Stop both as soon as either of them stops.
wait -n "$BOT_PID" "$PLAYGROUND_PID" || true
