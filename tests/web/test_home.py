"""The home page of each role says what to do next, with exact counts and links."""

import re
from datetime import date, timedelta

import sqlalchemy as sa

from assessments.models import Assessment, Rating, TargetRoleChoice
from competencies.drafts import create_draft
from competencies.services import current_framework
from core.users import get_user_by_email
from plans.goals import add_goal
from plans.readiness_trend import quarter_label, quarter_start
from tests.factories import goal_input, make_plan, make_self_round, make_user, target


def _user(db_session, email):
    return get_user_by_email(db_session, email)


def test_a_candidate_without_a_target_role_is_asked_to_choose_one(client_for):
    html = client_for("candidate").get("/").get_data(as_text=True)
    assert "Choose the role you aim at" in html and "/profile/target-role" in html
    assert "No goal is due in the next 30 days." in html
    assert "Trainings: 0 in progress, 0 planned." in html


def test_a_candidate_sees_readiness_and_the_goals_due(client_for, db_session):
    alex = _user(db_session, "candidate@example.com")
    target(db_session, alex)
    plan = make_plan(db_session, alex, period_start=date.today() - timedelta(days=30))
    add_goal(
        db_session,
        alex,
        plan,
        goal_input(plan, "DEL-01", due_on=date.today() - timedelta(days=1)),
        expected_version=plan.lock_version,
    )
    db_session.commit()
    html = client_for("candidate").get("/").get_data(as_text=True)
    assert "Your readiness for IT Project Manager" in html
    assert "Assess yourself first" in html  # no levels yet
    assert "1 goal due within 30 days or overdue" in html and "overdue since" in html
    assert f'href="/plans/{plan.id}"' in html


def test_a_line_manager_sees_the_team_and_hr_the_approval_queue(client_for, db_session):
    alex = _user(db_session, "candidate@example.com")
    alex.line_manager_id = _user(db_session, "manager@example.com").id
    make_plan(db_session, alex)
    db_session.commit()
    manager = client_for("manager").get("/").get_data(as_text=True)
    assert "1 person reports to you: 1 plan being written" in manager
    # The demo people: Sam reports to manager2, with no plan yet.
    other = client_for("manager2").get("/").get_data(as_text=True)
    assert "1 person reports to you: 0 plans being written" in other
    assert "1 without an open plan" in other
    hr = client_for("hr").get("/").get_data(as_text=True)
    assert "No plan waits for approval." in hr and "Organisation overview" in hr


def _in_last_quarter(db_session, person, rounds=()):
    """Move the person's target-role choice and ``rounds`` into the previous quarter."""
    when = quarter_start(date.today()) - timedelta(days=20)
    db_session.execute(
        sa.update(TargetRoleChoice)
        .where(TargetRoleChoice.person_id == person.id)
        .values(chosen_at=when)
    )
    for assessment in rounds:
        db_session.execute(
            sa.update(Assessment).where(Assessment.id == assessment.id).values(submitted_at=when)
        )
        db_session.execute(
            sa.update(Rating).where(Rating.assessment_id == assessment.id).values(created_at=when)
        )


def _cells(html, role_name):
    """The readiness table's cells for ``role_name`` as text: now, then, change."""
    start = html.index(f">{role_name}</a></th>")
    row = html[start : html.index("</tr>", start)]
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.DOTALL)
    return [" ".join(re.sub(r"<[^>]+>", " ", cell).split()) for cell in cells]


def test_hr_sees_readiness_this_quarter_against_last_and_drafts_to_publish(client_for, db_session):
    alex = _user(db_session, "candidate@example.com")
    target(db_session, alex, "JITPM")
    _in_last_quarter(db_session, alex, [make_self_round(db_session, alex, default_level=1)])
    make_self_round(db_session, alex, default_level=3)  # ready only since this quarter
    newcomer = make_user(db_session)
    target(db_session, newcomer, "ITPM")  # chosen this quarter: nobody aimed at it then
    make_self_round(db_session, newcomer, default_level=1)
    hr = _user(db_session, "hr@example.com")
    create_draft(db_session, current_framework(db_session), hr)
    db_session.commit()
    html = client_for("hr").get("/").get_data(as_text=True)
    this = quarter_start(date.today())
    last = quarter_label(this - timedelta(days=1))
    assert f"Readiness per role, {quarter_label(this)} against {last}" in html
    assert f'End of <span class="text-nowrap">{last}</span>' in html
    assert _cells(html, "Junior IT Project Manager") == ["100 % 1 of 1", "0 % 0 of 1", "+100 pts"]
    # Nobody aimed at this role last quarter: no share then, and no change, rather than 0 %.
    assert _cells(html, "IT Project Manager") == [
        "0 % 0 of 1",
        "— nobody aimed at this role",
        "— no change to show",
    ]
    assert "Senior IT Project Manager" not in html  # nobody aims at it
    assert 'href="/hr/plans/heatmap?role=JITPM"' in html and 'href="/hr/plans/overview"' in html
    assert "<strong>1</strong> draft version of the framework waits" in html
    assert 'href="/framework/versions/">Review drafts' in html


def test_hr_home_shows_a_new_self_assessment_at_once(client_for, db_session):
    """HR's home keeps readiness in a cache, yet the very next visit after a change shows it."""
    alex = _user(db_session, "candidate@example.com")
    target(db_session, alex, "JITPM")
    db_session.commit()
    hr = client_for("hr")

    def ready_now():
        return _cells(hr.get("/").get_data(as_text=True), "Junior IT Project Manager")[0]

    assert ready_now() == "0 % 0 of 1"
    make_self_round(db_session, alex, default_level=3)
    db_session.commit()
    assert ready_now() == "100 % 1 of 1"


def test_an_admin_sees_accounts_and_recent_changes(client_for):
    html = client_for("admin").get("/").get_data(as_text=True)
    assert "0 accounts locked right now" in html and "invited and never signed in" in html
    assert "Recent changes to accounts and personal data" in html and "Audit trail" in html


def test_feedback_requests_and_open_rounds_show_on_the_home_pages(client_for, db_session):
    from feedback import rounds

    alex = _user(db_session, "candidate@example.com")
    today = date.today()
    round_ = rounds.open_round(
        db_session,
        alex,
        alex,
        current_framework_id(db_session),
        rounds.RoundInput([first_competency_id(db_session)], closes_on=today + timedelta(days=5)),
        today=today,
    )
    for email in ("candidate2@example.com", "manager2@example.com"):
        rounds.ask_rater(db_session, round_, alex, group="peer", email=email, name="X", today=today)
    db_session.commit()
    for who in ("candidate2", "manager2"):
        html = client_for(who).get("/").get_data(as_text=True)
        assert "1 colleague</strong> asks for your feedback" in html and "/feedback/" in html
    assert "asks for your feedback" not in client_for("candidate").get("/").get_data(as_text=True)
    hr = client_for("hr").get("/").get_data(as_text=True)
    assert "<strong>1</strong> round of feedback from colleagues takes answers now" in hr


def current_framework_id(session):
    from competencies.services import current_framework

    return current_framework(session).id


def first_competency_id(session):
    import sqlalchemy as sa

    from competencies.models import Competency

    return session.scalar(
        sa.select(Competency.id)
        .where(Competency.framework_id == current_framework_id(session))
        .order_by(Competency.position)
    )


def test_a_candidate_sees_the_first_three_trainings_for_the_gaps(client_for, db_session):
    from tests.factories import make_self_round, make_training

    assert "recommendations follow your gaps" in client_for("candidate").get("/").get_data(
        as_text=True
    )
    alex = _user(db_session, "candidate@example.com")
    target(db_session, alex)
    make_self_round(db_session, alex, {"DEL-01": 1}, default_level=3)
    for i in range(4):
        make_training(db_session, title=f"Planning course {i}", level_min=0, level_max=3)
    db_session.commit()
    html = client_for("candidate").get("/").get_data(as_text=True)
    card = html[html.index('id="top-recommendations-heading"') :]
    card = card[: card.index("</section>")]
    assert card.count("<li>") == 3 and "Planning course" in card
    assert "Aims at Planning (1 → 3, must)" in card


def test_hr_sees_the_certifications_to_renew_and_the_list_behind_them(client_for, db_session):
    from assessments.models import Certification

    alex = _user(db_session, "candidate@example.com")
    today = date.today()
    for days, name in ((20, "PMP"), (-10, "ITIL 4 Foundation"), (200, "PSM I")):
        db_session.add(
            Certification(
                person_id=alex.id,
                name=name,
                issuer="Issuer",
                category="project_management",
                obtained_on=today - timedelta(days=900),
                expires_on=today + timedelta(days=days),
            )
        )
    db_session.commit()
    hr = client_for("hr")
    home = hr.get("/").get_data(as_text=True)
    assert "<strong>1</strong> expires within 90 days; <strong>1</strong> expired this year" in home
    page = hr.get("/hr/certifications/").get_data(as_text=True)
    assert "Expiring within 90 days (1)" in page and "Expired (1)" in page
    assert "PMP" in page and "ITIL 4 Foundation" in page and "PSM I" not in page
    assert client_for("manager").get("/hr/certifications/").status_code == 403
