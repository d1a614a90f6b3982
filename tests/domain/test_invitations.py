"""Invitation links: single use, expiring, revocable, only a digest stored, one message."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from core.audit import AuditEvent
from core.db import utcnow
from core.errors import ValidationError
from core.invitations import (
    Invitation,
    InvitationInvalidError,
    accept_invitation,
    find_invitation,
    invite_user,
    issue_invitation,
    pending_invitations,
)
from core.users import Role, authenticate
from tests.factories import make_user

NEW_PASSWORD = "a-long-enough-password"


@pytest.fixture()
def inviter(session):
    return make_user(session, role=Role.MANAGER)


def test_an_invited_account_is_locked_until_the_link_sets_a_password(session, inviter):
    user, token = invite_user(
        session, email="nia@example.test", name="Nia New", role=Role.CANDIDATE, actor=inviter
    )
    assert not user.is_active
    assert authenticate(session, "nia@example.test", token) is None
    stored = session.scalar(sa.select(Invitation).where(Invitation.user_id == user.id))
    assert stored.token_sha256 != token and len(stored.token_sha256) == 64  # a digest only
    assert pending_invitations(session, [user.id])[user.id].id == stored.id

    accepted = accept_invitation(session, token, NEW_PASSWORD)
    assert accepted.id == user.id and user.is_active
    assert authenticate(session, "nia@example.test", NEW_PASSWORD) is not None
    assert pending_invitations(session, [user.id]) == {}
    actions = set(session.scalars(sa.select(AuditEvent.action)))
    assert {"user.create", "invitation.issue", "invitation.accept"} <= actions


def test_a_link_works_once(session, inviter):
    _, token = invite_user(
        session, email="a@example.test", name="A", role="candidate", actor=inviter
    )
    accept_invitation(session, token, NEW_PASSWORD)
    with pytest.raises(InvitationInvalidError):
        accept_invitation(session, token, "another-password-123")


def test_tampered_expired_and_replaced_links_get_the_same_message(session, inviter):
    user, token = invite_user(
        session, email="b@example.test", name="B", role="candidate", actor=inviter
    )
    messages = set()
    for bad in (token[:-1] + ("A" if token[-1] != "A" else "B"), "", "x" * 500):
        with pytest.raises(InvitationInvalidError) as error:
            find_invitation(session, bad)
        messages.add(error.value.message)
    with pytest.raises(InvitationInvalidError) as error:
        find_invitation(session, token, now=utcnow() + timedelta(days=8))
    messages.add(error.value.message)
    _, fresh = issue_invitation(session, user, inviter)
    with pytest.raises(InvitationInvalidError) as error:
        find_invitation(session, token)  # the older link was revoked by the new one
    messages.add(error.value.message)
    assert len(messages) == 1
    assert find_invitation(session, fresh).user_id == user.id


def test_a_weak_password_leaves_the_invitation_usable(session, inviter):
    user, token = invite_user(
        session, email="c@example.test", name="C", role="candidate", actor=inviter
    )
    with pytest.raises(ValidationError):
        accept_invitation(session, token, "short")
    assert not user.is_active
    assert find_invitation(session, token).used_at is None


def test_no_invitation_for_an_account_already_in_use(session, inviter):
    active = make_user(session)
    with pytest.raises(ValidationError):
        issue_invitation(session, active, inviter)
    with pytest.raises(ValidationError):
        invite_user(session, email=active.email, name="Again", role="candidate", actor=inviter)


def test_a_blocked_account_stays_blocked_whatever_link_is_renewed(session, inviter):
    """Issue 24: renewing an invitation re-activated an account an administrator had blocked."""
    from core.users import update_user

    admin = make_user(session, role=Role.ADMIN)
    user, token = invite_user(
        session, email="kim@example.test", name="Kim", role="candidate", actor=inviter
    )
    accept_invitation(session, token, NEW_PASSWORD)
    update_user(session, user, role="candidate", is_active=False, actor=admin)
    assert user.blocked_at is not None
    with pytest.raises(ValidationError, match="blocked"):
        issue_invitation(session, user, inviter)
    assert not user.is_active


def test_a_link_issued_before_the_block_no_longer_activates(session, inviter):
    from core.users import update_user

    admin = make_user(session, role=Role.ADMIN)
    user, token = invite_user(
        session, email="lee@example.test", name="Lee", role="candidate", actor=inviter
    )
    user.is_active = True  # an admin let the account in, then blocked it
    update_user(session, user, role="candidate", is_active=False, actor=admin)
    with pytest.raises(InvitationInvalidError):
        accept_invitation(session, token, NEW_PASSWORD)
    assert not user.is_active


def test_unblocking_lets_an_administrator_reissue_links(session, inviter):
    from core.users import update_user

    admin = make_user(session, role=Role.ADMIN)
    user, token = invite_user(
        session, email="max@example.test", name="Max", role="candidate", actor=inviter
    )
    accept_invitation(session, token, NEW_PASSWORD)
    update_user(session, user, role="candidate", is_active=False, actor=admin)
    update_user(session, user, role="candidate", is_active=True, actor=admin)
    assert user.blocked_at is None and user.is_active


def test_a_link_is_claimed_once_even_by_two_sessions_racing(session, inviter):
    """Issue 24: acceptance is one transaction; the link is claimed by one conditional
    update, so a second acceptance that read it as unused is still refused."""
    _, token = invite_user(
        session, email="race@example.test", name="Race", role="candidate", actor=inviter
    )
    invitation = find_invitation(session, token)
    # Another request claims the link after this one has read it: this session still holds
    # the link as unused, as a request that read it a moment earlier would.
    session.execute(
        sa.update(Invitation)
        .where(Invitation.id == invitation.id)
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    assert invitation.used_at is None
    with pytest.raises(InvitationInvalidError):
        accept_invitation(session, token, NEW_PASSWORD)
