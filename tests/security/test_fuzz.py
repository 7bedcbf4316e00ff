"""Fuzz: every route of the web app and every FHIR search parameter, given hostile values, is
answered with a success or a 4xx — never a 5xx, never a dropped connection (an exception escaping to
the test client).

The hostile values are the ones that have broken edges before: ``²`` (``str.isdigit()`` says yes,
``int()`` says no), full-width ``１４８３`` (``int()`` reads it as 1483), numbers of 2**31 and 2**63
and beyond (database overflows), ``-1``, ``9999-12`` (a month with no real last day), NUL bytes,
``%``, very long text, other scripts' digits, and nothing at all. A parameter that is a number must
also *refuse* (4xx) anything that is not an ASCII whole number in range, rather than read it as one.

The app is the real one (pages, ``/api``, care, FHIR) on a small synthetic county, with a user of
every role signed in. Part (a) walks every route in ``app.routes`` — the OpenAPI document's and the
HTML pages hidden from it — changing one path, query, form or JSON-body parameter at a time from a
working baseline. Part (b), in :mod:`tests.security.test_fuzz_fhir` (a module of its own, so that
the two long walks can run on two test workers at once), walks every FHIR search parameter of every
searchable type, and the FHIR reads and operations. Part (c) lets Hypothesis pick routes, roles and values (bounded examples).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import typing
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

PASSWORD = "correct-horse-battery-staple"
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

BIG = [str(2**63), str(2**64), "9" * 40]
# Not an ASCII whole number in 0..2**63-1: a number parameter must refuse each of these (4xx).
NOT_A_NUMBER = ["²", "１４８３", "٣", "-1", "1e309", "1.5", "NaN", "0x10", *BIG]
HOSTILE = [
    *NOT_A_NUMBER,
    str(2**31),  # past a 32-bit column
    str(2**63 - 1),  # the largest 64-bit number
    "0",
    "",
    " ",
    "9999-12",
    "9999-99-99",
    "0000-00-00",
    "\x00",
    "1\x00",
    "%",
    "%zz",
    "é☃𝔘\u202e",
    "Patient/²",
    "x" * 5000,
    "../../etc/passwd",
    "'; DROP TABLE users;--",
]
# A text parameter (a name, a note, a date, a choice) is given one of each kind of hostile value: the
# many spellings of a number matter only where a number is read, so text gets two of them. This
# halves the walk (it is the suite's slowest test) without leaving a kind of value out.
HOSTILE_TEXT = [
    "²",
    str(2**63),
    "-1",
    "0",
    "",
    " ",
    "9999-12",
    "9999-99-99",
    "\x00",
    "1\x00",
    "%",
    "%zz",
    "é☃𝔘\u202e",
    "x" * 5000,
    "../../etc/passwd",
    "'; DROP TABLE users;--",
]
assert set(HOSTILE_TEXT) <= set(HOSTILE)
# Parameters that are numbers whatever their declared type (form fields arrive as text).
NUMERIC_NAMES = {
    "patient_id",
    "staff_id",
    "owner_staff_id",
    "referral_id",
    "points",
    "version",
    "meeting_id",
    "episode_id",
    "plan_id",
    "run_id",
    "item_id",
    "task_id",
    "page",
    "limit",
    "offset",
    "pid",
}
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _not_a_number(value: Any) -> bool:
    """A value a number parameter must refuse: one of :data:`NOT_A_NUMBER`, or any non-ASCII text
    (full-width digits that ``int()`` would read as a real, existing id included)."""
    text = str(value)
    return text in NOT_A_NUMBER or not text.isascii()


ROLES = ("anonymous", "analyst", "team_member", "clinician", "admin")
FHIR_PREFIX = "/fhir"


# ------------------------------------------------------------------------------------------- world


@dataclasses.dataclass
class World:
    app: Any
    clients: dict[str, Any]
    csrf: dict[str, str]
    baseline: dict[str, str]
    patient: int  # a patient of the clinician's neighbourhood
    cases: list[Case]


@dataclasses.dataclass(frozen=True)
class Case:
    """One parameter of one route: where it goes (path, query, form, json) and what it is."""

    method: str
    path: str
    where: str
    name: str
    numeric: bool
    required_forms: tuple[str, ...] = ()
    body_model: Any = None

    def __str__(self) -> str:
        return f"{self.method} {self.path} [{self.where} {self.name}]"


def _is_int(annotation: Any) -> bool:
    return annotation is int or int in typing.get_args(annotation)


def _flat(dependant: Any, kind: str) -> list[Any]:
    """A route's parameters of one kind (``path_params``...), its dependencies' included."""
    out = list(getattr(dependant, kind))
    for sub in dependant.dependencies:
        out += [p for p in _flat(sub, kind) if p.alias not in {q.alias for q in out}]
    return out


def _route_cases(app) -> list[Case]:
    from fastapi.params import Form
    from fastapi.routing import APIRoute
    from pydantic import BaseModel

    try:  # FastAPI >= 0.160 keeps included routers as branches of app.routes
        from fastapi.routing import iter_route_contexts

        routes = [rc for rc in iter_route_contexts(app.routes) if isinstance(rc.original_route, APIRoute)]
    except ImportError:
        routes = [r for r in app.routes if isinstance(r, APIRoute)]
    cases: list[Case] = [Case("GET", app.openapi_url, "none", "", False)]
    for route in routes:
        body = _flat(route.dependant, "body_params")
        forms = [p for p in body if isinstance(p.field_info, Form)]
        models = [
            p
            for p in body
            if isinstance(p.field_info.annotation, type) and issubclass(p.field_info.annotation, BaseModel)
        ]
        required = tuple(p.alias for p in forms if p.field_info.is_required())
        params = [("none", "", None, None)]
        params += [
            ("path", p.alias, p.field_info.annotation, None) for p in _flat(route.dependant, "path_params")
        ]
        params += [
            ("query", p.alias, p.field_info.annotation, None) for p in _flat(route.dependant, "query_params")
        ]
        params += [("form", p.alias, p.field_info.annotation, None) for p in forms]
        for p in models:
            model = p.field_info.annotation
            params += [("json", n, info.annotation, model) for n, info in model.model_fields.items()]
        for method in sorted(route.methods - {"HEAD", "OPTIONS"}):
            for where, name, annotation, model in params:
                numeric = _is_int(annotation) or name in NUMERIC_NAMES
                cases.append(Case(method, route.path, where, name, numeric, required, model))
    return cases


def _client(app):
    from fastapi.testclient import TestClient

    # Exceptions escaping the app raise here (and are recorded as failures), so the test sees them
    # even where the app's own handler would have turned them into a 500 page.
    return TestClient(app, follow_redirects=False, raise_server_exceptions=True)


def _sign_in(app, username: str | None):
    c = _client(app)
    page = c.get("/sign-in").text
    tok = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    if username is None:
        return c, tok
    r = c.post("/sign-in", data={"username": username, "password": PASSWORD, "csrf_token": tok})
    assert r.status_code == 303, r.text
    return c, c.get("/api/care/csrf").json()["csrf_token"]


def fuzz_county(data: Path) -> Path:
    """A 500-person synthetic county in ``data`` with the analytics run on it (insight tables and
    FHIR): big enough that some neighbourhood has two people on worklists (the world admits two)."""
    from nhc.analytics.pipeline import run
    from nhc.lake.engine import DuckDBEngine
    from nhc.lake.store import Lake
    from nhc.synth.county import SynthOptions, generate_to_lake

    generate_to_lake(SynthOptions(patients=500, seed=1), data / "lake")
    run(DuckDBEngine.open(Lake(data / "lake")))
    return data


@pytest.fixture(scope="module")
def county(tmp_path_factory) -> Path:
    return fuzz_county(tmp_path_factory.mktemp("fuzz"))


@pytest.fixture(scope="module")
def world(county: Path) -> World:
    yield from _world(county, f"sqlite:///{county / 'nhc.sqlite3'}")


@pytest.fixture(scope="module")
def pg_world(county: Path, request: pytest.FixtureRequest) -> World:
    """The same app on PostgreSQL, whose 32-bit ``integer`` columns overflow where SQLite's do not."""
    import sqlalchemy as sa

    server = request.getfixturevalue("postgres_url")
    name = f"fuzz_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    yield from _world(county, server.rsplit("/", 1)[0] + "/" + name)


def _world(data: Path, db_url: str):
    from nhc.lake.store import Lake
    from nhc.security.service import SecurityService
    from nhc.settings import Settings
    from nhc.web.app import create_app
    from nhc.web.care.deps import care

    app = create_app(Settings(data_dir=data, database_url=db_url))
    rows = Lake(data / "lake").read("worklists").to_pylist()
    people: dict[str, set[int]] = {}
    for r in rows:  # one person can be on several worklists: count people, not rows
        people.setdefault(r["neighbourhood"], set()).add(r["patient_id"])
    counts = {nb: len(ids) for nb, ids in people.items()}
    home = max(sorted(counts), key=counts.__getitem__)  # the neighbourhood with the most on worklists
    listed = {r["patient_id"]: r["worklist"] for r in rows if r["neighbourhood"] == home}
    on_list = sorted(listed)
    sec: SecurityService = app.state.security
    sec.create_user("cli", "Cli Clinician", "clinician", password=PASSWORD, neighbourhoods=[home])
    nurse = sec.create_user("tea", "Tea Team", "team_member", password=PASSWORD, neighbourhoods=[home])
    sec.create_user("ana", "Ana Analyst", "analyst", password=PASSWORD)
    sec.create_user("adm", "Adm Admin", "admin", password=PASSWORD)

    class _Req:  # care() only needs request.app
        pass

    req = _Req()
    req.app = app  # type: ignore[attr-defined]
    team = care(req)  # type: ignore[arg-type]
    staff = team.add_staff(None, "Nina Nurse", "community_nurse", home, capacity=8, user_id=nurse.id).id
    team.add_staff(None, "Ben Nurse", "community_nurse", home, capacity=8)
    lead = sec.sign_in("cli", PASSWORD, "10.0.0.1")[0]
    episode, _ = (
        team.admit(lead, pid, source="worklist", worklist=listed[pid], reason="fuzz baseline")
        for pid in on_list[:2]
    )
    plan = team.create_care_plan(
        lead,
        episode.id,
        what_matters="Staying at home",
        goals=["Walk to the shop"],
        actions=[],
        review_date=(team.today() + dt.timedelta(days=28)).isoformat(),
        shared_with_patient=True,
    )
    task = team.create_task(
        lead, home, "Call the GP", team.today().isoformat(), owner_staff_id=staff, patient_id=on_list[0]
    )
    meeting = team.create_meeting(lead, home, team.today().isoformat())
    run_view = team.propose_allocation(lead, home)
    item = next(iter(meeting.items), None)

    clients, csrf = {}, {}
    for role, username in zip(ROLES, (None, "ana", "tea", "cli", "adm"), strict=True):
        clients[role], csrf[role] = _sign_in(app, username)
    baseline = {
        "nb": home,
        "neighbourhood": home,
        "name": home,
        "dimension": "age_band",
        "indicator": "emergency_admissions",
        "png": "5",
        "provider": "local",
        "episode_id": str(episode.id),
        "plan_id": str(plan.id),
        "run_id": str(run_view.id),
        "meeting_id": str(meeting.id),
        "item_id": str(getattr(item, "id", 1)),
        "task_id": str(task.id),
        "version": "1",
        "token": plan.share_token or "none",
        "patient_id": str(on_list[0]),
        "pid": str(on_list[0]),
        "rid": f"care-episode-{episode.id}",
        "rtype": "Patient",
        "staff_id": str(staff),
    }
    world = World(app, clients, csrf, baseline, on_list[0], _route_cases(app))
    yield world
    app.state.security.db.dispose()


# ------------------------------------------------------------------------------------------ requests


def _url(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{([^}:]+)(:[^}]*)?\}", lambda m: quote(values.get(m.group(1), "1"), safe=""), path)


def _json_body(model: Any, world: World) -> dict[str, Any]:
    """A valid body for the API's request models (by field name; others by type)."""
    b = world.baseline
    examples: dict[str, Any] = {
        "patient_id": int(b["patient_id"]),
        "staff_id": int(b["staff_id"]),
        "why": "Fuzz",
        "what_matters": "Staying at home",
        "goals": ["Walk to the shop"],
        "actions": [],
        "review_date": "2030-01-01",
        "status": "in_progress",
        "version": 1,
    }
    # Any other required field (a new area's request model) gets a plain value of its type, so the
    # hostile value under test is the only thing wrong with the request.
    plain = {int: 1, float: 1.0, bool: False, str: "fuzz"}
    return {
        name: examples[name] if name in examples else plain.get(info.annotation, "fuzz")
        for name, info in model.model_fields.items()
        if name in examples or info.is_required()
    }


def _hostile_json(value: str) -> list[Any]:
    """A hostile text value as JSON: the text itself and, if it looks like a number, the number."""
    out: list[Any] = [value]
    if re.fullmatch(r"-?[0-9]+", value):
        out.append(int(value))
    return out


def _send(world: World, role: str, case: Case, value: Any) -> tuple[str, Any]:
    """Send ``case`` with ``value`` in its parameter; returns (description, response or exception)."""
    values = dict(world.baseline)
    query: dict[str, Any] = {}
    form: dict[str, Any] = {"csrf_token": world.csrf[role]}
    for name in case.required_forms:
        form.setdefault(name, world.baseline.get(name, "1"))
    if case.where == "path":
        values[case.name] = str(value)
    elif case.where == "query":
        query[case.name] = value
    elif case.where == "form":
        form[case.name] = value
    url = _url(case.path, values)
    headers = {"X-CSRF-Token": world.csrf[role]}
    kwargs: dict[str, Any] = {"params": query, "headers": headers}
    if case.body_model is not None:
        body = _json_body(case.body_model, world)
        if case.where == "json":
            body[case.name] = value
        kwargs["json"] = body
    elif case.method in ("POST", "PUT"):
        kwargs["data"] = form
    client = world.clients[role]
    if case.path == "/sign-out":  # a fresh anonymous client, so the signed-in ones stay signed in
        client, form["csrf_token"] = _sign_in(world.app, None)
    what = f"{role}: {case.method} {url} {case.where} {case.name}={str(value)[:40]!r}"
    try:
        return what, client.request(case.method, url, **kwargs)
    except Exception as exc:  # the connection dropped: the app raised instead of answering
        return what, exc


def _problem(world: World, role: str, case: Case, value: Any) -> str | None:
    what, r = _send(world, role, case, value)
    if isinstance(r, Exception):
        return f"{what} -> raised {type(r).__name__}: {str(r)[:120]}"
    if r.status_code >= 500:
        return f"{what} -> {r.status_code}"
    if (
        case.numeric
        and _not_a_number(value)
        and case.where != "none"
        and r.status_code < 400
        and not (role == "anonymous" and r.status_code in (303, 307))  # sent to sign in first
    ):
        return f"{what} -> {r.status_code}: a number parameter accepted {value!r}"
    return None


def _role_for(path: str) -> str:
    return "admin" if path.startswith(("/admin", "/api/audit")) else "clinician"


def _is_lake_fhir(path: str) -> bool:
    from nhc.web.care.fhir_routes import router as care_fhir

    return path.startswith(FHIR_PREFIX) and path not in {r.path for r in care_fhir.routes}


# ------------------------------------------------------------------------------- (a) every route


def test_every_route_answers_hostile_parameters_without_a_5xx(world: World) -> None:
    schema_paths = set(world.app.openapi()["paths"])
    walked = {c.path for c in world.cases}
    assert schema_paths <= walked, f"routes in the OpenAPI document not walked: {schema_paths - walked}"
    assert {"/patients/{patient_id}", "/care/{nb}/admit", "/worklists/{neighbourhood}"} <= walked

    problems = []
    for case in world.cases:
        if _is_lake_fhir(case.path):
            continue  # part (b)
        role = _role_for(case.path)
        values = (HOSTILE if case.numeric else HOSTILE_TEXT) if case.where != "none" else [None]
        if case.numeric and case.name in world.baseline:  # a real id, in full-width digits
            values = [*values, world.baseline[case.name].translate(FULL_WIDTH)]
        for value in values:
            if case.where == "json":
                for v in _hostile_json(value):
                    problems.append(_problem(world, role, case, v))
            else:
                problems.append(_problem(world, role, case, value))
    # Every role, on the parameters that are numbers (the checks before the lookup differ by role).
    for case in world.cases:
        if case.numeric and case.where in ("path", "query") and not _is_lake_fhir(case.path):
            for role in ROLES:
                for value in (BIG[1], "²", "１４８３"):
                    problems.append(_problem(world, role, case, value))
    # Static files under hostile names.
    for prefix in ("/static/", "/assets/"):
        for value in ("%00", "..%2F..%2Fetc%2Fpasswd", quote("²"), "%25", "x" * 2000):
            try:
                r = world.clients["anonymous"].get(prefix + value)
                if r.status_code >= 500:
                    problems.append(f"GET {prefix}{value[:40]} -> {r.status_code}")
            except Exception as exc:
                problems.append(f"GET {prefix}{value[:40]} -> raised {type(exc).__name__}")
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} hostile requests went wrong:\n" + "\n".join(problems[:300])


def test_numbers_past_32_and_64_bits_are_refused_before_postgresql_sees_them(pg_world: World) -> None:
    """Care record ids are 32-bit ``integer`` columns in PostgreSQL, patient ids 64-bit ``bigint``:
    a number past either must be a 4xx at the edge, not an overflow in the database."""
    problems = []
    for case in pg_world.cases:
        if _is_lake_fhir(case.path) or not (case.numeric or case.name == "rid") or case.where == "none":
            continue
        for value in (str(2**31), str(2**63 - 1), str(2**63)):
            for v in _hostile_json(value) if case.where == "json" else [value]:
                problems.append(_problem(pg_world, _role_for(case.path), case, v))
    problems = [p for p in problems if p]
    assert not problems, f"{len(problems)} numbers overflowed:\n" + "\n".join(problems[:300])


# ------------------------------------------------------------------------ (c) Hypothesis's choices

_TEXT = st.text(
    alphabet=st.characters(codec="utf-8", categories=("Nd", "No", "L", "P", "S", "Zs", "Cc")), max_size=24
)
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    _TEXT,
    st.dates().map(lambda d: d.isoformat()[:7]),
)


@settings(
    max_examples=300,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
def test_hypothesis_picks_routes_roles_and_values(world: World, data: st.DataObject) -> None:
    cases = [c for c in world.cases if c.where != "none" and not _is_lake_fhir(c.path)]  # FHIR: (b)
    case = data.draw(st.sampled_from(cases), label="case")
    role = data.draw(st.sampled_from(ROLES), label="role")
    value = data.draw(VALUES, label="value")
    problem = _problem(world, role, case, value)
    assert problem is None, problem


def test_the_walk_covers_the_html_pages_hidden_from_the_openapi_document(world: World) -> None:
    hidden = {c.path for c in world.cases} - set(world.app.openapi()["paths"])
    for page in ("/patients/{patient_id}", "/care/episodes/{episode_id}", "/admin/audit", "/sign-in"):
        assert page in hidden


# ------------------------------------------------------------------------ (d) tokens and OAuth

OAUTH_FIELDS = (
    "grant_type",
    "scope",
    "client_id",
    "client_assertion_type",
    "client_assertion",
    "code",
    "code_verifier",
    "redirect_uri",
    "token",
)
AUTHORIZE_FIELDS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "aud",
    "code_challenge",
    "code_challenge_method",
)


def _hostile_tokens() -> list[str]:
    import base64
    import json as _json

    def enc(d: Any) -> str:
        return base64.urlsafe_b64encode(_json.dumps(d).encode()).rstrip(b"=").decode()

    return [
        *HOSTILE,
        "a.b.c",
        f"{enc({'alg': 'none'})}.{enc({'sub': '1'})}.",
        f"{enc({'alg': 'RS256', 'kid': '²'})}.{enc({'sub': 2**70, 'exp': 'soon'})}.AAAA",
        f"{enc([1, 2])}.{enc('x')}.AAAA",
        "x" * 20_000,
    ]


def test_tokens_and_the_oauth_endpoints_answer_hostile_input_without_a_5xx(world: World) -> None:
    from fastapi.testclient import TestClient

    anonymous = _client(world.app)
    secure = TestClient(world.app, base_url="https://testserver", raise_server_exceptions=True)
    # plain HTTP from a non-loopback host is refused by the OAuth endpoints before anything else
    assert anonymous.post("/oauth/token", data={"grant_type": "client_credentials"}).json()["error"] == (
        "insecure_transport"
    )
    problems = []
    for token in _hostile_tokens():
        headers = [h for h in (f"Bearer {token}", token, f"Basic {token}") if h.isascii()]  # HTTP headers
        for header in headers:
            try:
                r = anonymous.get(
                    f"/fhir/Patient/{world.patient}", headers={"Authorization": header[:30_000]}
                )
                if r.status_code != 401:
                    problems.append(f"Authorization {header[:40]!r} -> {r.status_code} (expected 401)")
            except Exception as exc:
                problems.append(f"Authorization {header[:40]!r} -> raised {type(exc).__name__}")
        for path in ("/oauth/token", "/oauth/revoke"):
            for field in OAUTH_FIELDS:
                form = {"grant_type": "client_credentials", field: token[:5000]}
                try:
                    r = secure.post(path, data=form)
                    if r.status_code >= 500:
                        problems.append(f"POST {path} {field}={token[:40]!r} -> {r.status_code}")
                except Exception as exc:
                    problems.append(f"POST {path} {field}={token[:40]!r} -> raised {type(exc).__name__}")
    clinician = world.clients["clinician"]
    clinician.base_url = "https://testserver"  # the session cookie is not marked Secure: it still goes
    for value in HOSTILE:
        for field in AUTHORIZE_FIELDS:
            try:
                r = clinician.get("/oauth/authorize", params={field: value})
                if r.status_code >= 500:
                    problems.append(f"GET /oauth/authorize {field}={value[:40]!r} -> {r.status_code}")
            except Exception as exc:
                problems.append(f"GET /oauth/authorize {field}={value[:40]!r} -> raised {type(exc).__name__}")
    assert not problems, f"{len(problems)} hostile OAuth requests went wrong:\n" + "\n".join(problems[:300])
