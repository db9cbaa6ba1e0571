#!/usr/bin/env bash
# Print the path of a working python<VERSION> (e.g. 3.13), looking on PATH and in pyenv.
set -euo pipefail
version="$1"
if command -v "python$version" >/dev/null 2>&1 && "python$version" -c 'pass' 2>/dev/null; then
  command -v "python$version"; exit 0
fi
if command -v pyenv >/dev/null 2>&1; then
  for candidate in $(pyenv root)/versions/"$version"*/bin/"python$version"; do
    [ -x "$candidate" ] && { echo "$candidate"; exit 0; }
  done
fi
echo "python$version not found: install it (e.g. pyenv install $version)" >&2
exit 1
