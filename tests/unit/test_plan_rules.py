"""Who may take which step of the plan workflow, and the static-only PDF fetcher's rules."""

import pytest

from core.errors import ConflictError, PermissionDeniedError
from plans.access import Capacity
from plans.render import FetchRefusedError, resolve
from plans.workflow import Action, allowed_actions, check_action

OWNER = frozenset({Capacity.OWNER})
MANAGER = frozenset({Capacity.MANAGER})
HR = frozenset({Capacity.HR})
NOBODY: frozenset[Capacity] = frozenset()


@pytest.mark.parametrize(
    "status, held, expected",
    [
        ("draft", OWNER, {Action.EDIT, Action.PROPOSE, Action.DISCARD}),
        ("draft", MANAGER, {Action.EDIT, Action.PROPOSE, Action.DISCARD}),
        ("draft", HR, set()),
        ("proposed", OWNER, {Action.WITHDRAW}),
        ("proposed", HR, {Action.APPROVE, Action.RETURN}),
        ("approved", HR, {Action.ARCHIVE}),
        ("approved", OWNER, {Action.REVISE}),
        ("archived", MANAGER, {Action.REVISE}),
        ("archived", HR, set()),
        ("approved", NOBODY, set()),
    ],
)
def test_allowed_actions_follow_the_rules(status, held, expected):
    assert allowed_actions(status, held) == expected


def test_a_step_from_the_wrong_state_is_a_conflict_that_says_why():
    with pytest.raises(ConflictError, match="Only a proposed plan can be approved; .* draft"):
        check_action(Action.APPROVE, "draft", HR)
    with pytest.raises(ConflictError, match="Only a draft can be edited"):
        check_action(Action.EDIT, "approved", OWNER)


def test_a_step_of_another_role_is_refused():
    with pytest.raises(PermissionDeniedError, match="Only HR may approve"):
        check_action(Action.APPROVE, "proposed", OWNER)
    with pytest.raises(PermissionDeniedError, match="person or their manager"):
        check_action(Action.PROPOSE, "draft", HR)


def test_the_fetcher_serves_our_stylesheet_and_fonts():
    assert resolve("proficio:static/plan.css").name == "plan.css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://169.254.169.254/latest/meta-data/",
        "https://example.com/x.css",
        "data:text/plain;base64,cm9vdA==",
        "proficio:static/../../../../etc/passwd",
        "proficio:static/%2e%2e/render.py",
        "proficio:static/",
        "proficio:static/plan.css?x=1",
        "proficio:fonts/../../../etc/passwd",
        "proficio:fonts/evil.ttf",
        "ftp://127.0.0.1/x",
        "/etc/passwd",
    ],
)
def test_the_fetcher_refuses_everything_else(url):
    with pytest.raises(FetchRefusedError):
        resolve(url)
