"""Feedback rounds from colleagues: who may open them, answering, and every anonymity rule."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from competencies.services import current_framework, seed_default_framework
from core.errors import ConflictError, NotFoundError, ValidationError
from core.users import Role, User
from feedback import answering, results, rounds
from feedback.models import FeedbackResponse, FeedbackRound
from feedback.privacy import erase_person, export_person
from feedback.receipts import receipt_key, token_digest
from tests.factories import competencies_by_code, make_user, target

KEY = receipt_key("test secret")
TODAY = date(2026, 12, 2)
LATER = TODAY + timedelta(days=15)  # after the closing day of every round here


@pytest.fixture()
def world(session):
    seed_default_framework(session)
    lead = make_user(session, role=Role.MANAGER, name="Lee Lead")
    ann = make_user(session, name="Ann")
    ann.line_manager_id = lead.id
    session.flush()
    target(session, ann)
    framework = current_framework(session)
    return {
        "ann": ann,
        "lead": lead,
        "hr": make_user(session, role=Role.HR),
        "other": make_user(session, name="Otto"),
        "framework": framework,
        "codes": competencies_by_code(session, framework.id),
    }


def _open(session, world, codes=("LEA-02", "LEA-03"), actor=None, **choice):
    return rounds.open_round(
        session,
        actor or world["ann"],
        world["ann"],
        world["framework"].id,
        rounds.RoundInput(
            competency_ids=[world["codes"][c].id for c in codes],
            closes_on=choice.pop("closes_on", TODAY + timedelta(days=10)),
            **choice,
        ),
        today=TODAY,
    )


def _ask(session, world, fr, group, n, prefix=None):
    prefix = prefix or group
    return [
        rounds.ask_rater(
            session,
            fr,
            world["ann"],
            group=group,
            email=f"{prefix}{i}@outside.test",
            name=f"{prefix.title()} {i}",
            today=TODAY,
        ).rater
        for i in range(n)
    ]


def _form_value(level):
    return answering.NOT_OBSERVED if level is None else str(level)


def _answer(session, rater, levels, comment=""):
    raw = {
        q.competency_id: _form_value(levels.get(q.competency.code)) for q in rater.round.questions
    }
    answering.save_draft(session, rater, raw, comment, expected_version=rater.version, today=TODAY)
    return answering.submit(session, rater, receipt_key=KEY, today=TODAY)


def _results(session, fr, today=LATER):
    session.flush()
    session.expire_all()
    fr = session.get(FeedbackRound, fr.id)
    return results.results_of(fr, results.load_responses(session, [fr.id])[fr.id], today=today)


# ------------------------------------------------------------------ opening and asking


def test_defaults_ask_about_the_role_can_competencies_and_leadership(session, world):
    role = target(session, world["ann"])
    ids = rounds.default_question_ids(session, role, world["framework"].id)
    codes = {c.id: code for code, c in world["codes"].items()}
    asked = {codes[i] for i in ids}
    assert {"LEA-02", "LEA-03", "LEA-04", "PER-01", "DEL-02"} <= asked  # the ITPM can ones
    assert "LEA-01" in asked  # leadership
    assert "TEC-01" not in asked  # a must, seen better elsewhere


def test_the_person_their_line_manager_and_hr_may_open_a_round_nobody_else(session, world):
    assert _open(session, world).opened_by_id == world["ann"].id
    assert _open(session, world, actor=world["lead"]).opened_by_id == world["lead"].id
    assert _open(session, world, actor=world["hr"]).opened_by_id == world["hr"].id
    with pytest.raises(NotFoundError):
        _open(session, world, actor=world["other"])
    stranger_manager = make_user(session, role=Role.MANAGER)
    with pytest.raises(NotFoundError):
        _open(session, world, actor=stranger_manager)


@pytest.mark.parametrize(
    ("choice", "problem"),
    [
        ({"min_raters": 2}, "At least 3 raters"),
        ({"min_raters": 4}, "Only HR can raise"),
        ({"closes_on": TODAY - timedelta(days=1)}, "cannot be in the past"),
        ({"closes_on": TODAY + timedelta(days=200)}, "within 90 days"),
        ({"message": "x" * 1001}, "at most 1000"),
    ],
)
def test_a_round_with_bad_choices_is_refused_whole(session, world, choice, problem):
    before = session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound))
    with pytest.raises(ValidationError) as refused:
        _open(session, world, **choice)
    assert any(problem in p for p in refused.value.problems)
    assert session.scalar(sa.select(sa.func.count()).select_from(FeedbackRound)) == before


def test_no_competency_or_one_of_another_framework_is_refused(session, world):
    with pytest.raises(ValidationError):
        _open(session, world, codes=())
    with pytest.raises(ValidationError):
        rounds.open_round(
            session,
            world["ann"],
            world["ann"],
            world["framework"].id,
            rounds.RoundInput(competency_ids=[999_999], closes_on=TODAY),
            today=TODAY,
        )


def test_hr_may_open_with_a_higher_minimum(session, world):
    assert _open(session, world, actor=world["hr"], min_raters=5).min_raters == 5


def test_outsiders_get_a_link_and_no_account_accounts_get_none(session, world):
    fr = _open(session, world)
    users_before = session.scalar(sa.select(sa.func.count()).select_from(User))
    outsider = rounds.ask_rater(
        session, fr, world["ann"], group="peer", email="Pia@Outside.test", name="Pia", today=TODAY
    )
    assert outsider.link_token and outsider.rater.user_id is None
    assert outsider.rater.token_sha256 == token_digest(outsider.link_token)
    assert outsider.rater.email == "pia@outside.test"
    colleague = rounds.ask_rater(
        session, fr, world["ann"], group="peer", email=world["other"].email, name="O", today=TODAY
    )
    assert colleague.link_token is None and colleague.rater.user_id == world["other"].id
    assert session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before


@pytest.mark.parametrize(
    ("email", "group", "problem"),
    [
        ("peer0@outside.test", "peer", "already been asked"),
        (None, "peer", "cannot rate themself"),
        ("new@outside.test", "boss", "Choose how the person works"),
        ("not-an-email", "peer", "valid email"),
    ],
)
def test_bad_rater_requests_are_refused(session, world, email, group, problem):
    fr = _open(session, world)
    _ask(session, world, fr, "peer", 1)
    with pytest.raises(ValidationError) as refused:
        rounds.ask_rater(
            session,
            fr,
            world["ann"],
            group=group,
            email=email or world["ann"].email,
            name="X",
            today=TODAY,
        )
    assert any(problem in p for p in refused.value.problems)
    assert len(fr.raters) == 1


# ------------------------------------------------------------------ answering


def test_a_submitted_answer_keeps_nothing_of_the_rater(session, world):
    fr = _open(session, world)
    (rater,) = _ask(session, world, fr, "peer", 1)
    response = _answer(session, rater, {"LEA-02": 3, "LEA-03": 2}, comment="Clear writer.")
    assert rater.has_answered and rater.token_sha256 is None and rater.draft == []
    assert rater.draft_comment == ""
    columns = set(FeedbackResponse.__table__.columns.keys())
    assert columns == {"id", "round_id", "rater_group", "receipt", "attributed_to_id", "comment"}
    assert response.attributed_to_id is None
    assert len(response.id) == 32 and not response.id.isdigit()  # random, no order
    # The receipt cannot be made without the key.
    assert response.receipt != token_digest(str(rater.id))
    assert response.receipt != results.hashlib.sha256(str(rater.id).encode()).hexdigest()


def test_drafts_are_kept_partial_and_submit_needs_every_answer(session, world):
    fr = _open(session, world)
    (rater,) = _ask(session, world, fr, "peer", 1)
    lea02 = world["codes"]["LEA-02"].id
    version = answering.save_draft(
        session, rater, {lea02: "3"}, "so far", expected_version=rater.version, today=TODAY
    )
    assert version == rater.version and {d.competency_id for d in rater.draft} == {lea02}
    with pytest.raises(ValidationError) as refused:
        answering.submit(session, rater, receipt_key=KEY, today=TODAY)
    assert refused.value.problems == ["Teamwork"]
    with pytest.raises(ConflictError):
        answering.save_draft(session, rater, {lea02: "2"}, None, expected_version=1, today=TODAY)


@pytest.mark.parametrize("value", ["9", "-1", "abc", "3.5"])
def test_levels_outside_the_scale_are_refused(session, world, value):
    fr = _open(session, world)
    (rater,) = _ask(session, world, fr, "peer", 1)
    with pytest.raises(ValidationError):
        answering.save_draft(
            session,
            rater,
            {world["codes"]["LEA-02"].id: value},
            None,
            expected_version=rater.version,
            today=TODAY,
        )


def test_a_competency_the_round_does_not_ask_is_refused(session, world):
    fr = _open(session, world)
    (rater,) = _ask(session, world, fr, "peer", 1)
    with pytest.raises(ValidationError):
        answering.save_draft(
            session,
            rater,
            {world["codes"]["TEC-01"].id: "3"},
            None,
            expected_version=rater.version,
            today=TODAY,
        )


def test_an_answer_is_given_once_and_not_after_the_round_closed(session, world):
    fr = _open(session, world)
    first, second = _ask(session, world, fr, "peer", 2)
    _answer(session, first, {"LEA-02": 3, "LEA-03": 3})
    with pytest.raises(ConflictError):
        answering.submit(session, first, receipt_key=KEY, today=TODAY)
    rounds.close_round(session, fr, world["ann"], today=TODAY)
    with pytest.raises(ConflictError):
        _answer(session, second, {"LEA-02": 3, "LEA-03": 3})


def test_links_stop_working_after_use_close_or_a_newer_reminder(session, world):
    fr = _open(session, world)
    request = rounds.ask_rater(
        session, fr, world["ann"], group="peer", email="a@outside.test", name="A", today=TODAY
    )
    assert answering.rater_for_link(session, request.link_token, TODAY).id == request.rater.id
    ((_, fresh),) = rounds.remind(session, fr, world["ann"], today=TODAY)
    with pytest.raises(answering.FeedbackLinkInvalidError):
        answering.rater_for_link(session, request.link_token, TODAY)
    assert answering.rater_for_link(session, fresh, TODAY).id == request.rater.id
    assert rounds.remind(session, fr, world["ann"], today=TODAY) == []  # once a day
    with pytest.raises(answering.FeedbackLinkInvalidError):
        answering.rater_for_link(session, fresh, fr.closes_on + timedelta(days=1))
    for bad in ("", "x" * 200, "nonsense"):
        with pytest.raises(answering.FeedbackLinkInvalidError):
            answering.rater_for_link(session, bad, TODAY)


def test_someone_else_cannot_open_an_account_request(session, world):
    fr = _open(session, world)
    request = rounds.ask_rater(
        session, fr, world["ann"], group="peer", email=world["other"].email, name="O", today=TODAY
    )
    with pytest.raises(NotFoundError):
        answering.rater_for_account(session, request.rater.id, world["lead"], TODAY)
    assert answering.rater_for_account(session, request.rater.id, world["other"], TODAY)
    assert answering.open_request_count(session, world["other"].id, TODAY) == 1


# ------------------------------------------------------------------ anonymity of results


def _closed_round(session, world, groups, **choice):
    """A round answered by ``groups``: {group: [levels of LEA-02, ...]}; then closed."""
    fr = _open(session, world, **choice)
    for group, answers in groups.items():
        raters = _ask(session, world, fr, group, len(answers))
        for rater, answer in zip(raters, answers, strict=True):
            levels = answer if isinstance(answer, dict) else {"LEA-02": answer, "LEA-03": answer}
            _answer(session, rater, levels, comment=f"{group} says {levels}")
    return fr


def test_nothing_is_shown_before_the_round_closes(session, world):
    fr = _closed_round(session, world, {"peer": [2, 3, 4]})
    with pytest.raises(ConflictError):
        _results(session, fr, today=TODAY)
    assert _results(session, fr).shown_groups


def test_a_group_appears_only_from_the_minimum_up(session, world):
    fr = _closed_round(session, world, {"peer": [2, 3, 4], "report": [4, 5]})
    shown = _results(session, fr)
    by_group = {g.group.value: g for g in shown.groups}
    assert by_group["peer"].shown and not by_group["report"].shown
    assert "2 of the at least 3" in by_group["report"].reason
    row = shown.row("LEA-02")
    assert set(row.cells) == {"peer"}
    assert row.cells["peer"].spread == results.Spread(3, 3, 2, 4)
    # The pooled figure is the peers' alone: the hidden reports change nothing.
    assert row.overall.spread == results.Spread(3, 3, 2, 4)
    assert all(c.group.value == "peer" for c in shown.comments)
    assert all(c.author is None for c in shown.comments)


def test_a_competency_observed_by_fewer_than_the_minimum_shows_no_figures(session, world):
    fr = _closed_round(
        session,
        world,
        {"peer": [{"LEA-02": 4, "LEA-03": 2}, {"LEA-03": 3}, {"LEA-03": 5}]},
    )
    row = _results(session, fr).row("LEA-02")
    assert not row.cells["peer"].is_shown and "1 observed it" in row.cells["peer"].withheld
    assert not row.overall.is_shown
    assert _results(session, fr).row("LEA-03").cells["peer"].spread.median == 3


def test_hr_raises_the_minimum_and_nobody_lowers_it(session, world):
    fr = _closed_round(session, world, {"peer": [2, 3, 4]})
    with pytest.raises(NotFoundError):
        rounds.raise_minimum(session, fr, world["ann"], 4)
    rounds.raise_minimum(session, fr, world["hr"], 4)
    assert not _results(session, fr).shown_groups
    with pytest.raises(ValidationError):
        rounds.raise_minimum(session, fr, world["hr"], 3)
    with pytest.raises(ValidationError):
        rounds.raise_minimum(session, fr, world["hr"], 2)


def test_managers_are_named_only_when_the_round_says_so(session, world):
    fr = _closed_round(session, world, {"manager": [4]}, managers_attributed=False)
    assert not _results(session, fr).named_managers
    assert not any(g.shown for g in _results(session, fr).groups)

    fr = _open(session, world, managers_attributed=True)
    request = rounds.ask_rater(
        session, fr, world["ann"], group="manager", email=world["lead"].email, name="L", today=TODAY
    )
    _answer(session, request.rater, {"LEA-02": 4, "LEA-03": None}, comment="Keep it up.")
    shown = _results(session, fr)
    assert shown.named_managers
    assert shown.row("LEA-02").named == (results.NamedAnswer("Lee Lead", 4),)
    assert shown.comments == (
        results.Comment(results.RaterGroup.MANAGER, "Keep it up.", "Lee Lead"),
    )


def test_every_export_row_meets_the_minimum_and_a_hidden_group_changes_no_figure(session, world):
    answers = {"peer": [1, 3, 5, 4], "other": [5, 5]}
    with_small_group = _closed_round(session, world, answers)
    without = _closed_round(session, world, {"peer": answers["peer"]})
    rows = results.export_rows(session, LATER)
    assert rows and all(row[6] >= 3 for row in rows)
    assert {row[5] for row in rows} == {"peer", "all"}
    figures = {
        fr.id: [row[3:] for row in rows if row[0] == fr.id] for fr in (with_small_group, without)
    }
    assert figures[with_small_group.id] == figures[without.id]


def test_a_group_drops_below_the_minimum_when_a_rater_is_erased(session, world):
    fr = _open(session, world)
    peers = [make_user(session, name=f"Peer {i}") for i in range(3)]
    for peer in peers:
        request = rounds.ask_rater(
            session, fr, world["ann"], group="peer", email=peer.email, name=peer.name, today=TODAY
        )
        _answer(session, request.rater, {"LEA-02": 3, "LEA-03": 3})
    assert _results(session, fr).shown_groups  # 3 of 3
    summary = erase_person(session, peers[0], receipt_key=KEY, today=TODAY)
    assert summary["feedback_answers_erased"] == 1
    shown = _results(session, fr)
    assert not shown.shown_groups
    assert "2 of the at least 3" in shown.groups[0].reason


def test_erasing_after_results_were_shown_withholds_the_group(session, world):
    fr = _open(session, world)
    peers = [make_user(session, name=f"Peer {i}") for i in range(4)]
    for i, peer in enumerate(peers):
        request = rounds.ask_rater(
            session, fr, world["ann"], group="peer", email=peer.email, name=peer.name, today=TODAY
        )
        _answer(session, request.rater, {"LEA-02": 1 + i, "LEA-03": 2})
    rounds.close_round(session, fr, world["ann"], today=TODAY)
    assert _results(session, fr).shown_groups
    erase_person(session, peers[3], receipt_key=KEY, today=TODAY)
    shown = _results(session, fr)
    assert not shown.shown_groups and "erased" in shown.groups[0].reason
    assert results.export_rows(session, LATER) == []


def test_erasure_with_another_key_finds_no_answer(session, world):
    fr = _open(session, world)
    peer = make_user(session)
    request = rounds.ask_rater(
        session, fr, world["ann"], group="peer", email=peer.email, name="P", today=TODAY
    )
    _answer(session, request.rater, {"LEA-02": 3, "LEA-03": 3})
    summary = erase_person(session, peer, receipt_key=receipt_key("other"), today=TODAY)
    assert summary["feedback_answers_erased"] == 0


def test_progress_counts_answers_per_group_never_who(session, world):
    fr = _open(session, world)
    peers = _ask(session, world, fr, "peer", 3)
    _ask(session, world, fr, "report", 1)
    _answer(session, peers[1], {"LEA-02": 3, "LEA-03": 3})
    progress = rounds.progress_of(fr)
    assert [(p.group.value, p.answered, p.invited) for p in progress] == [
        ("peer", 1, 3),
        ("report", 0, 1),
    ]


def test_the_export_of_a_rater_lists_requests_not_answers(session, world):
    fr = _open(session, world)
    request = rounds.ask_rater(
        session, fr, world["ann"], group="peer", email=world["other"].email, name="O", today=TODAY
    )
    _answer(session, request.rater, {"LEA-02": 5, "LEA-03": 1})
    exported = export_person(session, world["other"])
    assert exported["feedback_requests_to_you"] == [
        {
            "round": fr.id,
            "group": "peer",
            "asked_at": exported["feedback_requests_to_you"][0]["asked_at"],
            "answered": True,
            "draft_answers": 0,
        }
    ]
    assert set(exported["feedback_requests_to_you"][0]) == {
        "round",
        "group",
        "asked_at",
        "answered",
        "draft_answers",
    }


def test_the_profile_shows_colleagues_as_a_third_source_once_the_round_closed(session, world):
    from assessments.scoring import Perception
    from person_profile.build import build_person_profile
    from tests.factories import make_self_round

    make_self_round(session, world["ann"], {"LEA-02": 5, "LEA-03": 1}, default_level=None)
    fr = _closed_round(session, world, {"peer": [2, 3, 3], "report": [4, 5]})
    session.flush()
    before = build_person_profile(session, world["ann"].id, today=TODAY)
    assert not before.has_colleague_levels  # still open on TODAY
    after = build_person_profile(session, world["ann"].id, today=LATER)
    row = after.row("LEA-02")
    assert (row.colleague_level, row.colleague_count) == (3, 3)  # peers only: reports hidden
    assert row.self_level == 5 and row.level == 5  # never averaged into the effective level
    assert after.feedback_round_id == fr.id
    assert {(g.code, g.kind) for g in after.colleague_perception} == {
        ("LEA-02", Perception.BLIND_SPOT),
        ("LEA-03", Perception.HIDDEN_STRENGTH),
    }
