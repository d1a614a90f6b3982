"""Results of a project over a session: evaluated levels, agreement, flags, ranking, self-view."""

from dataclasses import fields

import pytest
import sqlalchemy as sa

from assessments.answers import save_answers
from assessments.ratings import RatingInput
from assessments.scoring import Perception, RankCriterion
from assessments.submission import correct_submitted_rating, submit_assessment
from competencies.services import seed_default_framework
from core.users import Role
from evaluations.project_access import get_project_for
from evaluations.results import build_project_results, corrections_for, released_view
from evaluations.sheets import start_sheet
from tests.factories import competencies_by_code, make_project, make_self_round, make_user


@pytest.fixture()
def setting(session):
    seed_default_framework(session)
    owner = make_user(session, role=Role.MANAGER, name="Olga Owner")
    co = make_user(session, role=Role.MANAGER, name="Cem Co")
    ann, ben, dee, cy = (make_user(session, name=n) for n in ("Ann", "Ben", "Dee", "Cy"))
    project = make_project(session, owner, candidates=[ann, ben, dee, cy], co_evaluators=[co])
    return {"project": project, "owner": owner, "co": co, "ann": ann, "ben": ben, "dee": dee}


def _sheet(session, project, evaluator, candidate, levels, default=3, submit=True):
    sheet = start_sheet(session, project, evaluator, candidate.id)
    by_code = competencies_by_code(session, sheet.framework_id)
    answers = []
    for code, competency in by_code.items():
        level = levels.get(code, default)
        answers.append(RatingInput(competency.id, level=level, not_assessed=level is None))
    save_answers(session, sheet, evaluator, expected_version=sheet.version, ratings=answers)
    if submit:
        submit_assessment(session, sheet, evaluator, expected_version=sheet.version)
    return sheet


@pytest.fixture()
def rated(session, setting):
    s = setting
    project = s["project"]
    _sheet(session, project, s["owner"], s["ann"], {"TEC-01": 4})
    _sheet(session, project, s["co"], s["ann"], {"TEC-01": 4, "DEL-01": 1, "LEA-01": None})
    for candidate in (s["ben"], s["dee"]):
        _sheet(session, project, s["owner"], candidate, {})
        _sheet(session, project, s["co"], candidate, {"PER-01": 4})
    make_self_round(session, s["ann"], {"DEL-01": 4, "TEC-03": 1}, default_level=3)
    session.flush()
    return s


def test_evaluated_level_is_the_lower_median_and_not_observed_is_left_out(session, rated):
    ann = build_project_results(session, rated["project"]).candidate(rated["ann"].id)
    del_01, lea_01, tec_01 = ann.row("DEL-01"), ann.row("LEA-01"), ann.row("TEC-01")
    assert (del_01.given, del_01.evaluated) == ([1, 3], 1)  # lower median of 1 and 3
    assert (lea_01.given, lea_01.evaluated, lea_01.observed_count) == ([3], 3, 1)
    assert lea_01.levels[rated["co"].id] is None
    assert tec_01.evaluated == 4


def test_agreement_and_calibration_flags_match_the_hand_computation(session, rated):
    """Ann, 16 competencies rated by both (LEA-01 only by the owner):
    owner: TEC-01 4, the other 15 at 3; co: TEC-01 4, DEL-01 1, the other 14 at 3.
    Within one level: 15 of 16 pairs (DEL-01 differs by 2).
    Quadratic kappa: D_o = (2²) / 16 = 0.25;
    D_e = [15 · (14·0 + 1·1 + 1·4) + 1 · (14·1 + 1·0 + 1·9)] / 16² = (75 + 23) / 256;
    kappa = 1 − 0.25 / (98 / 256) = 1 − 64 / 98 = 34 / 98 = 0.3469.
    """
    ann = build_project_results(session, rated["project"]).candidate(rated["ann"].id)
    assert (ann.within_one.pairs, ann.within_one.within) == (16, 15)
    assert ann.coefficient.name == "Weighted Cohen's kappa (quadratic)"
    assert ann.coefficient.value == pytest.approx(34 / 98)
    assert [r.axis.code for r in ann.flags] == ["DEL-01"]
    assert ann.row("DEL-01").spread == 2 and ann.row("DEL-01").needs_calibration


def test_gates_fit_and_ranking_with_a_tie_explained(session, rated):
    results = build_project_results(session, rated["project"])
    ann = results.candidate(rated["ann"].id)
    assert not ann.readiness.gate_passed and ann.readiness.failing_musts == ("DEL-01",)
    assert (ann.readiness.musts_met, ann.total_gap, ann.readiness.fit_score) == (4, 2, 100.0)
    order = [(r.position, r.entry.name) for r in results.ranking]
    assert order == [(1, "Ben"), (1, "Dee"), (3, "Ann")]
    assert results.ranking[0].tied_with == ("Dee",)
    assert results.ranking[2].decided_by is RankCriterion.GATE
    assert [c.name for c in results.unrated] == ["Cy"]
    assert results.flag_count == 1


def test_self_view_against_evaluated_marks_blind_spots_and_hidden_strengths(session, rated):
    ann = build_project_results(session, rated["project"]).candidate(rated["ann"].id)
    assert ann.has_self_view
    assert (ann.row("DEL-01").self_level, ann.row("DEL-01").perception) == (
        4,
        Perception.BLIND_SPOT,
    )
    assert ann.row("TEC-03").perception is Perception.HIDDEN_STRENGTH  # self 1, evaluated 3
    assert ann.row("TEC-01").perception is None  # self 3, evaluated 4: within one
    ben = build_project_results(session, rated["project"]).candidate(rated["ben"].id)
    assert not ben.has_self_view and ben.perception == []


def test_drafts_do_not_count_until_submitted(session, setting):
    s = setting
    _sheet(session, s["project"], s["owner"], s["ann"], {"DEL-01": 5}, submit=False)
    ann = build_project_results(session, s["project"]).candidate(s["ann"].id)
    assert not ann.is_rated and ann.readiness is None and ann.row("DEL-01").evaluated is None


def test_corrections_change_the_evaluated_level_and_are_listed_with_reason(session, rated):
    s = rated
    sheet = start_sheet(session, s["project"], s["co"], s["ann"].id)
    competency = competencies_by_code(session, sheet.framework_id)["DEL-01"]
    correct_submitted_rating(
        session,
        sheet,
        s["co"],
        competency_id=competency.id,
        level=3,
        reason="Re-read the risk log: the plan was hers",
        expected_version=sheet.version,
    )
    results = build_project_results(session, s["project"])
    assert results.candidate(s["ann"].id).row("DEL-01").evaluated == 3
    history = corrections_for(session, s["project"].id, s["ann"].id)
    assert [(c.assessor_name, c.competency_code, c.from_level, c.to_level) for c in history] == [
        ("Cem Co", "DEL-01", 1, 3)
    ]
    assert history[0].reason == "Re-read the risk log: the plan was hers"
    assert corrections_for(session, s["project"].id, s["ben"].id) == []


def test_the_candidates_view_keeps_levels_and_range_but_not_who_rated_what(session, rated):
    ann = build_project_results(session, rated["project"]).candidate(rated["ann"].id)
    view = released_view(ann, corrections=0)
    row = next(r for r in view.rows if r.code == "DEL-01")
    assert (row.evaluated, row.lowest, row.highest, row.is_wide) == (1, 1, 3, True)
    assert view.evaluator_count == 2
    text = repr(view)
    assert "Cem Co" not in text and "Olga Owner" not in text
    assert "levels" not in {f.name for f in fields(row)} and not hasattr(view, "raters")


def _count(session, fn):
    statements = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", listener)
    try:
        fn()
    finally:
        sa.event.remove(engine, "before_cursor_execute", listener)
    return len(statements)


def test_results_take_the_same_number_of_queries_for_2_and_20_candidates(session):
    seed_default_framework(session)
    owner = make_user(session, role=Role.MANAGER)
    co = make_user(session, role=Role.MANAGER)

    def project_with(n):
        people = [make_user(session) for _ in range(n)]
        project = make_project(session, owner, candidates=people, co_evaluators=[co])
        for person in people:
            make_self_round(session, person)
            _sheet(session, project, owner, person, {})
            _sheet(session, project, co, person, {"DEL-01": 1})
        session.flush()
        return project.id

    small, large = project_with(2), project_with(20)

    def load(project_id):
        session.expire_all()
        project = get_project_for(session, owner, project_id)
        results = build_project_results(session, project)
        assert results.ranking

    queries = _count(session, lambda: load(small))
    assert queries == _count(session, lambda: load(large)) == 6
