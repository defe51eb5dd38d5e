#!/usr/bin/env bash
# Create (or refresh) the Python venv used by the KFP conformance tests and
# print its python path on the last line of stdout.
#
#   VERTEX_KFP_VENV    venv directory (default: <repo>/target/kfp-venv)
#   VERTEX_KFP_PYTHON  interpreter that creates it (default: python3). An
#                      existing venv keeps the interpreter it was made with.
#
# The venv is created when it is missing or its python no longer runs, and
# tests/kfp/requirements.txt is installed into it whenever the file changed
# since the last install (a sha256 stamp is kept inside the venv).
# Otherwise nothing is done.
# Concurrent callers are serialised with flock when it is available.
# Everything except the final path goes to stderr.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
requirements="$repo/tests/kfp/requirements.txt"
venv=${VERTEX_KFP_VENV:-$repo/target/kfp-venv}
python=${VERTEX_KFP_PYTHON:-python3}

die() { echo "kfp-venv.sh: $*" >&2; exit 1; }

[[ -f $requirements ]] || die "requirements file not found: $requirements"
command -v "$python" >/dev/null || die "python not found: '$python' (install python3 or set VERTEX_KFP_PYTHON)"

mkdir -p "$(dirname "$venv")"
venv=$(cd "$(dirname "$venv")" && pwd)/$(basename "$venv")
venv_python=$venv/bin/python
stamp=$venv/.requirements.sha256

if command -v flock >/dev/null; then
    exec 9>"$venv.lock"
    flock 9
fi

runs() { [[ -x $venv_python ]] && "$venv_python" -c '' 2>/dev/null; }

wanted=$(sha256sum "$requirements" | cut -d' ' -f1)
if [[ -f $stamp && $(cat "$stamp") == "$wanted" ]] && runs; then
    echo "$venv_python"
    exit 0
fi

echo "kfp-venv.sh: preparing $venv" >&2
if ! runs; then
    if [[ -e $venv && ! -f $venv/pyvenv.cfg && -n $(ls -A "$venv") ]]; then
        die "$venv exists but is not a venv; remove it or set VERTEX_KFP_VENV"
    fi
    # --clear rebuilds a venv whose interpreter no longer runs. Debian without
    # python3-venv lacks ensurepip, so the venv is then made without pip.
    if "$python" -c 'import ensurepip' 2>/dev/null; then
        "$python" -m venv --clear "$venv" >&2
    else
        echo "kfp-venv.sh: ensurepip missing, creating the venv without pip" >&2
        "$python" -m venv --clear --without-pip "$venv" >&2
    fi
fi
rm -f "$stamp"
pip_args=(install --quiet --disable-pip-version-check --no-input -r "$requirements")
if "$venv_python" -m pip --version >/dev/null 2>&1; then
    "$venv_python" -m pip "${pip_args[@]}" >&2
else
    # pip 22.3 and later can install into another interpreter with --python.
    "$python" -m pip --python "$venv_python" "${pip_args[@]}" >&2
fi
echo "$wanted" >"$stamp"
echo "$venv_python"
