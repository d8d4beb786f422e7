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
# Or in an S3-compatible object store, shared by several hosts (pip install -e ".[s3]"; the
# endpoint and credentials come from the AWS_* variables; see README "Running on several hosts").
# FILES_URL = "s3://taskgate/files"
# MAX_FILE_SIZE = 25 * 1024 * 1024

# Webhooks. Receivers on loopback or private addresses are refused unless allowed (a
# single-host set-up, tests). A receiver has WEBHOOK_TIMEOUT seconds to answer; failed
# deliveries are retried after the WEBHOOK_BACKOFF delays (the last one repeats); a webhook
# pauses after WEBHOOK_PAUSE_AFTER consecutive failures. The delivery thread runs in the
# server process (WEBHOOK_WORKER = False turns it off; `flask --app app deliver-webhooks`
# runs passes from the command line instead).
# WEBHOOK_ALLOW_PRIVATE = False
# WEBHOOK_TIMEOUT = 5
# WEBHOOK_BACKOFF = [10, 30, 60, 300, 900, 1800, 3600]
# WEBHOOK_PAUSE_AFTER = 10
# WEBHOOK_WORKER = None
# WEBHOOK_POLL = 5

# Rate limits (off by default). RATE_LIMIT counts each caller's API requests (an API key, or
# the user of an access token; requests with no caller count per client IP), e.g. "60/minute"
# or "60/minute;2000/hour". RATE_LIMIT_FAILED_AUTH counts failed signatures per IP; once used
# up, that IP is refused until the window moves on. Over a limit: HTTP 429, Retry-After and
# the envelope with status_code 429. "memory://" counts per process (N workers allow N times
# the limit); "redis://127.0.0.1:6379" (pip install -e ".[redis]") shares one count between
# all processes and hosts, and RATE_LIMIT_PREFIX keeps installs sharing one Redis apart.
# RATE_LIMIT = "60/minute"
# RATE_LIMIT_FAILED_AUTH = "20/minute"
# RATE_LIMIT_STORAGE = "memory://"
# RATE_LIMIT_PREFIX = "taskgate"

# Behind a reverse proxy. PUBLIC_URL: the address clients use (the account_url of the OAuth2
# answers, the base of the URLs `flask sign-url` prints). TRUSTED_PROXIES: how many proxies
# in front set X-Forwarded-For/-Proto/-Host (0: none, the headers are ignored); the logs and
# the rate limits then see the client's address.
# PUBLIC_URL = "https://tasks.example.com"
# TRUSTED_PROXIES = 1

# /metrics (Prometheus) is open unless a token is set; a scraper then sends
# Authorization: Bearer <token>.
# METRICS_TOKEN = "a-long-random-string"
