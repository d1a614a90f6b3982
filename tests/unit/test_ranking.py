"""Constraints filter before ranking; every explanation carries the computed numbers."""

import numpy as np
import pytest

from tests.unit.toy import CODES, catalogue, history_where, person
from training.features import Constraints, empty_catalogue, empty_history
from training.ranking import MIN_FINISHED, format_hours, format_money, recommend
from training.recommender import ColdStartScorer, TrainingRecommender

NAMES = {"PLAN": "Planning", "LEAD": "Leadership", "TECH": "Technical skills"}


def _items():
    return catalogue(
        [
            {"key": 1, "weights": {"PLAN": 1.0}, "cost": 900, "hours": 16, "lo": 2, "hi": 3},
            {"key": 2, "weights": {"PLAN": 1.0}, "cost": 2400, "hours": 40, "format": "blended"},
            {"key": 3, "weights": {"PLAN": 0.8}, "cost": 300, "hours": 8, "language": "de"},
            {"key": 4, "weights": {"LEAD": 1.0}, "cost": 500, "hours": 12, "format": "coaching"},
            {"key": 5, "weights": {"PLAN": 1.0}, "cost": 100, "currency": "CHF"},
        ]
    )


ALEX = person([1, 1, 3], [4, 3, 3], [True, False, True])


@pytest.mark.parametrize(
    ("constraints", "allowed"),
    [
        (Constraints(max_cost=900), {1, 3, 4}),
        (Constraints(max_hours=12), {3, 4}),
        (Constraints(formats=frozenset({"coaching", "blended"})), {2, 4}),
        (Constraints(languages=frozenset({"de"})), {3}),
        (Constraints(max_cost=1000, languages=frozenset({"en"})), {1, 4}),
    ],
)
def test_constraints_filter_the_catalogue_before_ranking(constraints, allowed):
    result = recommend(ColdStartScorer().fit(), ALEX, _items(), constraints, k=10)
    assert {item.key for item in result.items} <= allowed
    assert {item.key for item in result.items} == allowed & {1, 2, 3, 4, 5}
    assert result.filtered_out == 5 - len(allowed)


def test_a_budget_never_shows_a_training_over_it_or_in_another_currency():
    items = _items()
    for budget in (0, 99, 100, 300, 899.99, 900, 10_000):
        result = recommend(ColdStartScorer().fit(), ALEX, items, Constraints(max_cost=budget), k=10)
        for item in result.items:
            assert item.currency == "EUR" and item.cost <= budget


def test_explanation_matches_the_numbers():
    items = _items()
    result = recommend(
        ColdStartScorer().fit(), ALEX, items, Constraints(max_cost=900), names=NAMES, k=1
    )
    top = result.items[0]
    assert top.key == 1
    reason = top.reasons[0]
    assert (reason.code, reason.level, reason.target, reason.gap) == ("PLAN", 1, 4, 3)
    # Aimed at 2–3 from level 1: covers levels 2 and 3 of the 3 missing.
    assert (reason.reach, reason.stretch, reason.is_must) == (2, 0, True)
    assert top.text == (
        "works on the must-gap in Planning (you 1, target 4); "
        "aimed at levels 2–3, a fit for your level 1 in Planning; 16 h; €900"
    )
    assert "closes" not in top.text  # nothing supports a promise of levels closed
    assert top.score == pytest.approx(2.0)  # must weight 2 × weight 1 × min(reach, 1)
    assert top.hours == 16 and top.cost == 900 and top.currency == "EUR"


def test_learned_explanations_carry_the_predicted_chance():
    items = _items()
    recommender = TrainingRecommender(min_rows=50, min_people=10).fit(
        history_where(items, {1: 0.7, 2: 0.2, 3: 0.4, 4: 0.5, 5: 0.3}), items
    )
    result = recommend(recommender, ALEX, items, names=NAMES, k=5)
    assert result.method == "learned"
    chances = recommender.chances(ALEX, items)
    for item in result.items:
        row = int(np.flatnonzero(items.keys == item.key)[0])
        for reason in item.reasons:
            column = CODES.index(reason.code)
            assert reason.chance == pytest.approx(chances[row, column])
            assert reason.finished == 60  # every toy person finished every training
            tenths = round(reason.chance * 10)
            assert (
                f"about {tenths} in 10 people at your level rose after this course (60 finished it)"
            ) in item.text
            assert "estimated chance" not in item.text and "synthetic" not in item.text
    assert [i.score for i in result.items] == sorted((i.score for i in result.items), reverse=True)


def test_level_fit_words_follow_the_level():
    items = catalogue(
        [
            {"key": 1, "weights": {"PLAN": 1.0}, "lo": 4, "hi": 5},
            {"key": 2, "weights": {"PLAN": 1.0}, "lo": 1, "hi": 2},
        ]
    )
    who = person([1, 0, 0], [5, None, None], [True, False, False])
    result = recommend(ColdStartScorer().fit(), who, items, names=NAMES)
    fits = {item.key: item.fit_text for item in result.items}
    assert fits[1] == "aimed at levels 4–5, above your level 1 in Planning"
    assert fits[2] == "aimed at levels 1–2, a fit for your level 1 in Planning"


def test_without_gaps_it_recommends_growing_one_level_beyond():
    who = person([4, 3, 3], [4, 3, 3], [True, False, True])
    items = catalogue([{"key": 1, "weights": {"PLAN": 1.0}, "lo": 4, "hi": 5}])
    result = recommend(ColdStartScorer().fit(), who, items, names=NAMES)
    assert result.growth_mode
    assert [i.key for i in result.items] == [1]
    assert result.items[0].reasons[0].target == 5


def test_every_gap_maximal_gives_an_answer():
    who = person([0, 0, 0], [5, 5, 5], [True, True, True])
    result = recommend(ColdStartScorer().fit(), who, _items(), names=NAMES, k=3)
    assert len(result.items) == 3 and not result.growth_mode


def test_a_competency_no_training_covers_is_reported():
    who = person([1, 1, 0], [3, 3, 3], [True, False, True])
    result = recommend(ColdStartScorer().fit(), who, _items(), names=NAMES)
    assert result.uncovered_gaps == ("TECH",)
    assert result.items  # the other gaps still get recommendations


def test_an_empty_catalogue_or_a_cold_model_answers_without_error():
    cold = TrainingRecommender().fit(empty_history(CODES), empty_catalogue(CODES))
    result = recommend(cold, ALEX, empty_catalogue(CODES), names=NAMES)
    assert result.items == () and result.method == "cold_start"
    assert result.uncovered_gaps == ("PLAN", "LEAD")


def test_excluded_trainings_are_not_recommended():
    result = recommend(ColdStartScorer().fit(), ALEX, _items(), exclude_keys={1, 2}, k=10)
    assert {i.key for i in result.items}.isdisjoint({1, 2})


def test_ties_break_towards_the_cheaper_training():
    items = catalogue(
        [
            {"key": 1, "weights": {"PLAN": 1.0}, "cost": 800},
            {"key": 2, "weights": {"PLAN": 1.0}, "cost": 400},
        ]
    )
    result = recommend(ColdStartScorer().fit(), ALEX, items)
    assert [i.key for i in result.items] == [2, 1]


def test_money_and_hours_formatting():
    assert format_money(1290, "EUR") == "€1,290"
    assert format_money(49.9, "EUR") == "€49.90"
    assert format_money(1200, "CHF") == "1,200 CHF"
    assert format_hours(16) == "16 h" and format_hours(7.5) == "7.5 h"


def test_the_chance_is_hidden_when_few_people_finished_the_course():
    items = _items()
    recommender = TrainingRecommender(min_rows=20, min_people=5).fit(
        history_where(items, {1: 0.7, 2: 0.2, 3: 0.4, 4: 0.5, 5: 0.3}, people=MIN_FINISHED - 1),
        items,
    )
    result = recommend(recommender, ALEX, items, names=NAMES, k=5)
    assert result.method == "learned" and result.items
    for item in result.items:
        assert all(r.chance is not None and not r.shows_chance for r in item.reasons)
        assert "in 10 people" not in item.text


def test_reasons_from_a_model_with_synthetic_rows_say_so():
    items = _items()
    recommender = TrainingRecommender(min_rows=50, min_people=10).fit(
        history_where(items, {1: 0.7, 2: 0.2, 3: 0.4, 4: 0.5, 5: 0.3}), items
    )
    recommender.mark_synthetic_share(0.97)
    result = recommend(recommender, ALEX, items, names=NAMES, k=5)
    assert result.synthetic and result.items
    for item in result.items:
        assert item.synthetic
        assert item.text.startswith(
            "ranked by a model trained on synthetic demo history, not real results: "
        )
    few = TrainingRecommender(min_rows=20, min_people=5).fit(
        history_where(items, {1: 0.7, 2: 0.2, 3: 0.4, 4: 0.5, 5: 0.3}, people=5), items
    )
    few.mark_synthetic_share(1.0)
    for item in recommend(few, ALEX, items, names=NAMES, k=5).items:
        assert "synthetic" in item.text  # labelled even when no chance is shown
