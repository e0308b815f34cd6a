#!/bin/sh
# Container entry command: migrate (unless INNKJOPSBOT_MIGRATE_ON_START=false), then serve.
#
#   entrypoint.sh            -> innkjopsbot migrate && exec innkjopsbot serve --host 0.0.0.0 --port $PORT
#   entrypoint.sh serve ...  -> the same, extra arguments passed on to serve
#   entrypoint.sh CMD ...    -> exec innkjopsbot CMD ... (e.g. migrate, sync /mnt/register/export.csv)
#
# With several instances on one PostgreSQL the migration takes an advisory lock: one instance
# migrates, the others wait for it and then find the schema up to date.
set -eu

if [ "$#" -eq 0 ]; then
    set -- serve
fi

if [ "$1" != "serve" ]; then
    exec innkjopsbot "$@"
fi
shift

case "$(printf '%s' "${INNKJOPSBOT_MIGRATE_ON_START:-true}" | tr '[:upper:]' '[:lower:]')" in
    0|false|no|off) echo "entrypoint: INNKJOPSBOT_MIGRATE_ON_START is off, not migrating" >&2 ;;
    *) innkjopsbot migrate ;;
esac

exec innkjopsbot serve --host "${INNKJOPSBOT_HOST:-0.0.0.0}" --port "${PORT:-${INNKJOPSBOT_PORT:-3978}}" "$@"
