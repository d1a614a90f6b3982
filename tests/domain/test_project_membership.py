"""Joining a project as candidate: the owner asks, the person answers; until they accept the
evaluators see the typed name and "invited", and the answer to the owner never tells whether
an account exists."""

import pytest
import sqlalchemy as sa

from competencies.services import seed_default_framework
from core.audit import AuditEvent
from core.errors import ConflictError, NotFoundError, PermissionDeniedError, ValidationError
from core.invitations import Invitation
from core.users import UNUSABLE_PASSWORD, Role, get_user_by_email, update_user
from evaluations.membership import (
    answer_request,
    memberships_of,
    open_request_count,
    set_self_assessment_sharing,
)
from evaluations.models import MembershipStatus, ProjectRole
from evaluations.people import ask_again, ask_candidate
from evaluations.projects import set_archived
from evaluations.results import build_project_results
from evaluations.sheets import start_sheet
from tests.factories import make_project, make_self_round, make_user


@pytest.fixture()
def people(session):
    seed_default_framework(session)
    return {
        "owner": make_user(session, role=Role.MANAGER, name="Olga Owner"),
        "co": make_user(session, role=Role.MANAGER, name="Cem Co"),
        "ann": make_user(session, name="Ann Candidate"),
        "hr": make_user(session, role=Role.HR),
    }


@pytest.fixture()
def project(session, people):
    return make_project(session, people["owner"], co_evaluators=[people["co"]])


def _ask(session, project, people, email, name="Typed Name"):
    return ask_candidate(session, project, people["owner"], email=email, name=name)


def test_asking_an_existing_candidate_makes_nobody_a_candidate_yet(session, people, project):
    ann = people["ann"]
    asked = _ask(session, project, people, ann.email.upper(), name="Annie (as I know her)")
    member = asked.member
    assert member.status == MembershipStatus.INVITED and asked.recipient is ann
    assert asked.invitation_token is None  # she has an account and signs in as usual
    assert project.role_of(ann.id) is None and project.candidates == []
    assert member.shown_name == "Annie (as I know her)"  # not the account's own name
    assert project.open_requests == [member]
    with pytest.raises(NotFoundError):
        start_sheet(session, project, people["owner"], ann.id)
    assert open_request_count(session, ann) == 1
    assert [m.project_id for m in memberships_of(session, ann)] == [project.id]


def test_asking_an_unknown_address_creates_a_locked_account_without_a_password_hash(
    session, people, project
):
    asked = _ask(session, project, people, "New.Person@Example.test", name="Nia New")
    user = asked.recipient
    assert user.email == "new.person@example.test" and user.name == "Nia New"
    assert not user.is_active and user.password_hash == UNUSABLE_PASSWORD
    assert not user.check_password(UNUSABLE_PASSWORD)
    assert len(asked.invitation_token) >= 40
    assert asked.member.status == MembershipStatus.INVITED


@pytest.mark.parametrize("kind", ["manager", "hr", "blocked candidate", "unknown", "candidate"])
def test_the_answer_to_the_owner_has_the_same_shape_whoever_the_address_belongs_to(
    session, people, project, kind
):
    """Each case returns a member row shown as the typed name and "invited": the owner cannot
    tell an account from none, nor a candidate from a manager. Only who gets mail differs."""
    admin = make_user(session, role=Role.ADMIN)
    if kind == "unknown":
        email = "nobody-yet@example.test"
    elif kind == "blocked candidate":
        blocked = make_user(session, name="Bo Blocked")
        update_user(session, blocked, role="candidate", is_active=False, actor=admin)
        email = blocked.email
    else:
        email = make_user(
            session, role={"manager": Role.MANAGER, "hr": Role.HR}.get(kind, Role.CANDIDATE)
        ).email
    asked = _ask(session, project, people, email, name="Typed Name")
    assert asked.member.shown_name == "Typed Name"
    assert asked.member.status_enum.label == "Invited"
    reaches = kind in ("unknown", "candidate")
    assert (asked.recipient is not None) is reaches
    event = session.scalar(
        sa.select(AuditEvent)
        .where(AuditEvent.action == "evaluation.candidate.add")
        .order_by(AuditEvent.id.desc())
    )
    assert event.after["status"] == "invited"


def test_asking_checks_the_input_before_looking_the_address_up(session, people, project):
    for email, name, problem in [
        ("not-an-address", "Name", "Enter a valid email address."),
        (people["ann"].email, "  ", "Enter the person's name"),
        ("nobody@example.test", "x" * 500, "Enter the person's name"),
    ]:
        with pytest.raises(ValidationError) as error:
            _ask(session, project, people, email, name=name)
        assert problem in error.value.problems[0]
    assert project.open_requests == []


def test_only_the_owner_asks_and_only_while_the_project_is_open(session, people, project):
    with pytest.raises(PermissionDeniedError):
        ask_candidate(session, project, people["co"], email=people["ann"].email, name="Ann")
    _ask(session, project, people, people["ann"].email)
    with pytest.raises(ValidationError) as error:
        _ask(session, project, people, people["ann"].email)
    assert "already in this project (candidate, invited)" in error.value.problems[0]
    set_archived(session, project, people["owner"], archived=True)
    with pytest.raises(ConflictError):
        _ask(session, project, people, "late@example.test")


def test_accepting_joins_with_the_chosen_sharing_and_the_first_answer_counts(
    session, people, project
):
    ann = people["ann"]
    _ask(session, project, people, ann.email)
    member = answer_request(session, ann, project.id, accept=True, share_self_assessment=False)
    assert member.is_accepted and member.answered_at is not None
    assert not member.shares_self_assessment
    session.refresh(project)
    assert project.role_of(ann.id) is ProjectRole.CANDIDATE and project.candidates == [ann]
    assert start_sheet(session, project, people["owner"], ann.id).subject_id == ann.id
    with pytest.raises(ConflictError):
        answer_request(session, ann, project.id, accept=False, share_self_assessment=False)
    with pytest.raises(NotFoundError):
        answer_request(session, people["hr"], project.id, accept=True, share_self_assessment=True)
    assert open_request_count(session, ann) == 0
    actions = session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("evaluation.candidate.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["evaluation.candidate.add", "evaluation.candidate.accept"]


def test_declining_keeps_the_person_out_and_stops_asking_again(session, people, project):
    ann = people["ann"]
    _ask(session, project, people, ann.email)
    member = answer_request(session, ann, project.id, accept=False, share_self_assessment=True)
    assert member.status == MembershipStatus.DECLINED and not member.shares_self_assessment
    assert project.role_of(ann.id) is None and memberships_of(session, ann) == []
    with pytest.raises(ConflictError, match="declined"):
        ask_again(session, project, people["owner"], ann.id)


def test_asking_again_renews_the_link_of_an_account_never_activated(session, people, project):
    first = _ask(session, project, people, "late@example.test", name="Lee Late")
    again = ask_again(session, project, people["owner"], first.recipient.id)
    assert again.invitation_token and again.invitation_token != first.invitation_token
    usable = session.scalars(sa.select(Invitation).where(Invitation.revoked_at.is_(None))).all()
    assert len(usable) == 1
    # An account that signs in normally gets the request again, never a link.
    ann_again = _ask(session, project, people, people["ann"].email)
    assert (
        ask_again(session, project, people["owner"], ann_again.recipient.id).invitation_token
        is None
    )
    with pytest.raises(PermissionDeniedError):
        ask_again(session, project, people["co"], first.recipient.id)
    answer_request(session, people["ann"], project.id, accept=True, share_self_assessment=False)
    with pytest.raises(NotFoundError):
        ask_again(session, project, people["owner"], people["ann"].id)


def test_the_self_assessment_reaches_the_results_only_while_shared(session, people, project):
    ann = people["ann"]
    make_self_round(session, ann, {"DEL-01": 4})
    _ask(session, project, people, ann.email)
    answer_request(session, ann, project.id, accept=True, share_self_assessment=False)
    session.refresh(project)

    def self_level():
        return build_project_results(session, project).candidate(ann.id).row("DEL-01").self_level

    assert self_level() is None
    set_self_assessment_sharing(session, ann, project.id, share=True)
    assert self_level() == 4
    set_self_assessment_sharing(session, ann, project.id, share=False)
    assert self_level() is None
    with pytest.raises(NotFoundError):
        set_self_assessment_sharing(session, people["co"], project.id, share=True)
    assert get_user_by_email(session, ann.email).id == ann.id
