"""`plans export`, `plans export-all` and the demo plans of `seed --demo`."""

import re
import subprocess

import pytest
import sqlalchemy as sa

from core.users import Role, get_user_by_email
from plans.models import DevelopmentPlan, PlanGoal, PlanGoalTraining
from tests.factories import approved_plan, make_plan, make_user, target
from training.models import TrainingCompetency


def pdfinfo(path) -> str:
    return subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.fixture()
def people(seeded, db_session):
    hr = get_user_by_email(db_session, "hr@example.com")
    alex = get_user_by_email(db_session, "candidate@example.com")
    sam = get_user_by_email(db_session, "candidate2@example.com")
    for person in (alex, sam):
        target(db_session, person)
    db_session.commit()
    return alex, sam, hr


@pytest.mark.slow
def test_export_writes_the_latest_approved_plan_and_says_so(runner, db_session, people, tmp_path):
    alex, sam, hr = people
    approved_plan(db_session, alex, hr)
    make_plan(db_session, sam)
    db_session.commit()
    out = tmp_path / "alex.pdf"
    result = runner.invoke(args=["plans", "export", "--email", alex.email, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "latest approved version" in result.output and "version 1, approved" in result.output
    assert "signed by the organisation" in result.output
    assert out.read_bytes().startswith(b"%PDF")
    report = subprocess.run(["pdfsig", str(out)], capture_output=True, text=True).stdout
    assert "Signature Validation: Signature is Valid." in report
    result = runner.invoke(
        args=["plans", "export", "--email", sam.email, "--out", str(tmp_path / "sam.pdf")]
    )
    assert result.exit_code == 0 and "no version is approved yet" in result.output


def test_export_explains_a_missing_person_or_plan(runner, people, tmp_path):
    out = str(tmp_path / "x.pdf")
    result = runner.invoke(args=["plans", "export", "--email", "nobody@example.com", "--out", out])
    assert result.exit_code != 0 and "Nobody has the email" in result.output
    result = runner.invoke(args=["plans", "export", "--email", "hr@example.com", "--out", out])
    assert result.exit_code != 0 and "has no development plan yet" in result.output


@pytest.mark.commits
@pytest.mark.slow
def test_export_all_renders_every_person_with_a_process_pool(runner, db_session, people, tmp_path):
    alex, sam, hr = people
    approved_plan(db_session, alex, hr)
    make_plan(db_session, sam)
    for i in range(2):
        other = make_user(db_session, name=f"Pool Person {i}", role=Role.CANDIDATE)
        target(db_session, other)
        make_plan(db_session, other)
    db_session.commit()
    out = tmp_path / "pdfs"
    result = runner.invoke(args=["plans", "export-all", "--out", str(out), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "Wrote 4 PDF file(s)" in result.output and "with 2 process(es)" in result.output
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 4 and not any(name.endswith(".part") for name in files)
    assert any(name.startswith("alex-demo-candidate-plan-") for name in files)
    info = subprocess.run(["pdfinfo", str(out / files[0])], capture_output=True, text=True)
    assert "Tagged:          yes" in info.stdout
    result = runner.invoke(
        args=["plans", "export-all", "--out", str(tmp_path / "approved"), "--status", "approved"]
    )
    assert "Wrote 1 PDF file(s)" in result.output
    (approved,) = (tmp_path / "approved").iterdir()
    report = subprocess.run(["pdfsig", str(approved)], capture_output=True, text=True).stdout
    assert "Signature is Valid" in report  # signed in the worker processes too
    drafts = [p for p in out.iterdir() if "draft" in p.name]
    assert drafts and b"/ByteRange" not in drafts[0].read_bytes()


def test_export_all_without_plans_says_so(runner, people, tmp_path):
    result = runner.invoke(args=["plans", "export-all", "--out", str(tmp_path / "none")])
    assert result.exit_code != 0 and "no plan to export" in result.output


@pytest.mark.slow
def test_seed_demo_makes_plans_in_every_state_once(runner, db_session):
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    assert "Demo development plans (generated, labelled as demo data)" in result.output
    plans = db_session.scalars(sa.select(DevelopmentPlan).order_by(DevelopmentPlan.id)).all()
    assert {p.status for p in plans} == {"draft", "proposed", "approved", "archived"}
    assert all(p.is_demo for p in plans)
    approved = next(p for p in plans if p.status == "approved")
    assert approved.approved_by.email == "hr@example.com" and approved.version_number == 2
    archived = next(p for p in plans if p.status == "archived")
    assert archived.archive_note == "Replaced by version 2."
    assert all(link.enrollment.is_synthetic for g in approved.goals for link in g.trainings)
    assert sum(len(g.trainings) for g in approved.goals) >= 2
    # Every demo link makes sense to the reader: the course is mainly about the goal's subject
    # (issue 23 found a Linux course linked to a goal on analytical skills).
    links = db_session.execute(
        sa.select(PlanGoal.competency_code, PlanGoalTraining.title, TrainingCompetency.weight)
        .join(PlanGoalTraining, PlanGoalTraining.goal_id == PlanGoal.id)
        .outerjoin(
            TrainingCompetency,
            (TrainingCompetency.training_id == PlanGoalTraining.training_id)
            & (TrainingCompetency.competency_code == PlanGoal.competency_code),
        )
    ).all()
    assert links and all((weight or 0) >= 0.5 for _, _, weight in links), links
    again = runner.invoke(args=["seed", "--demo"])
    assert (
        "Demo development plans (generated, labelled as demo data): already present."
        in again.output
    )
    db_session.expire_all()
    assert db_session.scalar(sa.select(sa.func.count(DevelopmentPlan.id))) == len(plans)


@pytest.mark.slow
def test_no_section_heading_of_a_demo_plan_ends_a_page_alone(runner, tmp_path):
    """Each heading shares its page with the start of what it heads (the demo plans once
    left "Trainings and budget" alone at the foot of page 3)."""
    assert runner.invoke(args=["seed", "--demo"]).exit_code == 0
    followers = {
        "Must-gates": "Every must competency",
        "Goals": "1. ",
        "Trainings and budget": "TRAINING",
        "Approvals": "STEP",
        "Sign-off": "By signing",
    }
    for email in ("candidate@example.com", "candidate2@example.com"):
        out = tmp_path / f"{email}.pdf"
        result = runner.invoke(args=["plans", "export", "--email", email, "--out", str(out)])
        assert result.exit_code == 0, result.output
        pages = int(re.search(r"^Pages:\s+(\d+)$", pdfinfo(out), re.M).group(1))
        for page in range(1, pages + 1):
            text = subprocess.run(
                ["pdftotext", "-f", str(page), "-l", str(page), str(out), "-"],
                capture_output=True,
                text=True,
                check=True,
            ).stdout
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            for heading, follower in followers.items():
                if heading in lines:
                    after = lines[lines.index(heading) + 1 :]
                    assert any(line.startswith(follower) for line in after), (email, page, heading)
