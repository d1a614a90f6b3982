"""Every page served from a cache shows a change to anything it reads on the very next visit:
its stamp covers what it shows.

Each case visits a cached page twice (so the second visit is served from the caches), makes
one change the way the app makes it (a service call, committed), and checks that the next
response shows the change. A page whose stamp missed an input would serve the old HTML.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.models import Assessment
from competencies.models import Competency, RoleProfile
from competencies.services import current_framework
from core.users import User, get_user_by_email
from evaluations.models import EvaluationProject
from tests.factories import (
    approved_plan,
    make_closed_feedback_round,
    make_plan,
    make_project,
    make_project_assessment,
    make_self_round,
    make_training,
    make_user,
    target,
)
from tests.helpers import ROLE_EMAILS

PAGES = {
    "profile": ("candidate", "/profile/"),
    "recommendations": ("candidate", "/training/recommendations"),
    "comparison": ("manager", "/evaluations/{project}/comparison"),
    "results": ("manager", "/evaluations/{project}/candidates/{alex}/results"),
    "heatmap": ("hr", "/hr/plans/heatmap"),
    "overview": ("hr", "/hr/plans/overview"),
}
ALEX = "Alex Demo-Candidate"


@dataclass
class World:
    """What the cases change: the demo candidate Alex, aiming at Senior IT Project Manager
    with one self round; Sam, aiming at IT Project Manager; a released project of the demo
    manager rating both; an unreleased one of the second demo manager rating Alex; a training
    aimed at Alex's gaps; an approved plan of Sam's with that training linked."""

    session: Session
    alex: User
    sam: User
    manager: User
    manager2: User
    hr: User
    project: EvaluationProject
    unreleased: EvaluationProject
    sheet: Assessment
    training_id: int

    def competency(self, code: str) -> Competency:
        return self.session.scalar(
            sa.select(Competency).where(
                Competency.framework_id == current_framework(self.session).id,
                Competency.code == code,
            )
        )


@pytest.fixture()
def world(seeded, db_session) -> World:
    alex = get_user_by_email(db_session, ROLE_EMAILS["candidate"])
    manager = get_user_by_email(db_session, ROLE_EMAILS["manager"])
    manager2 = get_user_by_email(db_session, ROLE_EMAILS["manager2"])
    hr = get_user_by_email(db_session, ROLE_EMAILS["hr"])
    sam = make_user(db_session, name="Sam Stamp-Candidate")
    target(db_session, alex, "SITPM")
    target(db_session, sam, "ITPM")
    make_self_round(db_session, alex, {"DEL-01": 1, "PER-03": 2}, default_level=2)
    project = make_project(
        db_session, manager, candidates=[alex, sam], released=True, title="Stamp case"
    )
    sheet = make_project_assessment(db_session, alex, manager, {"DEL-01": 3}, project=project)
    make_project_assessment(db_session, sam, manager, {"DEL-01": 3}, project=project)
    unreleased = make_project(db_session, manager2, candidates=[alex], title="Hidden case")
    make_project_assessment(db_session, alex, manager2, {"TEC-01": 4}, project=unreleased)
    training = make_training(
        db_session, title="Server Fundamentals", weights={"TEC-01": 1.0}, level_min=0
    )
    approved_plan(db_session, sam, hr, trainings=[training])
    db_session.commit()
    return World(
        db_session, alex, sam, manager, manager2, hr, project, unreleased, sheet, training.id
    )


def _row(html: str, *labels: str) -> str:
    """The first table row of ``html`` that mentions every one of ``labels`` (or "")."""
    for row in re.findall(r"<tr\b.*?</tr>", html, flags=re.S):
        if all(label in row for label in labels):
            return row
    return ""


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# ---------------------------------------------------------------- the changes
# Each takes the world, changes one thing and returns a check the next page must pass.

Check = Callable[[str], bool]


def _self_rating(w: World) -> Check:
    make_self_round(w.session, w.alex, {"DEL-01": 1, "PER-03": 5}, default_level=2)
    # The gap table's row: the competency, the levels and "(self)" for a self-reported level.
    return lambda html: "5 (self)" in _text(_row(html, "Resilience", "(self)"))


def _feedback_round(w: World) -> Check:
    make_closed_feedback_round(w.session, w.alex, [{"DEL-01": 4}, {"DEL-01": 4}, {"DEL-01": 5}])
    return lambda html: "4 (3 answers)" in _text(_row(html, "Planning"))


def _evaluator_rating(w: World) -> Check:
    from assessments.submission import correct_submitted_rating

    correct_submitted_rating(
        w.session,
        w.sheet,
        w.manager,
        competency_id=w.competency("DEL-01").id,
        level=5,
        reason="Saw the final plan.",
        expected_version=w.sheet.version,
    )
    return lambda html: "5 (1 evaluator)" in _text(_row(html, "Planning"))


def _release(w: World) -> Check:
    from evaluations.release import release_results

    release_results(w.session, w.unreleased, w.manager2)
    return lambda html: "Hidden case" in html


def _project_title(w: World) -> Check:
    _update_project(w, title="Renamed stamp case")
    return lambda html: "Renamed stamp case" in html


def _project_role(w: World) -> Check:
    _update_project(w, role_profile_id=_role(w, "SITPM").id)
    return lambda html: "Against Senior IT Project Manager" in html


def _update_project(w: World, **changes: object) -> None:
    from evaluations.projects import ProjectInput, update_project

    p = w.project
    values = {
        "title": p.title,
        "description": p.description,
        "kind": p.kind,
        "budget": None,
        "currency": None,
        "start_on": p.start_on,
        "deadline_on": p.deadline_on,
        "technologies": list(p.technologies),
        "role_profile_id": p.role_profile_id,
    }
    values.update(changes)
    update_project(w.session, p, w.manager, ProjectInput(**values), expected_version=p.version)


def _role(w: World, code: str) -> RoleProfile:
    return w.session.scalar(
        sa.select(RoleProfile).where(
            RoleProfile.framework_id == current_framework(w.session).id, RoleProfile.code == code
        )
    )


def _target_role(w: World) -> Check:
    target(w.session, w.alex, "ITPGM")
    return lambda html: "IT Programme Manager" in _row(html, ALEX)


def _profile_target_role(w: World) -> Check:
    target(w.session, w.alex, "ITPGM")
    return lambda html: "Gaps to IT Programme Manager" in html


def _recommendations_target_role(w: World) -> Check:
    target(w.session, w.alex, "ITPGM")
    return lambda html: "Closing your gaps for IT Programme Manager" in html


def _qualification(w: World) -> Check:
    from assessments.credentials import add_qualification

    add_qualification(w.session, w.alex, kind="technical_informatics", title="BSc Informatics")
    return lambda html: "Not recorded: Degree in technical informatics" not in _text(html)


def _certification(w: World) -> Check:
    from assessments.credentials import add_certification

    add_certification(
        w.session,
        w.alex,
        name="PRINCE2 Foundation",
        issuer="PeopleCert",
        category="project_management",
        obtained_on=date(2024, 5, 1),
    )
    return lambda html: "Met: Project management certification" in _text(html)


def _role_requirement(w: World) -> Check:
    """HR publishes a new framework version in which Senior IT Project Manager needs
    Resilience at 5, and Alex aims at the role of the new version (a published version never
    changes, so a person's chosen role keeps its requirements until they choose again)."""
    from competencies.drafts import create_draft, publish_draft
    from competencies.role_profiles import RequirementChoice, set_requirements

    draft = create_draft(w.session, current_framework(w.session), w.hr)
    role = next(r for r in draft.role_profiles if r.code == "SITPM")
    resilience = next(c for c in draft.competencies if c.code == "PER-03")
    set_requirements(w.session, role, w.hr, {resilience.id: RequirementChoice("must", 5)})
    publish_draft(w.session, draft, w.hr, "Resilience is a must now.")
    target(w.session, w.alex, "SITPM")
    return lambda html: "must 5" in _text(_row(html, "Resilience", "(self)"))


def _training(w: World) -> object:
    from training.models import Training

    return w.session.get(Training, w.training_id)


def _update_training(w: World, **changes: object) -> None:
    from competencies.services import stable_uuid
    from training.catalogue import TrainingInput, update_training

    t = _training(w)
    values = {
        "title": t.title,
        "provider": t.provider,
        "format": t.format,
        "hours": t.hours,
        "cost": t.cost,
        "currency": t.currency,
        "language": t.language,
        "level_min": t.level_min,
        "level_max": t.level_max,
        "link": t.link or "",
        "description": t.description or "",
    }
    values.update(changes)
    weights = {stable_uuid("competency", "TEC-01"): 1.0}
    update_training(w.session, t, TrainingInput(**values, weights=weights), w.hr)


def _training_title(w: World) -> Check:
    _update_training(w, title="Server Masterclass")
    return lambda html: "Server Masterclass" in html


def _training_price(w: World) -> Check:
    _update_training(w, cost=Decimal("1234"))
    return lambda html: re.search(r"1,?234", html) is not None


def _new_training(w: World) -> Check:
    make_training(w.session, title="Linux Bootcamp", weights={"TEC-02": 1.0}, level_min=0)
    return lambda html: "Linux Bootcamp" in html


def _enrollment(w: World) -> Check:
    from training.enrollments import plan_training

    plan_training(w.session, w.alex, _training(w))
    return lambda html: "Planned</span>" in html


def _comparison_rating(w: World) -> Check:
    _evaluator_rating(w)
    # Alex's cell in the matrix: the evaluated level, then Alex's own view.
    return lambda html: "5 · self 1" in _text(_row(html, "Planning"))


def _candidate_self_round(w: World) -> Check:
    make_self_round(w.session, w.sam, {"DEL-01": 4}, default_level=2)
    return lambda html: "self 4" in _text(_row(html, "Planning"))


def _co_evaluator_sheet(w: World) -> Check:
    make_project_assessment(w.session, w.sam, w.manager2, {"DEL-01": 5}, project=w.project)
    return lambda html: "levels 3, 5" in _text(_row(html, "Planning"))


def _results_row(html: str) -> str:
    """Alex's Planning row: requirement, target, evaluated level, range, self level, gap."""
    return _text(_row(html, "Planning", "Delivery and planning"))


def _results_rating(w: World) -> Check:
    _evaluator_rating(w)
    return lambda html: "must 3 5 5 1" in _results_row(html)


def _results_co_evaluator_sheet(w: World) -> Check:
    make_project_assessment(w.session, w.alex, w.manager2, {"DEL-01": 1}, project=w.project)
    return lambda html: "Robin Demo-Manager" in html


def _results_self_round(w: World) -> Check:
    make_self_round(w.session, w.alex, {"DEL-01": 4}, default_level=2)
    return lambda html: "must 3 3 3 4" in _results_row(html)


def _candidate_name(w: World) -> Check:
    w.sam.name = "Samantha Renamed"
    return lambda html: "Samantha Renamed" in html


def _new_candidate(w: World) -> Check:
    from evaluations.models import ProjectMember, ProjectRole

    kim = make_user(w.session, name="Kim Late-Candidate")
    w.project.members.append(
        ProjectMember(user_id=kim.id, role=ProjectRole.CANDIDATE.value, user=kim)
    )
    return lambda html: "Kim Late-Candidate" in html


def _erased_person(w: World) -> Check:
    """A person's name changes in Proficio only when their data is erased (admin, audited)."""
    from core.audit import record_event
    from core.privacy import erase_person

    admin = get_user_by_email(w.session, ROLE_EMAILS["admin"])
    erase_person(w.session, w.sam)
    record_event(w.session, actor=admin, action="privacy.erase", entity=w.sam)
    return lambda html: "Sam Stamp-Candidate" not in html


def _new_person(w: World) -> Check:
    kim = make_user(w.session, name="Kim New-Starter")
    target(w.session, kim, "JITPM")
    return lambda html: "Kim New-Starter" in html


def _heat_self_rating(w: World) -> Check:
    make_self_round(w.session, w.alex, {"DEL-01": 1, "PER-03": 5}, default_level=2)
    return lambda html: 'title="Resilience: level 5' in _row(html, ALEX)


def _heat_release(w: World) -> Check:
    from evaluations.release import release_results

    release_results(w.session, w.unreleased, w.manager2)
    # The released sheet rates Alex's technical skills at 4 (Alex says 2).
    return lambda html: 'title="Technical skills: level 4' in _row(html, ALEX)


def _heat_role_requirement(w: World) -> Check:
    _role_requirement(w)
    return lambda html: 'title="Resilience: level 2, target 5' in _row(html, ALEX)


def _plan(w: World) -> Check:
    make_plan(w.session, w.alex)
    return lambda html: ">draft</a>" in _row(html, ALEX)


def _overview_readiness(w: World) -> Check:
    make_self_round(w.session, w.sam, default_level=5)
    # Sam alone aims at IT Project Manager, rated on Planning only: now ready.
    return lambda html: _text(_row(html, ">IT Project Manager</a>")).endswith("1 1 0 0")


def _overview_target_role(w: World) -> Check:
    target(w.session, w.alex, "ITPGM")
    return lambda html: "IT Programme Manager</a>" in html


def _overview_budget(w: World) -> Check:
    approved_plan(w.session, w.alex, w.hr, trainings=[_training(w)])
    # Two approved plans now, each with the training linked.
    return lambda html: '<td class="text-end">2</td>' in _row(html, "Approved")


CASES = {
    "profile": {
        "a self rating": _self_rating,
        "a closed feedback round": _feedback_round,
        "an evaluator's corrected rating": _evaluator_rating,
        "a project's release": _release,
        "a released project's title": _project_title,
        "the target role": _profile_target_role,
        "a qualification": _qualification,
        "a certification": _certification,
        "a role profile requirement": _role_requirement,
    },
    "recommendations": {
        "a training's title": _training_title,
        "a training's price": _training_price,
        "a new training": _new_training,
        "an enrollment": _enrollment,
        "the target role": _recommendations_target_role,
    },
    "comparison": {
        "an evaluator's corrected rating": _comparison_rating,
        "a co-evaluator's sheet": _co_evaluator_sheet,
        "a candidate's self round": _candidate_self_round,
        "a candidate's name": _candidate_name,
        "a new candidate": _new_candidate,
        "the project's title": _project_title,
        "the project's role profile": _project_role,
    },
    "results": {
        "an evaluator's corrected rating": _results_rating,
        "a co-evaluator's sheet": _results_co_evaluator_sheet,
        "the candidate's self round": _results_self_round,
    },
    "heatmap": {
        "a self rating": _heat_self_rating,
        "a project's release": _heat_release,
        "the target role": _target_role,
        "an erased person's name": _erased_person,
        "a new person": _new_person,
        "a plan": _plan,
        "a role profile requirement": _heat_role_requirement,
    },
    "overview": {
        "readiness after a self round": _overview_readiness,
        "the target role": _overview_target_role,
        "a plan's budget": _overview_budget,
    },
}


@pytest.mark.parametrize(
    ("page", "change"),
    [
        pytest.param(page, change, id=f"{page}: {change}")
        for page in CASES
        for change in CASES[page]
    ],
)
def test_the_next_visit_shows_the_change(client_for, world, page, change):
    who, url = PAGES[page]
    url = url.format(project=world.project.id, alex=world.alex.id)
    client = client_for(who)
    assert client.get(url).status_code == 200
    before = client.get(url)  # served from the caches
    assert before.status_code == 200
    shows_change = CASES[page][change](world)
    world.session.commit()
    after = client.get(url)
    assert after.status_code == 200
    assert not shows_change(before.get_data(as_text=True)), "the change shows before it is made"
    assert shows_change(after.get_data(as_text=True))
