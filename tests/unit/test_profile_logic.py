"""The pure parts of the profile: which self level counts, and qualifications a role expects."""

from datetime import UTC, datetime

from assessments.levels import RoundInfo, SelfRating, latest_self_levels
from person_profile.qualifications import HeldCertification, HeldQualification, check_qualifications

R1 = RoundInfo(10, 1, datetime(2026, 1, 1, tzinfo=UTC))
R2 = RoundInfo(20, 2, datetime(2026, 6, 1, tzinfo=UTC))


def test_the_latest_round_wins_whatever_order_the_rows_come_in():
    ratings = [SelfRating(20, "u-plan", 3, 2, 1), SelfRating(10, "u-plan", 1, 1, 3)]
    (rating, source) = latest_self_levels([R1, R2], ratings)["u-plan"]
    assert (rating.level, source.label) == (3, "Round 2")


def test_level_zero_in_the_latest_round_replaces_an_earlier_level():
    ratings = [SelfRating(10, "u-plan", 2, 2, 2), SelfRating(20, "u-plan", 0, 3, 1)]
    assert latest_self_levels([R1, R2], ratings)["u-plan"][0].level == 0


def test_not_assessed_later_keeps_the_earlier_level_and_says_where_it_is_from():
    ratings = [SelfRating(10, "u-plan", 2, 2, 2), SelfRating(20, "u-plan", None, None, 3)]
    rating, source = latest_self_levels([R1, R2], ratings)["u-plan"]
    assert rating.level == 2 and source.label == "Round 1"


def test_no_rating_at_all_gives_no_self_level():
    assert latest_self_levels([R1], []) == {}
    assert latest_self_levels([R1], [SelfRating(10, "u-plan", None, None, None)]) == {}


def test_ratings_of_rounds_that_are_not_submitted_are_ignored():
    assert latest_self_levels([R1], [SelfRating(99, "u-plan", 4, 1, 1)]) == {}


ROUTES = [
    "Degree in technical informatics",
    "Degree in electrical engineering",
    "IT specialist training",
]
PM_CERT = "Project management certification (e.g. PRINCE2 Practitioner, PMP or IPMA Level C)"


def test_any_one_route_into_the_role_is_enough():
    check = check_qualifications(ROUTES, [HeldQualification("it_specialist_training", "")], [])
    assert check.route_met and check.is_met
    assert [item.is_met for item in check.routes] == [False, False, True]


def test_a_role_expecting_a_certification_needs_a_valid_one_of_that_category():
    held = [HeldQualification("technical_informatics", "BSc")]
    expired = [HeldCertification("project_management", "PMP", is_valid=False)]
    check = check_qualifications([*ROUTES, PM_CERT], held, expired)
    assert check.route_met and not check.is_met
    valid = [HeldCertification("project_management", "PRINCE2 Practitioner", is_valid=True)]
    check = check_qualifications([*ROUTES, PM_CERT], held, valid)
    assert check.is_met
    assert check.others[0].met_by == ("PRINCE2 Practitioner",)


def test_an_unusual_expectation_is_met_by_a_record_with_exactly_that_name():
    check = check_qualifications(["MBA"], [HeldQualification("other", "mba")], [])
    assert check.is_met and not check.routes


def test_a_role_without_expectations_has_nothing_to_meet():
    check = check_qualifications([], [], [])
    assert not check.has_expectations and check.is_met


def test_other_qualifications_do_not_count_as_a_route():
    check = check_qualifications(ROUTES, [HeldQualification("other", "Philosophy")], [])
    assert not check.route_met
