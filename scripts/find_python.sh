#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter (Rasa Open Source 3.6 supports 3.8-3.10;
# this project pins 3.10). Looks at $PYTHON, then python3.10 on PATH, then pyenv's versions.
# Exits 1 with a clear message when none is found.
set -u

works() {
  [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1
}

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
pyenv_root="${PYENV_ROOT:-}"
[ -z "$pyenv_root" ] && command -v pyenv >/dev/null 2>&1 && pyenv_root="$(pyenv root 2>/dev/null)"
[ -z "$pyenv_root" ] && pyenv_root="$HOME/.pyenv"
for dir in "$pyenv_root"/versions/3.10*; do
  [ -x "$dir/bin/python3.10" ] && candidates+=("$dir/bin/python3.10")
done
candidates+=(/usr/bin/python3.10 /usr/local/bin/python3.10)

for c in "${candidates[@]}"; do
  # pyenv's shim exists on PATH even when the active version is another one; `works` runs it.
  if works "$c"; then
    "$c" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done

cat >&2 <<'MSG'
error: Python 3.10 was not found.
Rasa Open Source 3.6 runs on Python 3.8-3.10 and this project pins 3.10.
Install it, then run the command again, for example:
  pyenv install 3.10        (with pyenv; no need to make it the global version)
  apt-get install python3.10 python3.10-venv   (where your distribution ships it)
or point PYTHON at an interpreter:  make run PYTHON=/path/to/python3.10
MSG
exit 1
