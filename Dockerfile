# Taskgate in a container: gunicorn (gunicorn.conf.py) on port 5000, the same commands as the
# README. Untested here (no container engine runs on the project's machines).
#   docker build -t taskgate .
#   docker run -p 127.0.0.1:5000:5000 -v taskgate-instance:/app/instance taskgate
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    HOST=0.0.0.0 \
    PORT=5000 \
    PROMETHEUS_MULTIPROC_DIR=/tmp/taskgate-metrics

RUN useradd --system --create-home --home-dir /home/taskgate taskgate
WORKDIR /app
COPY pyproject.toml README.md LICENSE app.py gunicorn.conf.py ./
COPY actions ./actions
COPY models ./models
COPY schemas ./schemas
COPY instance/config.example.py instance/README.md ./instance/
RUN pip install -e ".[redis]" && chown -R taskgate /app/instance

USER taskgate
VOLUME ["/app/instance"]
EXPOSE 5000
HEALTHCHECK --interval=30s --timeout=5s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:5000/readyz', timeout=4)"
# init-db prints the admin key once, when it creates it ('flask --app app api-key' later).
CMD ["sh", "-c", "flask --app app init-db && exec gunicorn -c gunicorn.conf.py"]
