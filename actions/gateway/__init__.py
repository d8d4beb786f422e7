"""How a request reaches an action: the only part of Taskgate that knows Flask.

``init_app`` wires the hooks (in the order they run), the URL rules and the error handlers.
One API request then goes through :mod:`.views`: read (:mod:`.params`), authenticate
(:mod:`.signatures`, :mod:`.signed_urls` or :mod:`.tokens`), admit (:mod:`.rate_limits`),
run once (:mod:`.idempotency`, then the registry), answer (the envelope).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, g
from flask.ctx import RequestContext
from flask.sessions import SessionInterface
from werkzeug.exceptions import HTTPException
from werkzeug.routing import Rule

from actions.gateway import (
    docs_routes,
    guard,
    guide,
    headers,
    health,
    hooks,
    landing,
    login,
    logs,
    metrics,
    oauth,
    openapi,
    proxy,
    rate_limits,
    redaction,
    server_errors,
    views,
)
from models.base import db
from schemas.envelope import ApiError, TooManyRequests

API_PATHS = ("/api/admin/v2", "/api/admin/v2/", "/api/admin/v2.1", "/api/admin/v2.1/")
V1_PATHS = ("/api/admin", "/api/admin/")  # the v1 path: 2018-2019 clients
USER_PATHS = ("/api/oauth2", "/api/oauth2/")
ACTION_PATH = "/api/admin/v2/<action>"  # one path per action, for OpenAPI generators


class NoSessions(SessionInterface):
    """The API has no browser sessions: no cookie is read or signed (Flask's default builds a
    signing serializer on every request, a tenth of a refused signature's cost)."""

    def open_session(self, app, request):
        return None  # Flask then uses its NullSession, which refuses writes

    def save_session(self, app, session, response):
        return None


def init_app(app: Flask) -> None:
    app.session_interface = NoSessions()
    # Hooks. A liveness probe answers first, before a database session or a rate limit.
    app.before_request(begin)  # the request id and start time, a probe's answer
    guard.init_app(app)  # failed passwords and client secrets, counted per account and address
    if rate_limits.configure(app):
        app.before_request(rate_limits.count_by_ip)
    app.teardown_request(close_db)
    redaction.install(app)  # hash=, signature=, access_token= masked in the logs
    logs.configure(app)  # JSON lines on stderr
    logs.count_statements(db.obj)
    app.after_request(end)  # the headers, the metrics, the request's log line
    metrics.install(app)  # /metrics
    proxy.install(app)  # TRUSTED_PROXIES: the client's address from X-Forwarded-For
    server_errors.answer_in_envelope()  # gunicorn's own 400/414 answers as the JSON envelope

    # URL rules.
    add_rules(app, API_PATHS, "api", views.api)
    add_rules(app, V1_PATHS, "api_v1", views.api_v1)
    add_rules(app, USER_PATHS, "user_api", views.user_api)
    app.add_url_rule(ACTION_PATH, "api_path", views.api_path, methods=["GET", "POST"])
    app.add_url_rule("/healthz", "healthz", health.healthz)
    app.add_url_rule("/readyz", "readyz", health.readyz)
    app.register_blueprint(oauth.bp)  # /oauth2/*
    app.register_blueprint(openapi.bp)  # /openapi.json, /docs
    app.add_url_rule("/docs/<resource>", "docs_resource", docs_routes.resource_page)
    app.register_blueprint(guide.bp)  # /guide/: the built guide site
    app.add_url_rule("/", "landing", landing.landing)
    app.register_blueprint(login.bp)  # /api/v1/login (Trudesk's password login)
    app.register_blueprint(hooks.bp)  # /hooks/<token>: inbound hooks

    # Error handlers: every failure answers with the error envelope, none with a traceback.
    app.register_error_handler(TooManyRequests, rate_limits.too_many)
    app.register_error_handler(ApiError, views.api_error)
    app.register_error_handler(HTTPException, views.http_error)
    app.register_error_handler(Exception, views.unexpected)


def add_rules(app: Flask, paths: tuple[str, ...], endpoint: str, view) -> None:
    for path in paths:
        app.add_url_rule(path, endpoint if path == paths[0] else None, view,
                         methods=["GET", "POST"], strict_slashes=False)
    app.extensions.setdefault(KNOWN_PATHS, {}).update(
        (rule.rule, rule) for rule in app.url_map.iter_rules() if rule.rule in paths)


KNOWN_PATHS = "taskgate.known_paths"  # app.extensions: the API's own paths and their rules
KNOWN_METHODS = ("GET", "POST")
KNOWN_RULE = "taskgate.known_rule"  # the WSGI environ: the rule found by the request's path


class KnownPathContext(RequestContext):
    """A GET or POST to one of the API's own paths: its rule is found by the path, not by a
    search of the URL map (a tenth of Flask's own cost per request), and the URL map is bound
    to it only if it builds a URL (:func:`url_adapter`)."""

    def __init__(self, app: Flask, environ: dict, rule: Rule) -> None:
        environ[KNOWN_RULE] = rule  # read by match_request and url_adapter
        super().__init__(app, environ)

    def match_request(self) -> None:
        self.request.url_rule, self.request.view_args = self.request.environ[KNOWN_RULE], {}


def request_context(app: Flask, environ: dict) -> RequestContext:
    """The context of one request (``Flask.request_context``)."""
    rule = app.extensions.get(KNOWN_PATHS, {}).get(environ.get("PATH_INFO"))
    if rule is None or environ.get("REQUEST_METHOD") not in KNOWN_METHODS:
        return RequestContext(app, environ)
    return KnownPathContext(app, environ, rule)


def url_adapter(app: Flask, request: Request | None,
                bind: Callable[[Request | None], Any]) -> Any:
    """``Flask.create_url_adapter``: ``bind(request)``, the URL map bound to the request (a
    twentieth of a no-op action's cost), made when a URL is built for a request whose rule
    its path found (:class:`KnownPathContext`), at once for any other, and for every request
    when ``TRUSTED_HOSTS`` is set (binding checks the Host header then)."""
    if request is None or KNOWN_RULE not in request.environ \
            or app.config["TRUSTED_HOSTS"] is not None:
        return bind(request)
    return BoundWhenAsked(lambda: bind(request))


class BoundWhenAsked:
    """A URL adapter bound at its first use (``url_for`` calls its ``build``)."""

    def __init__(self, bind: Callable[[], Any]) -> None:
        self.bind, self.bound = bind, None

    def __getattr__(self, name: str) -> Any:
        if self.bound is None:
            self.bound = self.bind()
        return getattr(self.bound, name)


def begin():
    """Before every other hook (one hook, not three: Flask's dispatch of each costs as much
    as its work): the request's id and start time, then a probe's answer. A connection is
    taken from the pool when the action's transaction opens, or at an earlier statement
    (Peewee's autoconnect), so that a request refused before it reads anything takes none;
    :func:`close_db` gives it back."""
    logs.start()
    return health.answer_health()


def end(response: Response) -> Response:
    """After the view and the error handlers, in this order: the hardening headers (nosniff;
    CSP and no framing on the HTML pages), the request's count in the metrics, its log line
    and X-Request-Id header."""
    return logs.finish(metrics.record(headers.harden(response)))


def close_db(_exc: BaseException | None) -> None:
    if g.get("stream_open"):  # a streamed answer reads on: it closes the database itself
        return
    if not db.is_closed():
        db.close()
