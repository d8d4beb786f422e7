#!/usr/bin/env bash
# Local images for the container test (tests/containers/) on a machine that reaches Debian's
# mirror and PyPI but no container registry: a Debian base made by debootstrap, and stand-ins
# for the official images the Dockerfile and compose files name (python:3.11-slim, postgres:15,
# redis:7, caddy:2, minio/minio, minio/mc), built FROM that base and tagged with those names.
# Images already present are kept (--rebuild builds them again). Needs root, podman, runc and
# debootstrap; the settings podman needs here are in scripts/containers.conf.
set -euo pipefail
cd "$(dirname "$0")"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/containers.conf}"
export BUILDAH_FORMAT=docker  # OCI images drop HEALTHCHECK
rebuild="${1:-}"

have() { [ "$rebuild" != --rebuild ] && podman image exists "$1"; }

if ! have localhost/debian:bookworm; then
    echo "== localhost/debian:bookworm (debootstrap)"
    rootfs="$(mktemp -d)"
    trap 'rm -rf "$rootfs"' EXIT
    mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null \
              || true)"
    debootstrap --variant=minbase bookworm "$rootfs" "${mirror:-http://deb.debian.org/debian}" \
        >/dev/null
    if [ -f /etc/apt/sources.list.d/debian.sources ]; then
        cp /etc/apt/sources.list.d/debian.sources "$rootfs/etc/apt/sources.list.d/"
        rm -f "$rootfs/etc/apt/sources.list"
    fi
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import - localhost/debian:bookworm >/dev/null
    rm -rf "$rootfs"
fi

build() {  # TAG FOLDER [more tags]
    local tag="$1" folder="$2"
    shift 2
    if have "$tag"; then return; fi
    echo "== $tag (standins/$folder)"
    podman build -q -t "$tag" "${@/#/--tag=}" "standins/$folder" >/dev/null
}

rm -rf standins/python/certs && mkdir -p standins/python/certs
cp /usr/local/share/ca-certificates/*.crt standins/python/certs/ 2>/dev/null || true
build docker.io/library/python:3.11-slim python
build docker.io/library/postgres:15 postgres
build docker.io/library/redis:7 redis
build docker.io/library/caddy:2 caddy
build docker.io/minio/minio:latest minio docker.io/minio/mc:latest
rm -rf standins/python/certs
