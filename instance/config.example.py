# Copy to instance/config.py. Every setting can also come from an environment variable
# prefixed TASKGATE_ (e.g. TASKGATE_DATABASE_URL), which wins over this file.

# SQLite file (default: instance/taskgate.sqlite) or PostgreSQL:
# DATABASE_URL = "postgresql://taskgate@127.0.0.1:5432/taskgate"

# Fix the admin API key of a fresh install (automation); otherwise one is generated.
# API_KEY = "7776461cd931e7b1c8e9632ff8e979ce"

# The account owner created on first start.
# OWNER_EMAIL = "owner@example.com"

# Seconds of clock difference allowed for timestamped signatures (Admin header, time=).
# AUTH_CLOCK_SKEW = 300

# Accept the legacy md5(page + action + key) hash (it signs no other parameter).
# LEGACY_HASH = True

# Request limits, in bytes.
# MAX_CONTENT_LENGTH = 32 * 1024 * 1024
# MAX_FORM_MEMORY_SIZE = 1024 * 1024

# Uploaded files (stored once per content, by SHA-256; default: instance/files) and the size
# limit of one uploaded file, in bytes (keep it below MAX_CONTENT_LENGTH).
# FILES_DIR = "/var/lib/taskgate/files"
# MAX_FILE_SIZE = 25 * 1024 * 1024
