"""Evaluation projects over a session: details, people, rating sheets, corrections, release."""

from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from assessments.access import AssessmentLockedError, can_edit_assessment, can_view_assessment
from assessments.answers import save_answers
from assessments.models import Assessment, Rating
from assessments.ratings import RatingInput
from assessments.submission import correct_submitted_rating, submit_assessment
from competencies.models import RoleProfile
from competencies.services import seed_default_framework
from core.audit import AuditEvent
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.users import Role
from evaluations.models import EvaluationProject, ProjectRole
from evaluations.people import add_co_evaluator, ask_candidate, remove_member
from evaluations.project_access import get_project_for, list_projects_for
from evaluations.projects import (
    ProjectInput,
    StaleProjectError,
    create_project,
    parse_technologies,
    set_archived,
    update_project,
)
from evaluations.release import get_released_project_for_candidate, release_results
from evaluations.sheets import get_project_sheet_for, sheet_states, start_sheet
from person_profile.build import build_person_profile
from tests.factories import competencies_by_code, make_project, make_user


@pytest.fixture()
def framework(session):
    framework, _ = seed_default_framework(session)
    return framework


@pytest.fixture()
def people(session, framework):
    return {
        "owner": make_user(session, role=Role.MANAGER, name="Olga Owner"),
        "co": make_user(session, role=Role.MANAGER, name="Cem Co"),
        "other": make_user(session, role=Role.MANAGER, name="Ola Other"),
        "ann": make_user(session, name="Ann Candidate"),
        "ben": make_user(session, name="Ben Candidate"),
        "outsider": make_user(session, name="Uma Outsider"),
        "hr": make_user(session, role=Role.HR),
        "admin": make_user(session, role=Role.ADMIN),
    }


@pytest.fixture()
def project(session, people):
    return make_project(
        session,
        people["owner"],
        candidates=[people["ann"], people["ben"]],
        co_evaluators=[people["co"]],
    )


def _role(session, code):
    return session.scalar(sa.select(RoleProfile).where(RoleProfile.code == code))


def _input(session, **overrides):
    values = {
        "title": "Migrate the file servers",
        "description": "A case: 40 servers to a virtual platform in a quarter.",
        "kind": "case",
        "budget": Decimal("250000"),
        "currency": "EUR",
        "start_on": date(2026, 3, 1),
        "deadline_on": date(2026, 5, 31),
        "technologies": ["Linux", "VMware", "Ansible"],
        "role_profile_id": _role(session, "ITPM").id,
    }
    values.update(overrides)
    return ProjectInput(**values)


def _rate_all(session, project, evaluator, candidate, levels=None, default=3, submit=True):
    sheet = start_sheet(session, project, evaluator, candidate.id)
    by_code = competencies_by_code(session, sheet.framework_id)
    levels = levels or {}
    answers = []
    for code, competency in by_code.items():
        level = levels.get(code, default)
        answers.append(RatingInput(competency.id, level=level, not_assessed=level is None))
    save_answers(session, sheet, evaluator, expected_version=sheet.version, ratings=answers)
    if submit:
        submit_assessment(session, sheet, evaluator, expected_version=sheet.version)
    return sheet


# ---------------------------------------------------------------- project details


def test_a_manager_creates_a_project_with_budget_in_cents_and_an_audit_row(session, people):
    project = create_project(session, people["owner"], _input(session, budget=Decimal("1234.5")))
    assert project.budget_cents == 123450 and project.currency == "EUR"
    assert project.technologies == ["Linux", "VMware", "Ansible"]
    assert project.role_of(people["owner"].id) is ProjectRole.OWNER
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evaluation.create"))
    assert event.after["title"] == "Migrate the file servers"
    assert event.after["start_on"] == "2026-03-01"


@pytest.mark.parametrize(
    ("overrides", "problem"),
    [
        ({"deadline_on": date(2026, 2, 1)}, "The deadline cannot be before the start date."),
        ({"budget": Decimal("-1")}, "The budget cannot be negative."),
        ({"budget": Decimal("1e12")}, "The budget may be at most 10,000,000,000."),
        ({"budget": Decimal("NaN")}, "The budget must be a number."),
        ({"budget": Decimal("Infinity")}, "The budget must be a number."),
        ({"budget": Decimal("10.005")}, "Give the budget with at most two decimal places."),
        ({"currency": None}, "Choose the currency of the budget."),
        ({"currency": "XXX"}, "Choose a currency from the list."),
        ({"budget": None, "currency": "EUR"}, "Enter the budget amount, or leave the currency"),
        ({"title": "   "}, "Enter a title."),
        ({"title": "x" * 201}, "Keep the title to at most 200 characters."),
        ({"kind": "pilot"}, "Choose whether this is a real project or a case study."),
        ({"technologies": [f"T{i}" for i in range(21)]}, "List at most 20 technologies."),
        ({"role_profile_id": 999999}, "Choose one of the role profiles of the current framework."),
        ({"start_on": None}, "Enter the start date and the deadline."),
    ],
)
def test_bad_project_details_are_refused_and_nothing_is_written(
    session, people, overrides, problem
):
    with pytest.raises(ValidationError) as error:
        create_project(session, people["owner"], _input(session, **overrides))
    assert any(p.startswith(problem) for p in error.value.problems), error.value.problems
    assert session.scalar(sa.select(sa.func.count(EvaluationProject.id))) == 0


def test_a_project_without_budget_is_fine_and_the_deadline_may_be_the_start_day(session, people):
    project = create_project(
        session,
        people["owner"],
        _input(session, budget=None, currency=None, deadline_on=date(2026, 3, 1)),
    )
    assert project.budget_cents is None and project.currency is None


@pytest.mark.parametrize("who", ["ann", "hr", "admin"])
def test_only_managers_create_projects(session, people, who):
    with pytest.raises(PermissionDeniedError):
        create_project(session, people[who], _input(session))


def test_technologies_are_split_trimmed_and_deduplicated():
    assert parse_technologies(" Linux, vmware;VMware\n Ansible ,, ") == [
        "Linux",
        "vmware",
        "Ansible",
    ]


def test_only_the_owner_edits_and_a_stale_version_is_refused(session, people, project):
    changed = _input(session, title="Renamed case")
    with pytest.raises(PermissionDeniedError):
        update_project(session, project, people["co"], changed, expected_version=project.version)
    with pytest.raises(PermissionDeniedError):
        update_project(session, project, people["hr"], changed, expected_version=project.version)
    with pytest.raises(StaleProjectError):
        update_project(session, project, people["owner"], changed, expected_version=0)
    before = project.version
    update_project(session, project, people["owner"], changed, expected_version=before)
    assert project.title == "Renamed case" and project.version == before + 1
    event = session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "evaluation.update"))
    assert event.before["title"].startswith("Server migration case")
    assert event.after["title"] == "Renamed case"


def test_changing_the_role_moves_draft_sheets_to_it(session, people, project):
    sheet = start_sheet(session, project, people["co"], people["ann"].id)
    senior = _role(session, "SITPM")
    update_project(
        session,
        project,
        people["owner"],
        _input(session, role_profile_id=senior.id),
        expected_version=project.version,
    )
    session.refresh(sheet)
    assert sheet.role_profile_id == senior.id


# ---------------------------------------------------------------- people


def test_co_evaluators_must_be_active_managers_and_not_already_in(session, people, project):
    add_co_evaluator(session, project, people["owner"], people["other"].email)
    assert project.role_of(people["other"].id) is ProjectRole.CO_EVALUATOR
    with pytest.raises(ValidationError):
        add_co_evaluator(session, project, people["owner"], people["hr"].email)
    with pytest.raises(ValidationError):
        add_co_evaluator(session, project, people["owner"], people["ann"].email)  # a candidate
    with pytest.raises(ValidationError):
        add_co_evaluator(session, project, people["owner"], people["owner"].email)


def test_removing_people_keeps_submitted_work_and_discards_drafts(session, people, project):
    _rate_all(session, project, people["owner"], people["ann"])
    draft = start_sheet(session, project, people["co"], people["ben"].id)
    draft_id = draft.id
    with pytest.raises(ConflictError):
        remove_member(session, project, people["owner"], people["ann"].id)
    remove_member(session, project, people["owner"], people["co"].id)
    assert project.role_of(people["co"].id) is None
    assert session.get(Assessment, draft_id) is None
    event = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "evaluation.co_evaluator.remove")
    )
    assert event.before["drafts_discarded"] == 1
    with pytest.raises(NotFoundError):
        remove_member(session, project, people["owner"], people["outsider"].id)


# ---------------------------------------------------------------- who sees what


def test_managers_see_their_own_and_co_evaluated_projects_hr_sees_all(session, people, project):
    theirs = make_project(session, people["other"], candidates=[people["outsider"]])
    assert list_projects_for(session, people["owner"]) == [project]
    assert list_projects_for(session, people["co"]) == [project]
    assert list_projects_for(session, people["other"]) == [theirs]
    assert set(list_projects_for(session, people["hr"])) == {project, theirs}
    assert list_projects_for(session, people["admin"]) == []
    assert list_projects_for(session, people["ann"]) == []


@pytest.mark.parametrize("who", ["other", "ann", "outsider", "admin"])
def test_anyone_outside_the_project_gets_not_found(session, people, project, who):
    with pytest.raises(NotFoundError):
        get_project_for(session, people[who], project.id)


def test_deactivated_evaluators_lose_access(session, people, project):
    people["co"].is_active = False
    with pytest.raises(NotFoundError):
        get_project_for(session, people["co"], project.id)


# ---------------------------------------------------------------- sheets


def test_a_co_evaluator_rates_with_not_observed_and_evidence_and_submits(session, people, project):
    sheet = start_sheet(session, project, people["co"], people["ann"].id)
    assert start_sheet(session, project, people["co"], people["ann"].id).id == sheet.id
    by_code = competencies_by_code(session, sheet.framework_id)
    save_answers(
        session,
        sheet,
        people["co"],
        expected_version=sheet.version,
        ratings=[RatingInput(by_code["DEL-01"].id, level=4)],
    )
    with pytest.raises(ValidationError) as error:
        submit_assessment(session, sheet, people["co"], expected_version=sheet.version)
    assert "'not observed'" in error.value.message and len(error.value.problems) == 16
    answers = [RatingInput(c.id, not_assessed=True) for code, c in by_code.items()]
    answers = [a for a in answers if a.competency_id != by_code["DEL-01"].id]
    save_answers(session, sheet, people["co"], expected_version=sheet.version, ratings=answers)
    submit_assessment(session, sheet, people["co"], expected_version=sheet.version)
    assert sheet.is_submitted and sheet.evaluation_project_id == project.id


def test_confidence_is_refused_on_an_evaluators_sheet(session, people, project):
    sheet = start_sheet(session, project, people["owner"], people["ann"].id)
    competency = competencies_by_code(session, sheet.framework_id)["DEL-01"]
    with pytest.raises(ValidationError) as error:
        save_answers(
            session,
            sheet,
            people["owner"],
            expected_version=sheet.version,
            ratings=[RatingInput(competency.id, level=3, confidence=2)],
        )
    assert "confidence belongs to self-assessments only" in error.value.problems[0]


def test_level_outside_the_scale_is_refused(session, people, project):
    sheet = start_sheet(session, project, people["owner"], people["ann"].id)
    competency = competencies_by_code(session, sheet.framework_id)["DEL-01"]
    with pytest.raises(ValidationError):
        save_answers(
            session,
            sheet,
            people["owner"],
            expected_version=sheet.version,
            ratings=[RatingInput(competency.id, level=9)],
        )
    assert session.scalar(sa.select(sa.func.count(Rating.id))) == 0


def test_sheets_only_for_evaluators_and_only_about_candidates(session, people, project):
    with pytest.raises(NotFoundError):
        start_sheet(session, project, people["other"], people["ann"].id)
    with pytest.raises(PermissionDeniedError):
        start_sheet(session, project, people["hr"], people["ann"].id)
    with pytest.raises(NotFoundError):
        start_sheet(session, project, people["owner"], people["co"].id)
    with pytest.raises(NotFoundError):
        start_sheet(session, project, people["owner"], people["outsider"].id)


def test_a_submitted_sheet_is_never_overwritten(session, people, project):
    sheet = _rate_all(session, project, people["co"], people["ann"])
    competency = competencies_by_code(session, sheet.framework_id)["DEL-01"]
    with pytest.raises(AssessmentLockedError):
        save_answers(
            session,
            sheet,
            people["co"],
            expected_version=sheet.version,
            ratings=[RatingInput(competency.id, level=1)],
        )
    assert sheet.current_ratings[competency.id].level == 3


def test_a_correction_is_a_new_row_with_a_reason_and_the_old_one_stays(session, people, project):
    sheet = _rate_all(session, project, people["co"], people["ann"])
    competency = competencies_by_code(session, sheet.framework_id)["DEL-01"]
    old = sheet.current_ratings[competency.id]
    kwargs = {"competency_id": competency.id, "expected_version": sheet.version}
    with pytest.raises(ValidationError) as error:
        correct_submitted_rating(session, sheet, people["co"], level=2, reason="typo", **kwargs)
    assert "at least 10 characters" in error.value.problems[0]
    with pytest.raises(ValidationError) as error:
        correct_submitted_rating(
            session, sheet, people["co"], level=3, reason="Checked the plan again", **kwargs
        )
    assert "already rated level 3" in error.value.problems[0]
    with pytest.raises(NotFoundError):
        correct_submitted_rating(
            session, sheet, people["owner"], level=2, reason="Not my sheet though", **kwargs
        )
    new = correct_submitted_rating(
        session,
        sheet,
        people["co"],
        level=2,
        reason="The schedule was made by a colleague",
        **kwargs,
    )
    assert (old.is_current, new.is_current, new.supersedes_id) == (False, True, old.id)
    assert new.reason == "The schedule was made by a colleague" and old.level == 3
    with pytest.raises(ConflictError):  # the version moved on with the correction
        correct_submitted_rating(
            session, sheet, people["co"], level=1, reason="Second thoughts here", **kwargs
        )
    event = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "assessment.rating.correct")
    )
    assert event.before == {"DEL-01": {"level": 3, "confidence": None, "interest": None}}
    assert event.after["reason"] == "The schedule was made by a colleague"


def test_drafts_are_corrected_on_the_sheet_not_with_a_reason(session, people, project):
    sheet = start_sheet(session, project, people["co"], people["ann"].id)
    competency = competencies_by_code(session, sheet.framework_id)["DEL-01"]
    with pytest.raises(ConflictError):
        correct_submitted_rating(
            session,
            sheet,
            people["co"],
            competency_id=competency.id,
            level=2,
            reason="Not submitted yet",
            expected_version=sheet.version,
        )


def test_sheet_visibility_drafts_private_submitted_shared_candidates_never(
    session, people, project
):
    draft = start_sheet(session, project, people["owner"], people["ann"].id)
    submitted = _rate_all(session, project, people["co"], people["ann"])
    assert can_view_assessment(people["owner"], draft)
    assert not can_view_assessment(people["co"], draft)
    assert can_view_assessment(people["owner"], submitted)
    assert can_view_assessment(people["hr"], submitted) and not can_edit_assessment(
        people["hr"], submitted
    )
    for who in ("ann", "other", "admin"):
        assert not can_view_assessment(people[who], submitted)
    assert can_edit_assessment(people["co"], submitted)
    assert not can_edit_assessment(people["owner"], submitted)
    with pytest.raises(NotFoundError):
        get_project_sheet_for(session, people["co"], project, draft.id)
    other = make_project(session, people["other"], candidates=[people["outsider"]])
    with pytest.raises(NotFoundError):  # a sheet id of one project through another project
        get_project_sheet_for(session, people["other"], other, submitted.id)


def test_an_archived_project_is_read_only_until_restored(session, people, project):
    sheet = start_sheet(session, project, people["co"], people["ann"].id)
    with pytest.raises(PermissionDeniedError):
        set_archived(session, project, people["co"], archived=True)
    set_archived(session, project, people["owner"], archived=True)
    assert not can_edit_assessment(people["co"], sheet)
    with pytest.raises(ConflictError):
        start_sheet(session, project, people["co"], people["ben"].id)
    with pytest.raises(ConflictError):
        ask_candidate(session, project, people["owner"], email=people["outsider"].email, name="Uma")
    assert list_projects_for(session, people["owner"]) == []
    assert list_projects_for(session, people["owner"], archived=True) == [project]
    set_archived(session, project, people["owner"], archived=False)
    assert can_edit_assessment(people["co"], sheet)


def test_sheet_states_report_progress_per_evaluator_and_candidate(session, people, project):
    _rate_all(session, project, people["owner"], people["ann"])
    start_sheet(session, project, people["co"], people["ben"].id)
    states = sheet_states(session, [project.id])[project.id]
    assert states[(people["owner"].id, people["ann"].id)].is_submitted
    assert states[(people["owner"].id, people["ann"].id)].answered == 17
    assert not states[(people["co"].id, people["ben"].id)].is_submitted
    assert (people["co"].id, people["ann"].id) not in states


# ---------------------------------------------------------------- release


def test_release_needs_the_owner_and_a_submitted_sheet(session, people, project):
    with pytest.raises(ValidationError):
        release_results(session, project, people["owner"])
    _rate_all(session, project, people["co"], people["ann"])
    with pytest.raises(PermissionDeniedError):
        release_results(session, project, people["co"])
    release_results(session, project, people["owner"])
    assert project.is_results_released and project.released_at is not None
    release_results(session, project, people["owner"])  # a second click changes nothing
    events = session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "evaluation.release"))
    assert len(events.all()) == 1


def test_candidates_see_results_only_after_release_and_only_of_their_projects(
    session, people, project
):
    _rate_all(session, project, people["co"], people["ann"], {"DEL-01": 4})
    with pytest.raises(NotFoundError):
        get_released_project_for_candidate(session, people["ann"], project.id)
    assert build_person_profile(session, people["ann"].id).row("DEL-01").evaluated_level is None
    release_results(session, project, people["owner"])
    assert get_released_project_for_candidate(session, people["ann"], project.id) is project
    with pytest.raises(NotFoundError):
        get_released_project_for_candidate(session, people["outsider"], project.id)
    with pytest.raises(NotFoundError):
        get_released_project_for_candidate(session, people["co"], project.id)
    profile = build_person_profile(session, people["ann"].id)
    assert profile.row("DEL-01").evaluated_level == 4
    assert [e.title for e in profile.evaluations] == [project.title]
