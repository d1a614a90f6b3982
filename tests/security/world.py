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
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import TEST_SECRET_KEY

PASSWORD = "proficio-demo"
ROLE_EMAILS = {
    "candidate": "candidate@example.com",
    "candidate2": "candidate2@example.com",
    "manager": "manager@example.com",
    "manager2": "manager2@example.com",
    "hr": "hr@example.com",
    "admin": "admin@example.com",
}
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
    from webapp.demo_evaluations import seed_demo_evaluations
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
            sa.select(EvaluationProject).where(EvaluationProject.owner_id == manager.id)
        )
        world.ids["project"] = project.id
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
        session.commit()
    world.ids["import_token"] = _hr_import_token(world)
    (tmp / "instance").mkdir(parents=True, exist_ok=True)
    world.snapshot()
    app.config["WTF_CSRF_ENABLED"] = csrf
    return world


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


def table_row_counts(world: World) -> dict[str, int]:
    """Rows per table: a cheap fingerprint of the database's state."""
    from core.db import Base
    from webapp.extensions import db

    with world.app.app_context():
        return {
            table.name: db.session.scalar(sa.select(sa.func.count()).select_from(table))
            for table in Base.metadata.sorted_tables
        }
