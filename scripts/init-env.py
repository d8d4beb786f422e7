"""Write .env for compose (./serve --init-env): the secrets a container install keeps.

Made once: a value already in the file is never replaced (a new TASKGATE_SECRET_KEY could
not decrypt the stored API keys), only missing ones are added. The file is mode 0600.
"""

import os
import secrets
import sys

NAMES = ("TASKGATE_SECRET_KEY", "TASKGATE_DB_PASSWORD", "MINIO_ROOT_PASSWORD")


def main(path: str) -> int:
    present = set()
    if os.path.exists(path):
        with open(path) as handle:
            present = {line.split("=", 1)[0].strip() for line in handle if "=" in line}
    missing = [name for name in NAMES if name not in present]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "a") as handle:
        for name in missing:
            handle.write(f"{name}={secrets.token_hex(32)}\n")
    if missing:
        print(f"{path}: added {', '.join(missing)} (keep this file: the secret encrypts the keys)")
    else:
        print(f"{path}: kept as it is (every secret is already set)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else ".env"))
