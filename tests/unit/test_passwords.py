"""Password hashes: the stored form stays the one Werkzeug reads and writes."""

from werkzeug.security import check_password_hash, generate_password_hash

from core.passwords import hash_password, password_matches

CHEAP = "scrypt:1024:8:1"


def test_a_hash_verifies_its_password_and_no_other():
    stored = hash_password("correct horse battery", CHEAP)
    assert stored.startswith(CHEAP + "$")
    assert password_matches(stored, "correct horse battery")
    assert not password_matches(stored, "correct horse batterz")


def test_the_same_password_gets_a_new_salt_each_time():
    assert hash_password("same password here", CHEAP) != hash_password("same password here", CHEAP)


def test_hashes_made_by_werkzeug_verify_and_ours_verify_with_werkzeug():
    assert password_matches(generate_password_hash("from werkzeug", method=CHEAP), "from werkzeug")
    assert check_password_hash(hash_password("from proficio", CHEAP), "from proficio")


def test_malformed_or_foreign_stored_values_never_match():
    for stored in ("", "no-dollar-signs", "pbkdf2:sha256:1000$salt$abcd", "scrypt:x:y:z$s$00"):
        assert not password_matches(stored, "anything")
