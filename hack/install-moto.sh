#!/usr/bin/env bash
# Makes moto_server (the AWS emulator the AWS tests start on a free loopback port) available: nothing to do when it
# is on the PATH or in the usual pip/pyenv places, else it is installed with pip. Idempotent and quiet.
set -euo pipefail
log() { echo "[install-moto] $*" >&2; }

find_moto() {
  local candidate
  for candidate in "$(command -v moto_server 2>/dev/null || true)" \
      "$HOME/.pyenv/shims/moto_server" "$HOME/.local/bin/moto_server"; do
    if [[ -n $candidate && -x $candidate ]]; then echo "$candidate"; return 0; fi
  done
  return 1
}

find_moto >/dev/null && exit 0

command -v python3 >/dev/null || { log "python3 is required to install moto ('pip install moto[server]')"; exit 1; }
# inside a virtualenv pip refuses --user; elsewhere --user keeps the system Python untouched
user_flag=$(python3 -c 'import sys; print("" if sys.prefix != sys.base_prefix else "--user")')
log "installing moto[server] 5.x with pip ${user_flag}"
python3 -m pip install ${user_flag} --quiet 'moto[server]>=5.1,<6'
command -v pyenv >/dev/null && pyenv rehash 2>/dev/null || true
moto=$(find_moto) || { log "moto installed but moto_server is not on the PATH; add ~/.local/bin to PATH"; exit 1; }
log "ready: $moto"
