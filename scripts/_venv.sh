# Sourced by scripts/demo and scripts/test: create .venv and install civicgrid (with EXTRAS) when needed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "civicgrid 需要 Python 3.11 或更高版本（当前：$("$PY" --version 2>&1)）。" >&2
  exit 1
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> 创建虚拟环境 .venv"
  if ! "$PY" -m venv .venv 2>/dev/null; then
    rm -rf .venv
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
      echo "==> 安装 python3-venv(Debian/Ubuntu 默认不带 venv)"
      apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
      "$PY" -m venv .venv
    else
      echo "无法创建虚拟环境。请先安装 venv 模块：sudo apt-get install python3-venv" >&2
      exit 1
    fi
  fi
fi

stamp=".venv/.civicgrid-${EXTRAS:-base}"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> 安装依赖（${EXTRAS:-base}）"
  .venv/bin/python -m pip install --quiet --upgrade pip
  if [ -n "${EXTRAS:-}" ]; then
    .venv/bin/python -m pip install --quiet -e ".[${EXTRAS}]"
  else
    .venv/bin/python -m pip install --quiet -e .
  fi
  echo "$want" > "$stamp"
fi
