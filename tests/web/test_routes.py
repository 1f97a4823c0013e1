"""The route declarations of web/routes.py: URL, endpoint, methods and the sign-in check."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask

from workbench.models import Project
from workbench.web.access import login_manager
from workbench.web.routes import action
from workbench.web.routes import lead_action
from workbench.web.routes import lead_route
from workbench.web.routes import route


def _demo_app() -> Flask:
    """An app with one view of each kind; no database: anonymous requests never reach one."""
    app = Flask(__name__)
    app.secret_key = "test"
    login_manager.init_app(app)
    auth = Blueprint("auth", __name__)
    auth.add_url_rule("/login", "login", lambda: "sign in")
    bp = Blueprint("demo", __name__)

    @route(bp, "/p/<slug>/page")
    def show(slug: str) -> str:
        return slug

    @route(bp, "/p/<slug>/either", methods=["GET", "POST"], endpoint="both")
    def either(slug: str) -> str:
        return slug

    @action(bp, "/p/<slug>/act", then=str)
    def act(slug: str) -> int:
        return len(slug)

    @lead_route(bp, "/p/<slug>/lead/<int:item>")
    def lead_page(project: Project, item: int) -> str:
        return f"{project.slug} {item}"

    @lead_action(bp, "/p/<slug>/lead/act")
    def lead_act(project: Project) -> str:
        return project.slug

    assert (show.__name__, show.__module__) == ("show", __name__)
    assert lead_page.__name__ == "lead_page"
    app.register_blueprint(auth)
    app.register_blueprint(bp)
    return app


def test_each_kind_keeps_its_endpoint_and_methods() -> None:
    methods = {r.endpoint: r.methods for r in _demo_app().url_map.iter_rules()}
    assert methods["demo.show"] == {"GET", "HEAD", "OPTIONS"}
    assert methods["demo.both"] == {"GET", "HEAD", "POST", "OPTIONS"}
    assert methods["demo.act"] == {"POST", "OPTIONS"}
    assert methods["demo.lead_page"] == {"GET", "HEAD", "OPTIONS"}
    assert methods["demo.lead_act"] == {"POST", "OPTIONS"}


def test_anonymous_visitors_are_sent_to_sign_in_before_anything_is_read() -> None:
    client = _demo_app().test_client()
    for method, url in [
        ("GET", "/p/x/page"),
        ("POST", "/p/x/either"),
        ("POST", "/p/x/act"),
        ("GET", "/p/x/lead/1"),
        ("POST", "/p/x/lead/act"),
    ]:
        response = client.open(url, method=method)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/login?next="), url
