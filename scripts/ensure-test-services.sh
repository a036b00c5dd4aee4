#!/usr/bin/env bash
# What the test suite needs from the machine: a PostgreSQL server on 127.0.0.1:5432 (trust auth,
# user postgres), Debian's Chromium at /usr/bin/chromium, CJK fonts, and nginx (the test of several
# app processes behind it starts its own instance; the system service is not used). Installs and starts only
# what is missing (needs root for apt-get; prints what to do otherwise).
set -euo pipefail

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
  echo "需要 root 权限安装：$*" >&2; exit 1; fi; }
apt_updated=""
apt_install() {
  [ -n "$apt_updated" ] || { as_root apt-get update -qq; apt_updated=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >/dev/null
}

if ! [ -x /usr/bin/chromium ]; then
  echo "安装 Chromium（浏览器端到端测试用）…"; apt_install chromium
fi
if ! fc-list 2>/dev/null | grep -i 'CJK' >/dev/null; then  # not -q: an early exit would SIGPIPE fc-list under pipefail
  echo "安装中文字体 fonts-noto-cjk…"; apt_install fonts-noto-cjk
fi

if ! command -v nginx >/dev/null && ! [ -x /usr/sbin/nginx ]; then
  echo "安装 nginx（多应用进程部署测试用）…"; apt_install nginx
fi

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
if ! command -v pg_isready >/dev/null || ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    echo "安装 PostgreSQL…"; apt_install postgresql
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  conf=/etc/postgresql/$version/main
  if ! grep -q '^host all all 127.0.0.1/32 trust' "$conf/pg_hba.conf"; then
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$conf/pg_hba.conf"
  fi
  as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start || as_root pg_ctlcluster "$version" main start
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { echo "PostgreSQL 未能启动" >&2; exit 1; }
fi
