# Taskgate in a container: gunicorn (gunicorn.conf.py) on $PORT (5000), the same commands as
# ./serve. Built and run by tests/containers/ (docs/production.md, "Containers").
#   docker build -t taskgate .
#   docker run -p 127.0.0.1:5000:5000 -e TASKGATE_SECRET_KEY=... -v taskgate-instance:/app/instance taskgate
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=5000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/taskgate-metrics \
    # below `docker stop`'s 10 s, so that a stop lets the workers finish their requests
    TASKGATE_GRACEFUL_TIMEOUT=8

# A numeric user: orchestrators that refuse root (runAsNonRoot) can check it.
RUN useradd --uid 10001 --user-group --no-create-home --home-dir /app --shell /usr/sbin/nologin taskgate
WORKDIR /app

# The pinned dependencies first (with the s3 and redis extras): a code change rebuilds only
# the layers below this one.
COPY requirements/server.txt requirements/server.txt
RUN pip install --require-hashes --no-deps -r requirements/server.txt

COPY pyproject.toml README.md LICENSE CHANGELOG.md app.py gunicorn.conf.py ./
COPY actions ./actions
COPY models ./models
COPY schemas ./schemas
COPY instance/config.example.py instance/README.md ./instance/
RUN chown 10001:10001 /app/instance && chmod 0700 /app/instance

USER 10001:10001
VOLUME ["/app/instance"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/readyz' % os.environ.get('PORT', '5000'), timeout=4)"
# init-db prints the admin key once, when it creates it ('flask --app app api-key' later).
# The preflight says a configuration mistake in one line (docs/production.md).
CMD ["sh", "-c", "python -m actions.cli.preflight && flask --app app init-db && exec gunicorn -c gunicorn.conf.py"]
