"""A small, fully populated Proficio for the route-wide security tests.

Built once per test module on its own SQLite file: the default framework, the demo people,
their demo self-assessment rounds, a framework draft, the training catalogue, and objects that
belong to candidate@example.com (the *owner*) so that candidate2@example.com (a *non-owner*)
can be tried against them.
"""

from __future__ import annotations

import io
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.helpers import ROLE_EMAILS, TEST_SECRET_KEY
from tests.helpers import TEST_PASSWORD as PASSWORD

ROLES = ("anon", *ROLE_EMAILS)
# A valid 1×1 PNG, for an evidence file that passes the content checks.
TINY_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000001e221bc330000000049454e44ae426082"
)


@dataclass
class World:
    app: object
    folder: Path
    ids: dict[str, object] = field(default_factory=dict)

    @property
    def database(self) -> Path:
        return self.folder / "world.sqlite3"

    @property
    def is_sqlite(self) -> bool:
        return self.app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")

    def snapshot(self) -> None:
        """Remember the database and instance folder as they are now (SQLite only)."""
        if not self.is_sqlite:
            return
        self._copy(self.database, self.folder / "snapshot.sqlite3")
        shutil.rmtree(self.folder / "snapshot-instance", ignore_errors=True)
        shutil.copytree(self.folder / "instance", self.folder / "snapshot-instance")

    def restore(self) -> None:
        """Go back to the snapshot, so one test's allowed changes never leak into the next."""
        from webapp.extensions import db

        if not self.is_sqlite:
            return
        with self.app.app_context():
            db.session.remove()
            db.engine.dispose()
        self._copy(self.folder / "snapshot.sqlite3", self.database)
        shutil.rmtree(self.folder / "instance", ignore_errors=True)
        shutil.copytree(self.folder / "snapshot-instance", self.folder / "instance")

    @staticmethod
    def _copy(source: Path, target: Path) -> None:
        src, dst = sqlite3.connect(source), sqlite3.connect(target)
        try:
            src.backup(dst)
        finally:
            dst.close()
            src.close()

    def client(self, role: str):
        """A test client signed in as ``role`` ("anon" for nobody)."""
        client = self.app.test_client()
        if role != "anon":
            response = client.post(
                "/login", data={"email": ROLE_EMAILS[role], "password": PASSWORD}
            )
            assert response.status_code == 302, (role, response.status_code)
        return client


# The access table: who may reach each URL rule, and which of the world's objects fill in
# its arguments (test_access_matrix checks it; the CSRF and fuzz tests walk it).
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
PARTICIPANTS = SIGNED_IN - ADMIN
FEEDBACK_FOLLOWERS = frozenset({"candidate2", "manager2", "hr"})

# endpoint -> (roles allowed, URL arguments by name of the world's ids)
TABLE: dict[str, tuple[frozenset[str], dict[str, str]]] = {
    "static": (EVERYONE, {"filename": "=proficio.css"}),
    "bootstrap.static": (EVERYONE, {"filename": "=css/bootstrap.min.css"}),
    "main.healthz": (EVERYONE, {}),
    "auth.login": (EVERYONE, {}),
    "auth.logout": (EVERYONE, {}),
    # Asking for a reset link answers everyone alike; a real link works for whoever holds it.
    "auth.forgot_password": (EVERYONE, {}),
    "auth.reset_password": (EVERYONE, {"token": "reset_token"}),
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
    # ESCO occupations: an upload is HR's own (as above); an import's review is for editors.
    "interchange.esco_upload": (EDITORS, {}),
    "interchange.esco_preview": (HR, {"token": "esco_token"}),
    "interchange.esco_confirm": (HR, {"token": "esco_token"}),
    "interchange.esco_review": (EDITORS, {"import_id": "esco_import"}),
    "interchange.esco_decide": (EDITORS, {"import_id": "esco_import"}),
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
    "evaluations.candidate_ask": (PROJECT_OWNER, {"project_id": "project"}),
    # Alex has not answered the request to join the ERP case yet.
    "evaluations.candidate_ask_again": (
        PROJECT_OWNER,
        {"project_id": "asked_project", "user_id": "owner_id"},
    ),
    "evaluations.co_evaluator_add": (PROJECT_OWNER, {"project_id": "project"}),
    "evaluations.member_remove": (PROJECT_OWNER, {"project_id": "project", "user_id": "owner_id"}),
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
    # Only the person asked answers; both demo candidates joined the main project.
    "my_evaluations.answer": (frozenset({"candidate"}), {"project_id": "asked_project"}),
    "my_evaluations.sharing": (CANDIDATES, {"project_id": "project"}),
    # An unknown invitation token gets a 404 with one generic message; people already signed in
    # are sent home instead. Real links are tested in tests/web/test_evaluations.py.
    "invitations.accept": (SIGNED_IN, {"token": "=not-a-real-invitation-token"}),
    # Feedback rounds: the demo's open round is about Sam (candidate2), whose line manager is
    # manager2; HR follows every round. Alex (candidate) is asked in it as a peer.
    "feedback.index": (PARTICIPANTS, {}),
    "feedback.new": (PARTICIPANTS, {}),
    "feedback.detail": (FEEDBACK_FOLLOWERS, {"round_id": "feedback_round"}),
    "feedback.results_page": (FEEDBACK_FOLLOWERS, {"round_id": "feedback_round"}),
    "feedback.add_rater": (FEEDBACK_FOLLOWERS, {"round_id": "feedback_round"}),
    "feedback.remind": (FEEDBACK_FOLLOWERS, {"round_id": "feedback_round"}),
    "feedback.close": (FEEDBACK_FOLLOWERS, {"round_id": "feedback_round"}),
    "feedback.minimum": (HR, {"round_id": "feedback_round"}),
    "feedback.export_csv": (HR, {}),
    "feedback.answer": (OWNER, {"rater_id": "feedback_request"}),
    "feedback.answer_autosave": (OWNER, {"rater_id": "feedback_request"}),
    # Whoever holds an outsider's link answers with it, signed in or not.
    "feedback.link": (EVERYONE, {"token": "feedback_token"}),
    "feedback.link_autosave": (EVERYONE, {"token": "feedback_token"}),
    "feedback.thanks": (EVERYONE, {}),
    "hr_certifications.index": (HR, {}),
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


def url_of(world: World, rule) -> str:
    """The URL of ``rule`` with the world's objects filled in, as TABLE names them."""
    _, args = TABLE[rule.endpoint]
    values = {}
    for name in rule.arguments:
        source = args[name]
        values[name] = source[1:] if source.startswith("=") else world.ids[source]
    with world.app.test_request_context():
        from flask import url_for

        return url_for(rule.endpoint, **values)


@contextmanager
def stand_in_pdfs() -> Iterator[None]:
    """A plan's PDF is a few bytes instead of a WeasyPrint rendering (seconds each): the route
    tests check who reaches a PDF and what the route answers, not how the PDF is drawn, which
    tests/domain/test_plan_pdf.py checks with real renderings, hostile text included."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            "plans.render.render_plan_pdf", lambda document, signing=None: b"%PDF-1.7\n%%EOF\n"
        )
        yield


def build_world(tmp: Path, *, csrf: bool = False, database_url: str | None = None) -> World:
    """Create the app, its database and every object the route tests need."""
    import flask_migrate

    from assessments.answers import save_answers
    from assessments.evidence import EvidenceInput
    from assessments.evidence_files import EvidenceStore
    from assessments.models import Assessment, Evidence
    from assessments.rounds import start_self_assessment
    from competencies.models import Area, Competency, Framework, RoleProfile
    from competencies.services import current_framework, seed_default_framework
    from core.users import get_user_by_email
    from evaluations.models import EvaluationProject
    from plans.models import DevelopmentPlan, ExportJob, PlanGoal, PlanGoalTraining
    from training.catalogue import seed_catalogue
    from training.enrollments import plan_training
    from training.models import Training
    from webapp import create_app
    from webapp.demo import seed_demo_assessments, seed_demo_draft, seed_demo_people
    from webapp.demo_evaluations import (
        DEMO_PROJECT_ASKED,
        DEMO_PROJECT_MAIN,
        seed_demo_evaluations,
    )
    from webapp.demo_plans import seed_demo_plans
    from webapp.extensions import db

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp / 'world.sqlite3'}",
            "SECRET_KEY": TEST_SECRET_KEY,
            # Switched on (when asked) once the world is built through the web.
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    app.instance_path = str(tmp / "instance")
    world = World(app, tmp)
    with app.app_context():
        flask_migrate.upgrade()
        session = db.session
        framework, _ = seed_default_framework(session)
        seed_demo_people(session)
        seed_demo_assessments(session)
        draft = seed_demo_draft(session, framework)
        seed_catalogue(session)
        seed_demo_evaluations(session)
        seed_demo_plans(session)
        owner = get_user_by_email(session, ROLE_EMAILS["candidate"])
        published = current_framework(session)
        # The owner's open round (round 3) gets a text evidence and is the one edited.
        open_round = session.scalar(
            sa.select(Assessment).where(
                Assessment.subject_id == owner.id, Assessment.status == "draft"
            )
        ) or start_self_assessment(session, owner)
        first_competency = session.scalar(
            sa.select(Competency)
            .where(Competency.framework_id == published.id)
            .order_by(Competency.position)
        )
        save_answers(
            session,
            open_round,
            owner,
            expected_version=open_round.version,
            evidence=[
                EvidenceInput(
                    first_competency.id,
                    "project_artefact",
                    text="Steering-committee slide.",
                    file_name="slide.png",
                    file_data=TINY_PNG,
                )
            ],
            store=EvidenceStore(tmp / "instance" / "evidence"),
        )
        submitted = session.scalar(
            sa.select(Assessment)
            .where(Assessment.subject_id == owner.id, Assessment.status == "submitted")
            .order_by(Assessment.id)
        )
        evidence = session.scalar(
            sa.select(Evidence).where(Evidence.assessment_id == open_round.id)
        )
        training = session.scalar(sa.select(Training).order_by(Training.id))
        enrollment = plan_training(session, owner, training)
        from assessments.models import Certification, Qualification

        qualification = session.scalar(
            sa.select(Qualification).where(Qualification.person_id == owner.id)
        )
        certification = session.scalar(
            sa.select(Certification).where(Certification.person_id == owner.id)
        )
        draft_competency = session.scalar(
            sa.select(Competency)
            .where(Competency.framework_id == draft.id)
            .order_by(Competency.position)
        )
        world.ids = {
            "owner_id": owner.id,
            "open_round": open_round.id,
            "submitted_round": submitted.id,
            "evidence": evidence.id,
            "competency": first_competency.id,
            "published": published.id,
            "draft": draft.id,
            "draft_competency": draft_competency.id,
            "draft_area": session.scalar(
                sa.select(Area.id).where(Area.framework_id == draft.id).order_by(Area.position)
            ),
            "draft_profile": session.scalar(
                sa.select(RoleProfile.id)
                .where(RoleProfile.framework_id == draft.id)
                .order_by(RoleProfile.position)
            ),
            "published_profile": session.scalar(
                sa.select(RoleProfile.id)
                .where(RoleProfile.framework_id == published.id)
                .order_by(RoleProfile.position)
            ),
            "training": training.id,
            "enrollment": enrollment.id,
            "qualification": qualification.id if qualification else None,
            "certification": certification.id if certification else None,
            "frameworks_total": session.scalar(sa.select(sa.func.count(Framework.id))),
        }
        manager = get_user_by_email(session, ROLE_EMAILS["manager"])
        project = session.scalar(
            sa.select(EvaluationProject).where(
                EvaluationProject.owner_id == manager.id,
                EvaluationProject.title == DEMO_PROJECT_MAIN,
            )
        )
        world.ids["project"] = project.id
        world.ids["asked_project"] = session.scalar(
            sa.select(EvaluationProject.id).where(EvaluationProject.title == DEMO_PROJECT_ASKED)
        )
        plan = session.scalar(
            sa.select(DevelopmentPlan).where(
                DevelopmentPlan.person_id == owner.id, DevelopmentPlan.status == "draft"
            )
        )
        world.ids["plan"] = plan.id
        goal = session.scalar(
            sa.select(PlanGoal).where(PlanGoal.plan_id == plan.id).order_by(PlanGoal.id)
        )
        world.ids["goal"] = goal.id
        world.ids["goal_link"] = session.scalar(
            sa.select(PlanGoalTraining.id)
            .join(PlanGoal, PlanGoal.id == PlanGoalTraining.goal_id)
            .where(PlanGoal.plan_id == plan.id)
        )
        hr = get_user_by_email(session, ROLE_EMAILS["hr"])
        job = ExportJob(
            created_by_id=hr.id,
            idempotency_key="world-job",
            selection_key="world-selection",
            selection={"plan_ids": [plan.id]},
            status="queued",
            total=1,
        )
        session.add(job)
        session.flush()
        world.ids["job"] = job.id
        world.ids["manager_sheet"] = session.scalar(
            sa.select(Assessment.id).where(
                Assessment.evaluation_project_id == project.id,
                Assessment.assessor_id == manager.id,
                Assessment.subject_id == owner.id,
            )
        )
        world.ids.update(_feedback_ids(session, owner))
        world.ids["reset_token"] = _reset_token(session)
        session.commit()
    world.ids["import_token"] = _hr_import_token(world)
    world.ids.update(_esco_ids(world))
    (tmp / "instance").mkdir(parents=True, exist_ok=True)
    world.snapshot()
    app.config["WTF_CSRF_ENABLED"] = csrf
    return world


def _reset_token(session) -> str:
    """A reset link of an account nobody signs in with here: the fuzzer may well choose a new
    password through it (on PostgreSQL the world is not restored between forms)."""
    from core.password_resets import request_reset
    from core.users import Role, create_user

    create_user(
        session,
        email="reset.target@example.com",
        name="Reset Target",
        role=Role.CANDIDATE,
        password=PASSWORD,
    )
    return request_reset(session, "reset.target@example.com")[1]


def _feedback_ids(session, owner) -> dict[str, object]:
    """The demo's open round about Sam, Alex's request in it, and an outsider's link."""
    from feedback.models import FeedbackRater, FeedbackRound
    from feedback.receipts import receipt_key
    from feedback.rounds import ask_rater
    from webapp.demo_feedback import seed_demo_feedback

    seed_demo_feedback(session, receipt_key(TEST_SECRET_KEY))
    open_round = session.scalar(
        sa.select(FeedbackRound)
        .where(FeedbackRound.closed_at.is_(None))
        .order_by(FeedbackRound.closes_on.desc())
    )
    request = session.scalar(
        sa.select(FeedbackRater).where(
            FeedbackRater.round_id == open_round.id, FeedbackRater.user_id == owner.id
        )
    )
    asked = ask_rater(
        session,
        open_round,
        open_round.subject,
        group="other",
        email="world.outsider@example.org",
        name="World Outsider",
        today=open_round.created_at.date(),
    )
    return {
        "feedback_round": open_round.id,
        "feedback_request": request.id,
        "feedback_token": asked.link_token,
    }


def _hr_import_token(world: World) -> str:
    """Upload a framework file as HR and return the preview token."""
    client = world.client("hr")
    exported = client.get(f"/framework/versions/{world.ids['published']}/export.csv")
    assert exported.status_code == 200
    response = client.post(
        "/framework/import/",
        data={"file": (io.BytesIO(exported.data), "framework.csv"), "file_format": ""},
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    return response.headers["Location"].rstrip("/").split("/")[-1]


ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/00000000-0000-4000-8000-000000000001"
ESCO_SKILL = "http://data.europa.eu/esco/skill/00000000-0000-4000-8000-000000000002"
# A two-line ESCO extract in ESCO's own layout, so the world needs no shared fixture.
ESCO_FILES = {
    "occupations_en.csv": (
        f"conceptType,conceptUri,iscoGroup,preferredLabel,altLabels\n"
        f"Occupation,{ESCO_OCCUPATION},1330,world occupation,\n"
    ).encode(),
    "skills_en.csv": (
        f"conceptType,conceptUri,skillType,preferredLabel,description\n"
        f"KnowledgeSkillCompetence,{ESCO_SKILL},skill/competence,world skill,\n"
    ).encode(),
    "occupationSkillRelations.csv": (
        f"occupationUri,relationType,skillType,skillUri\n"
        f"{ESCO_OCCUPATION},essential,skill/competence,{ESCO_SKILL}\n"
    ).encode(),
}


def _esco_ids(world: World) -> dict[str, object]:
    """An ESCO upload of HR's (its preview token) and an import written into the draft."""
    from competencies.esco_draft import write_esco_import
    from competencies.interchange.esco_files import read_esco
    from webapp.extensions import db

    client = world.client("hr")
    response = client.post(
        "/framework/import/esco",
        data={
            "files": [(io.BytesIO(content), name) for name, content in ESCO_FILES.items()],
            "occupation": ESCO_OCCUPATION,
            "esco_version": "1.1.1",
        },
        content_type="multipart/form-data",
    )
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    token = response.headers["Location"].split("?")[0].rstrip("/").split("/")[-1]
    with world.app.app_context():
        record = write_esco_import(db.session, read_esco(ESCO_FILES, ESCO_OCCUPATION), None)
        db.session.commit()
        return {"esco_token": token, "esco_import": record.id}


def table_row_counts(world: World) -> dict[str, int]:
    """Rows per table: a cheap fingerprint of the database's state."""
    from core.db import Base
    from webapp.extensions import db

    with world.app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
