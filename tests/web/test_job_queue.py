"""The job queue only runs messages signed with the installation's secret (issue 24)."""

import pickle

import pytest


def test_queue_messages_are_signed_and_a_forged_one_is_refused():
    from webapp.tasks import huey

    serializer = huey.serializer
    message = serializer.serialize({"job": 1})
    assert serializer.deserialize(message) == {"job": 1}
    forged = pickle.dumps({"job": 2})
    with pytest.raises(ValueError):
        serializer.deserialize(forged + b":" + b"0" * 40)
    body, _, signature = message.rpartition(b":")
    with pytest.raises(ValueError):
        serializer.deserialize(body.replace(b"\x01", b"\x02") + b":" + signature)
