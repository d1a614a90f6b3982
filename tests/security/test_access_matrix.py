"""Case 6: every URL rule × every role × owner / non-owner, against a table kept here.

Objects in the URLs belong to candidate@example.com (the owner); candidate2@example.com is a
non-owner. "allow" means the role gets the page or its normal answer (200, a redirect, or a
4xx about the *input*, such as 400/409/422); "deny" means 403 or 404 for a signed-in person
and a redirect to the login page for an anonymous one — never the data. A rule missing from
the table fails the test, so no new page ships unclassified.
"""

from __future__ import annotations

import pytest

from tests.security.world import ROLES, build_world

EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset(ROLES) - {"anon"}
OWNER = frozenset({"candidate"})
CANDIDATES = frozenset({"candidate", "candidate2"})
EDITORS = frozenset({"hr", "admin"})
HR = frozenset({"hr"})
ADMIN = frozenset({"admin"})
PROJECT_OWNER = frozenset({"manager"})
EVALUATORS = frozenset({"manager", "manager2"})
# The owner and their line manager (HR set manager@example.com; manager2 co-evaluates the
# owner on a project, which grants nothing); HR reads and approves; admins keep accounts only.
PLAN_AUTHORS = frozenset({"candidate", "manager"})
PLAN_READERS = PLAN_AUTHORS | HR
MANAGERS = frozenset({"manager", "manager2"})

# endpoint -> (roles allowed, URL arguments by name of the world's ids)
TABLE: dict[str, tuple[frozenset[str], dict[str, str]]] = {
    "static": (EVERYONE, {"filename": "=proficio.css"}),
    "bootstrap.static": (EVERYONE, {"filename": "=css/bootstrap.min.css"}),
    "main.healthz": (EVERYONE, {}),
    "auth.login": (EVERYONE, {}),
    "auth.logout": (EVERYONE, {}),
    "main.home": (SIGNED_IN, {}),
    # Reading the published framework is open to every signed-in person.
    "frameworks.index": (SIGNED_IN, {}),
    "frameworks.competency": (SIGNED_IN, {"competency_id": "competency"}),
    "frameworks.roles": (SIGNED_IN, {}),
    "frameworks.role": (SIGNED_IN, {"profile_id": "published_profile"}),
    # Keeping the framework: HR and admins only.
    "versions.index": (EDITORS, {}),
    "versions.detail": (EDITORS, {"framework_id": "draft"}),
    "versions.compare": (EDITORS, {}),
    "versions.start_draft": (EDITORS, {"framework_id": "published"}),
    "versions.export_csv": (EDITORS, {"framework_id": "published"}),
    "versions.export_case": (EDITORS, {"framework_id": "published"}),
    "versions.publish": (EDITORS, {"framework_id": "draft"}),
    "versions.discard": (EDITORS, {"framework_id": "draft"}),
    "drafts.details": (EDITORS, {"framework_id": "draft"}),
    "drafts.scale": (EDITORS, {"framework_id": "draft"}),
    "drafts.new_area": (EDITORS, {"framework_id": "draft"}),
    "drafts.edit_area": (EDITORS, {"framework_id": "draft", "area_id": "draft_area"}),
    "drafts.delete_area": (EDITORS, {"framework_id": "draft", "area_id": "draft_area"}),
    "drafts.new_competency": (EDITORS, {"framework_id": "draft"}),
    "drafts.edit_competency": (
        EDITORS,
        {"framework_id": "draft", "competency_id": "draft_competency"},
    ),
    "drafts.delete_competency": (
        EDITORS,
        {"framework_id": "draft", "competency_id": "draft_competency"},
    ),
    "drafts.move": (EDITORS, {"framework_id": "draft", "competency_id": "draft_competency"}),
    "role_profiles.new": (EDITORS, {"framework_id": "draft"}),
    "role_profiles.edit": (EDITORS, {"framework_id": "draft", "profile_id": "draft_profile"}),
    "role_profiles.copy": (EDITORS, {"framework_id": "draft", "profile_id": "draft_profile"}),
    "role_profiles.retire": (EDITORS, {"framework_id": "draft", "profile_id": "draft_profile"}),
    "role_profiles.reinstate": (EDITORS, {"framework_id": "draft", "profile_id": "draft_profile"}),
    "interchange.upload": (EDITORS, {}),
    # An uploaded file belongs to the person who uploaded it (HR here), not to every editor.
    "interchange.preview": (HR, {"token": "import_token"}),
    "interchange.confirm": (HR, {"token": "import_token"}),
    "interchange.cancel": (HR, {"token": "import_token"}),
    # Self-assessment: candidates, and only their own rounds.
    "assessments.index": (CANDIDATES, {}),
    "assessments.start": (CANDIDATES, {}),
    "assessments.detail": (OWNER, {"assessment_id": "submitted_round"}),
    "assessments.area": (OWNER, {"assessment_id": "open_round", "position": "=1"}),
    "assessments.autosave": (OWNER, {"assessment_id": "open_round", "position": "=1"}),
    "assessments.review": (OWNER, {"assessment_id": "open_round"}),
    "assessments.submit": (OWNER, {"assessment_id": "open_round"}),
    "assessments.evidence_file": (
        OWNER,
        {"assessment_id": "open_round", "evidence_id": "evidence"},
    ),
    "assessments.evidence_remove": (
        OWNER,
        {"assessment_id": "open_round", "evidence_id": "evidence"},
    ),
    "profile.index": (CANDIDATES, {}),
    "profile.target_role": (CANDIDATES, {}),
    "credentials.index": (CANDIDATES, {}),
    "credentials.qualification_add": (CANDIDATES, {}),
    "credentials.certification_add": (CANDIDATES, {}),
    "credentials.qualification_remove": (OWNER, {"qualification_id": "qualification"}),
    "credentials.certification_remove": (OWNER, {"certification_id": "certification"}),
    # Training: the catalogue is open; enrollments are the person's own; HR keeps the catalogue.
    "training.catalogue": (SIGNED_IN, {}),
    "training.detail": (SIGNED_IN, {"training_id": "training"}),
    "training.plan": (SIGNED_IN, {"training_id": "training"}),
    "training.recommendations": (SIGNED_IN, {}),
    "training.mine": (SIGNED_IN, {}),
    "training.enrollment": (OWNER, {"enrollment_id": "enrollment"}),
    "training.enrollment_status": (OWNER, {"enrollment_id": "enrollment"}),
    "training.enrollment_rating": (OWNER, {"enrollment_id": "enrollment"}),
    "training.manage": (HR, {}),
    "training.new": (HR, {}),
    "training.edit": (HR, {"training_id": "training"}),
    "training.set_active": (HR, {"training_id": "training"}),
    # Project evaluations: the demo project is owned by manager, co-evaluated by manager2, with
    # both candidates, results released. HR reads every project; nobody else sees it.
    "evaluations.index": (frozenset({"manager", "manager2", "hr"}), {}),
    "evaluations.create": (frozenset({"manager", "manager2"}), {}),
    "evaluations.detail": (frozenset({"manager", "manager2", "hr"}), {"project_id": "project"}),
    "evaluations.edit": (PROJECT_OWNER, {"project_id": "project"}),
    "evaluations.archive": (PROJECT_OWNER, {"project_id": "project"}),
    "evaluations.release": (PROJECT_OWNER, {"project_id": "project"}),
    "evaluations.candidate_add": (PROJECT_OWNER, {"project_id": "project"}),
    "evaluations.candidate_invite": (PROJECT_OWNER, {"project_id": "project"}),
    "evaluations.co_evaluator_add": (PROJECT_OWNER, {"project_id": "project"}),
    "evaluations.member_remove": (PROJECT_OWNER, {"project_id": "project", "user_id": "owner_id"}),
    "evaluations.invitation_renew": (
        PROJECT_OWNER,
        {"project_id": "project", "user_id": "owner_id"},
    ),
    "evaluations.sheet": (EVALUATORS, {"project_id": "project", "candidate_id": "owner_id"}),
    "evaluations.sheet_autosave": (
        EVALUATORS,
        {"project_id": "project", "candidate_id": "owner_id"},
    ),
    "evaluations.sheet_submit": (
        EVALUATORS,
        {"project_id": "project", "candidate_id": "owner_id"},
    ),
    "evaluations.sheet_view": (
        frozenset({"manager", "manager2", "hr"}),
        {"project_id": "project", "assessment_id": "manager_sheet"},
    ),
    "evaluations.sheet_correct": (
        PROJECT_OWNER,
        {"project_id": "project", "assessment_id": "manager_sheet"},
    ),
    "evaluations.results": (
        frozenset({"manager", "manager2", "hr"}),
        {"project_id": "project", "candidate_id": "owner_id"},
    ),
    "evaluations.comparison": (frozenset({"manager", "manager2", "hr"}), {"project_id": "project"}),
    "evaluations.comparison_csv": (
        frozenset({"manager", "manager2", "hr"}),
        {"project_id": "project"},
    ),
    "my_evaluations.index": (CANDIDATES, {}),
    "my_evaluations.detail": (CANDIDATES, {"project_id": "project"}),
    # An unknown invitation token gets a 404 with one generic message; people already signed in
    # are sent home instead. Real links are tested in tests/web/test_evaluations.py.
    "invitations.accept": (SIGNED_IN, {"token": "=not-a-real-invitation-token"}),
    # Development plans: the owner's current draft. The person and their line manager work on
    # it; HR reads and approves it.
    "plans.index": (SIGNED_IN, {}),
    "plans.new": (PLAN_AUTHORS | MANAGERS | CANDIDATES, {}),
    "plans.detail": (PLAN_READERS, {"plan_id": "plan"}),
    "plans.versions": (PLAN_READERS, {"plan_id": "plan"}),
    "plans.compare": (PLAN_READERS, {"plan_id": "plan"}),
    "plans.pdf": (PLAN_READERS, {"plan_id": "plan"}),
    "plans.edit": (PLAN_AUTHORS, {"plan_id": "plan"}),
    "plans.propose": (PLAN_AUTHORS, {"plan_id": "plan"}),
    "plans.withdraw": (PLAN_AUTHORS, {"plan_id": "plan"}),
    "plans.discard": (PLAN_AUTHORS, {"plan_id": "plan"}),
    "plans.revise": (PLAN_AUTHORS, {"plan_id": "plan"}),
    "plans.approve": (HR, {"plan_id": "plan"}),
    "plans.return_": (HR, {"plan_id": "plan"}),
    "plans.archive": (HR, {"plan_id": "plan"}),
    "plan_goals.new_goal": (PLAN_AUTHORS, {"plan_id": "plan"}),
    "plan_goals.from_gaps": (PLAN_AUTHORS, {"plan_id": "plan"}),
    "plan_goals.edit_goal": (PLAN_AUTHORS, {"plan_id": "plan", "goal_id": "goal"}),
    "plan_goals.delete_goal": (PLAN_AUTHORS, {"plan_id": "plan", "goal_id": "goal"}),
    "plan_goals.trainings": (PLAN_AUTHORS, {"plan_id": "plan", "goal_id": "goal"}),
    "plan_goals.link": (PLAN_AUTHORS, {"plan_id": "plan", "goal_id": "goal"}),
    "plan_goals.unlink": (
        PLAN_AUTHORS,
        {"plan_id": "plan", "goal_id": "goal", "link_id": "goal_link"},
    ),
    "plan_goals.add_to_plan": (CANDIDATES, {}),
    "hr_plans.index": (HR, {}),
    "hr_plans.overview_page": (HR, {}),
    "hr_plans.heatmap": (HR, {}),
    "hr_plans.heatmap_csv": (HR, {}),
    "hr_plans.exports": (HR, {}),
    "hr_plans.start_export": (HR, {}),
    "hr_plans.job": (HR, {"job_id": "job"}),
    "hr_plans.job_status": (HR, {"job_id": "job"}),
    # The world's job is still queued: its ZIP does not exist for anyone yet (finished jobs'
    # downloads are tested in tests/web/test_plan_exports.py).
    "hr_plans.download": (frozenset(), {"job_id": "job"}),
    # Data protection: everyone downloads their own data; admins handle requests for anyone.
    "privacy.my_data": (SIGNED_IN, {}),
    "privacy.index": (ADMIN, {}),
    "privacy.export": (ADMIN, {"user_id": "owner_id"}),
    "privacy.erase": (ADMIN, {"user_id": "owner_id"}),
    # Reporting lines: HR sets line managers; a manager sees who reports to them.
    "people.index": (HR, {}),
    "people.line_manager": (HR, {"person_id": "owner_id"}),
    "people.team": (MANAGERS, {}),
    # Administration.
    "admin.users": (ADMIN, {}),
    "admin.user_edit": (ADMIN, {"user_id": "owner_id"}),
    "admin.audit": (ADMIN, {}),
}

DENIED = {401, 403, 404}


@pytest.fixture(scope="module")
def built_world(tmp_path_factory):
    world = build_world(tmp_path_factory.mktemp("access"))
    yield world
    from webapp.extensions import db

    with world.app.app_context():
        db.engine.dispose()


@pytest.fixture()
def world(built_world):
    """The shared world, put back to its snapshot after each test."""
    yield built_world
    built_world.restore()


def _rules(app):
    return sorted(app.url_map.iter_rules(), key=lambda r: r.endpoint)


def _url(world, rule) -> str:
    _, args = TABLE[rule.endpoint]
    values = {}
    for name in rule.arguments:
        source = args[name]
        values[name] = source[1:] if source.startswith("=") else world.ids[source]
    with world.app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


def _denied(role: str, response) -> bool:
    if role == "anon":
        # login_required sends anonymous visitors to the login page with ?next=.
        return response.status_code in DENIED or (
            response.status_code == 302 and "/login?next=" in response.headers.get("Location", "")
        )
    return response.status_code in DENIED


def test_every_url_rule_is_in_the_table(world):
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert sorted(endpoints - set(TABLE)) == [], "classify these routes in TABLE"
    assert sorted(set(TABLE) - endpoints) == [], "these routes no longer exist"


@pytest.mark.parametrize("endpoint", sorted(TABLE))
def test_route_answers_each_role_as_the_table_says(world, endpoint):
    rules = [r for r in _rules(world.app) if r.endpoint == endpoint]
    assert rules, f"{endpoint} is not a route any more"
    allowed, _ = TABLE[endpoint]
    wrong = []
    # Denied roles first, so an allowed POST cannot change what a denied one would see.
    for role in sorted(ROLES, key=lambda r: r in allowed):
        for rule in rules:
            url = _url(world, rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                # A fresh sign-in each time: a restored database may have rotated sessions.
                response = world.client(role).open(url, method=method, data={})
                denied = _denied(role, response)
                if denied == (role in allowed):
                    wrong.append(f"{method} {url} as {role}: {response.status_code}")
                response.close()
                assert response.status_code < 500, f"{method} {url} as {role}"
                if method != "GET":
                    world.restore()
    print("\n".join(wrong))
    assert wrong == []


def test_matrix_size(world):
    """How many route × role × method checks the matrix makes (reported in the note)."""
    checks = sum(len(ROLES) * len(rule.methods - {"HEAD", "OPTIONS"}) for rule in _rules(world.app))
    print(f"\naccess matrix: {len(TABLE)} endpoints, {checks} route × role × method checks")
    assert checks >= len(TABLE) * len(ROLES)
