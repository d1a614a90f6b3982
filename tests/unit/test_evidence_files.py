"""Uploaded evidence is judged by its bytes, stored under a random name, never by its path."""

import pytest

from assessments.evidence_files import (
    JPEG,
    PDF,
    PNG,
    TEXT,
    EvidenceStore,
    check_upload,
    clean_upload_name,
    detect_file_type,
)
from core.errors import ValidationError

PDF_BYTES = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 20


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PDF_BYTES, PDF),
        (PNG_BYTES, PNG),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", JPEG),
        ("Reference from my last project lead — Zoë".encode(), TEXT),
        (b"MZ\x90\x00\x03\x00\x00\x00", None),  # a Windows executable
        (b"PK\x03\x04\x14\x00", None),  # a zip (or an office file)
        (b"\xff\xfe<\x00h\x00", None),  # UTF-16: not plain UTF-8 text
    ],
)
def test_detect_file_type_by_magic_bytes(data, expected):
    assert detect_file_type(data) == expected


@pytest.mark.parametrize(
    "name", ["../../etc/passwd", "..\\boot.ini", "a/b.pdf", "/abs.pdf", "..", "x\x00.pdf", ""]
)
def test_names_with_paths_or_control_characters_are_refused(name):
    with pytest.raises(ValidationError):
        clean_upload_name(name)


def test_a_plain_name_is_kept():
    assert clean_upload_name("  Zertifikat PRINCE2.pdf ") == "Zertifikat PRINCE2.pdf"


def test_wrong_magic_bytes_under_an_allowed_extension_are_refused():
    with pytest.raises(ValidationError) as error:
        check_upload("certificate.pdf", b"MZ\x90\x00 not a pdf at all")
    assert "accepted types" in error.value.problems[0]


def test_a_png_named_pdf_is_refused_with_the_reason():
    with pytest.raises(ValidationError) as error:
        check_upload("certificate.pdf", PNG_BYTES)
    assert "PNG image" in error.value.problems[0] and ".png" in error.value.problems[0]


def test_empty_and_too_big_files_are_refused():
    with pytest.raises(ValidationError, match="not accepted") as error:
        check_upload("a.txt", b"")
    assert error.value.problems == ["The file is empty."]
    with pytest.raises(ValidationError) as error:
        check_upload("a.pdf", PDF_BYTES + b"x" * 100, max_bytes=50)
    assert "larger than" in error.value.problems[0]


def test_a_good_upload_is_stored_under_a_random_name(tmp_path):
    upload = check_upload("Reference.PDF", PDF_BYTES)
    assert upload.file_type is PDF and upload.size == len(PDF_BYTES)
    store = EvidenceStore(tmp_path / "evidence")
    first, second = store.save(upload), store.save(upload)
    assert first != second and len(first) == 32
    assert store.path_for(first).read_bytes() == PDF_BYTES
    assert "Reference" not in first


@pytest.mark.parametrize("stored", ["../secret", "abc", "0" * 31 + "/", ""])
def test_the_store_only_opens_its_own_random_names(tmp_path, stored):
    with pytest.raises(ValueError):
        EvidenceStore(tmp_path).path_for(stored)
