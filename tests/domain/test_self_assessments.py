"""Self-assessment rounds on a plain session: start, save, lock, conflicts, history, evidence."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from assessments.access import (
    AssessmentLockedError,
    StaleAssessmentError,
    can_view_assessment,
    get_assessment_for,
)
from assessments.answers import save_answers
from assessments.evidence import EvidenceInput, remove_evidence
from assessments.evidence_files import EvidenceStore
from assessments.models import Assessment, Evidence, Rating
from assessments.ratings import RatingInput
from assessments.rounds import list_self_assessments, start_self_assessment
from assessments.submission import submit_assessment
from assessments.target_roles import choose_target_role, current_target_choice, target_role_history
from competencies.models import RoleProfile
from competencies.services import seed_default_framework
from core.audit import AuditEvent
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import Role
from tests.factories import competencies_by_code, make_self_round, make_user

PDF = b"%PDF-1.4\n%demo\n"


@pytest.fixture()
def framework(session):
    framework, _ = seed_default_framework(session)
    return framework


@pytest.fixture()
def person(session, framework):
    return make_user(session)


@pytest.fixture()
def codes(session, framework):
    return competencies_by_code(session, framework.id)


def _role(session, code):
    return session.scalar(sa.select(RoleProfile).where(RoleProfile.code == code))


def test_start_opens_round_one_on_the_current_framework(session, person, framework):
    assessment = start_self_assessment(session, person)
    assert (assessment.round_number, assessment.status, assessment.version) == (1, "draft", 1)
    assert assessment.framework_id == framework.id
    assert assessment.subject_id == assessment.assessor_id == person.id


def test_only_one_open_round_per_person(session, person):
    start_self_assessment(session, person)
    with pytest.raises(ConflictError, match="already have an open self-assessment"):
        start_self_assessment(session, person)
    other = make_user(session)
    assert start_self_assessment(session, other).round_number == 1


def test_the_database_refuses_a_second_open_round_too(session, person, framework):
    start_self_assessment(session, person)
    session.add(
        Assessment(
            kind="self",
            subject_id=person.id,
            assessor_id=person.id,
            framework_id=framework.id,
            round_number=2,
        )
    )
    with pytest.raises(sa.exc.IntegrityError):
        session.flush()


def test_save_accepts_partial_answers_and_appends_instead_of_overwriting(session, person, codes):
    assessment = start_self_assessment(session, person)
    plan = codes["DEL-01"].id
    first = save_answers(
        session,
        assessment,
        person,
        expected_version=1,
        ratings=[RatingInput(plan, level=2, confidence=1)],
    )
    assert first.ratings_changed == 1 and first.version == 2
    second = save_answers(
        session, assessment, person, expected_version=2, ratings=[RatingInput(plan, level=3)]
    )
    assert second.version == 3
    rows = session.scalars(sa.select(Rating).where(Rating.competency_id == plan)).all()
    assert [(r.level, r.confidence, r.is_current) for r in rows] == [(2, 1, False), (3, 1, True)]
    assert rows[1].supersedes_id == rows[0].id


def test_an_unchanged_answer_adds_no_row_and_keeps_the_version(session, person, codes):
    assessment = start_self_assessment(session, person)
    item = RatingInput(codes["DEL-01"].id, level=2)
    save_answers(session, assessment, person, expected_version=1, ratings=[item])
    again = save_answers(session, assessment, person, expected_version=2, ratings=[item])
    assert not again.changed and again.version == 2
    assert session.scalar(sa.select(sa.func.count(Rating.id))) == 1


def test_confidence_alone_is_not_an_answer_yet(session, person, codes):
    assessment = start_self_assessment(session, person)
    result = save_answers(
        session,
        assessment,
        person,
        expected_version=1,
        ratings=[RatingInput(codes["DEL-01"].id, confidence=3)],
    )
    assert not result.changed and assessment.current_ratings == {}


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (dict(level=7), "level must be one of 0, 1, 2, 3, 4, 5"),
        (dict(level=-1), "level must be one of"),
        (dict(level=2, confidence=4), "confidence must be 1, 2 or 3"),
        (dict(level=2, interest=0), "interest must be 1, 2 or 3"),
        (dict(level=2, not_assessed=True), "not both"),
    ],
)
def test_bad_answers_save_nothing(session, person, codes, item, message):
    assessment = start_self_assessment(session, person)
    good = RatingInput(codes["TEC-01"].id, level=1)
    bad = RatingInput(codes["DEL-01"].id, **item)
    with pytest.raises(ValidationError) as error:
        save_answers(session, assessment, person, expected_version=1, ratings=[good, bad])
    assert any(message in p for p in error.value.problems)
    assert session.scalar(sa.select(sa.func.count(Rating.id))) == 0
    assert assessment.version == 1


def test_a_competency_of_another_framework_is_refused(session, person):
    assessment = start_self_assessment(session, person)
    with pytest.raises(ValidationError, match="Nothing was saved"):
        save_answers(
            session, assessment, person, expected_version=1, ratings=[RatingInput(10**9, level=1)]
        )


def test_a_stale_version_is_a_conflict_with_a_clear_message(session, person, codes):
    assessment = start_self_assessment(session, person)
    item = RatingInput(codes["DEL-01"].id, level=2)
    save_answers(session, assessment, person, expected_version=1, ratings=[item])
    with pytest.raises(StaleAssessmentError) as error:
        save_answers(
            session,
            assessment,
            person,
            expected_version=1,
            ratings=[RatingInput(codes["DEL-01"].id, level=4)],
        )
    assert error.value.status_code == 409
    assert "changed in another tab or window" in error.value.message
    assert error.value.current_version == 2
    assert assessment.current_ratings[codes["DEL-01"].id].level == 2


def test_two_sessions_saving_the_same_version_one_loses_with_a_conflict(
    engine, session, person, codes
):
    """The version check holds across connections too (the UPDATE names the version)."""
    assessment = start_self_assessment(session, person)
    session.commit()
    plan = codes["DEL-01"].id
    with Session(engine) as other:
        theirs = other.get(Assessment, assessment.id)
        them = other.get(type(person), person.id)
        save_answers(other, theirs, them, expected_version=1, ratings=[RatingInput(plan, level=4)])
        other.commit()
    with pytest.raises(StaleAssessmentError):
        save_answers(
            session, assessment, person, expected_version=1, ratings=[RatingInput(plan, level=1)]
        )
    session.rollback()
    session.expire_all()
    stored = session.get(Assessment, assessment.id)
    assert stored.version == 2
    assert stored.current_ratings[plan].level == 4


def test_submit_needs_an_answer_for_every_competency(session, person, codes):
    assessment = start_self_assessment(session, person)
    save_answers(
        session,
        assessment,
        person,
        expected_version=1,
        ratings=[RatingInput(codes["TEC-01"].id, level=1)],
    )
    with pytest.raises(ValidationError) as error:
        submit_assessment(session, assessment, person, expected_version=2)
    assert "16 competencies have no answer yet" in error.value.message
    assert "Delivery and planning: Planning" in error.value.problems
    assert assessment.is_draft


def test_not_assessed_counts_as_an_answer(session, person, codes):
    assessment = make_self_round(session, person, {"TEC-01": None}, submit=False)
    submit_assessment(session, assessment, person, expected_version=assessment.version)
    assert assessment.is_submitted and assessment.submitted_at is not None
    assert assessment.current_ratings[codes["TEC-01"].id].level is None


def test_a_submitted_round_can_never_change(session, person, codes):
    assessment = make_self_round(session, person)
    version = assessment.version
    with pytest.raises(AssessmentLockedError, match="can no longer be changed"):
        save_answers(
            session,
            assessment,
            person,
            expected_version=version,
            ratings=[RatingInput(codes["TEC-01"].id, level=5)],
        )
    with pytest.raises(AssessmentLockedError):
        submit_assessment(session, assessment, person, expected_version=version)
    with pytest.raises(AssessmentLockedError):
        remove_evidence(session, assessment, person, 1, expected_version=version)
    assert assessment.current_ratings[codes["TEC-01"].id].level == 2


def test_nobody_else_can_see_or_change_a_self_assessment(session, person, codes):
    assessment = make_self_round(session, person, submit=False)
    other = make_user(session)
    manager = make_user(session, role=Role.MANAGER)
    assert can_view_assessment(person, assessment)
    assert not can_view_assessment(other, assessment)
    assert not can_view_assessment(manager, assessment)
    with pytest.raises(NotFoundError):
        get_assessment_for(session, other, assessment.id)
    with pytest.raises(NotFoundError):
        save_answers(
            session,
            assessment,
            other,
            expected_version=assessment.version,
            ratings=[RatingInput(codes["TEC-01"].id, level=5)],
        )


def test_history_lists_rounds_newest_first_with_their_target_role(session, person):
    choose_target_role(session, person, _role(session, "ITPM").id)
    make_self_round(session, person)
    choose_target_role(session, person, _role(session, "SITPM").id)
    make_self_round(session, person, default_level=3)
    make_self_round(session, person, submit=False)
    rounds = list_self_assessments(session, person.id)
    assert [r.round_number for r in rounds] == [3, 2, 1]
    assert [r.status for r in rounds] == ["draft", "submitted", "submitted"]
    assert rounds[2].role_profile.code == "ITPM" and rounds[1].role_profile.code == "SITPM"


def test_target_role_changes_keep_their_history(session, person):
    first = choose_target_role(session, person, _role(session, "JITPM").id)
    assert choose_target_role(session, person, _role(session, "JITPM").id) is first
    choose_target_role(session, person, _role(session, "ITPM").id)
    history = target_role_history(session, person.id)
    assert [h.role_profile.code for h in history] == ["ITPM", "JITPM"]
    assert history[1].ended_at is not None and history[0].is_current
    assert current_target_choice(session, person.id).role_profile.code == "ITPM"


def test_a_role_outside_the_current_framework_is_refused(session, person):
    with pytest.raises(ValidationError):
        choose_target_role(session, person, 10**9)


def test_rating_changes_and_submission_are_audited(session, person, codes):
    assessment = make_self_round(session, person)
    actions = session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.entity_type == "Assessment", AuditEvent.entity_id == str(assessment.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["assessment.start", "assessment.ratings.save", "assessment.submit"]
    saved = session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "assessment.ratings.save")
    )
    assert saved.after["TEC-01"] == {"level": 2, "confidence": 2, "interest": 2}
    assert saved.before["TEC-01"] is None


def test_evidence_with_a_file_is_stored_under_a_random_name(session, person, codes, tmp_path):
    store = EvidenceStore(tmp_path)
    assessment = start_self_assessment(session, person)
    result = save_answers(
        session,
        assessment,
        person,
        expected_version=1,
        evidence=[
            EvidenceInput(
                codes["TEC-01"].id,
                "certificate",
                text="PRINCE2 certificate",
                url="https://example.org/cert",
                file_name="prince2.pdf",
                file_data=PDF,
            )
        ],
        store=store,
    )
    assert result.evidence_added == 1 and result.version == 2
    row = session.scalar(sa.select(Evidence))
    assert row.file_original_name == "prince2.pdf" and row.file_content_type == "application/pdf"
    assert store.path_for(row.file_stored_name).read_bytes() == PDF
    assert row.file_size_bytes == len(PDF) and len(row.file_sha256) == 64


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (dict(kind="certificate", file_name="x.pdf", file_data=b"MZ\x90\x00"), "accepted types"),
        (dict(kind="certificate", file_name="../../x.pdf", file_data=PDF), "folders"),
        (dict(kind="certificate", file_name="big.pdf", file_data=PDF + b"0" * 200), "larger"),
        (dict(kind="certificate", url="javascript:alert(1)"), "http:// or https://"),
        (dict(kind="gossip", text="heard it somewhere"), "what kind of evidence"),
        (dict(kind="observation"), "needs a text, a link or a file"),
    ],
)
def test_bad_evidence_is_refused_and_nothing_is_written(
    session, person, codes, tmp_path, item, message
):
    assessment = start_self_assessment(session, person)
    with pytest.raises(ValidationError) as error:
        save_answers(
            session,
            assessment,
            person,
            expected_version=1,
            ratings=[RatingInput(codes["TEC-01"].id, level=2)],
            evidence=[EvidenceInput(codes["TEC-01"].id, **item)],
            store=EvidenceStore(tmp_path),
            max_file_bytes=100,
        )
    assert any(message in p for p in error.value.problems), error.value.problems
    assert session.scalar(sa.select(sa.func.count(Rating.id))) == 0
    assert list(tmp_path.iterdir()) == []


def test_removed_evidence_is_kept_but_marked(session, person, codes):
    assessment = start_self_assessment(session, person)
    save_answers(
        session,
        assessment,
        person,
        expected_version=1,
        evidence=[EvidenceInput(codes["TEC-01"].id, "observation", text="Led the cut-over")],
    )
    row = session.scalar(sa.select(Evidence))
    version = remove_evidence(session, assessment, person, row.id, expected_version=2)
    assert version == 3 and row.removed_at is not None
    with pytest.raises(NotFoundError):
        remove_evidence(session, assessment, person, row.id, expected_version=3)
