"""core.db.adopt_row: a row read outside a session becomes that session's own, unchanged
instance, as if the session had loaded it."""

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from core.db import adopt_row
from core.users import User
from tests.factories import make_user

# Row values read past the ORM carry each driver's types.
pytestmark = pytest.mark.both_databases

_USERS = User.__table__


def _row(engine: sa.Engine, user_id: int) -> sa.RowMapping:
    with engine.connect() as connection:
        return connection.execute(sa.select(_USERS).where(_USERS.c.id == user_id)).one()._mapping


def test_the_adopted_instance_is_persistent_unchanged_and_held(engine, session):
    user_id = make_user(session, name="Ada Example").id
    session.commit()
    with Session(engine) as reader:
        user = adopt_row(reader, User, _row(engine, user_id))
        state = sa.inspect(user)
        assert state.persistent
        assert not reader.dirty and not reader.new
        assert reader.get(User, user_id) is user
        assert (user.name, user.created_at) == (
            "Ada Example",
            session.get(User, user_id).created_at,
        )
        assert user.created_at.tzinfo is not None  # the column type's processing was applied


def test_a_change_to_the_adopted_instance_is_written(engine, session):
    user_id = make_user(session, name="Before").id
    session.commit()
    with Session(engine) as writer:
        adopt_row(writer, User, _row(engine, user_id)).name = "After"
        writer.commit()
    assert session.scalar(sa.select(User.name).where(User.id == user_id)) == "After"


def test_an_instance_the_session_holds_wins_with_its_pending_change(engine, session):
    user_id = make_user(session, name="Stored").id
    session.commit()
    with Session(engine) as holder:
        held = holder.get(User, user_id)
        held.name = "Pending"
        assert adopt_row(holder, User, _row(engine, user_id)) is held
        assert held.name == "Pending" and held in holder.dirty
