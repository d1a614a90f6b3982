"""Approved plans are signed (PAdES B-B): pyHanko and poppler's pdfsig both accept the
signature, a changed byte breaks it, drafts are not signed, and the PDF stays tagged."""

import io
import shutil
import subprocess

import pytest

from competencies.services import seed_default_framework
from core.users import Role
from plans.document import build_plan_document
from plans.render import render_plan_pdf
from plans.signing import SIGNATURE_FIELD, SigningConfig, signing_certificate
from tests.factories import approved_plan, make_plan, make_self_round, make_user, target

pytestmark = pytest.mark.slow

needs_pdfsig = pytest.mark.skipif(not shutil.which("pdfsig"), reason="poppler's pdfsig is missing")


@pytest.fixture()
def signing(tmp_path):
    return SigningConfig(folder=tmp_path / "signing", organisation="Example Org")


@pytest.fixture()
def person(session):
    seed_default_framework(session)
    ann = make_user(session, name="Ann Approved")
    target(session, ann)
    make_self_round(session, ann)
    return ann


def _validate(data: bytes, signing: SigningConfig):
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    reader = PdfFileReader(io.BytesIO(data))
    (signature,) = reader.embedded_signatures
    context = ValidationContext(trust_roots=[signing_certificate(signing)])
    return signature, validate_pdf_signature(signature, context)


def _pdfsig(data: bytes, tmp_path) -> str:
    path = tmp_path / "plan.pdf"
    path.write_bytes(data)
    # pdfsig exits 0 even when a digest does not match: its text is what counts.
    return subprocess.run(["pdfsig", str(path)], capture_output=True, text=True).stdout


def _approved_pdf(session, person, signing):
    hr = make_user(session, role=Role.HR, name="Hana HR")
    plan = approved_plan(session, person, hr)
    session.flush()
    return render_plan_pdf(build_plan_document(session, plan.id), signing)


@needs_pdfsig
def test_an_approved_plan_is_signed_verifiably_and_a_changed_byte_breaks_it(
    session, person, signing, tmp_path
):
    # One rendering for every check: WeasyPrint takes seconds per plan.
    data = _approved_pdf(session, person, signing)
    signature, status = _validate(data, signing)
    assert signature.field_name == SIGNATURE_FIELD
    assert status.intact and status.valid and status.trusted
    assert status.coverage.name == "ENTIRE_FILE"
    report = _pdfsig(data, tmp_path)
    assert "Signature Validation: Signature is Valid." in report
    assert "Signer Certificate Common Name: Example Org plan signing (self-signed)" in report
    assert "ETSI.CAdES.detached" in report  # PAdES, not the older adbe.pkcs7 form

    # Signing is an incremental update: the tagged structure and language stay.
    path = tmp_path / "plan.pdf"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    assert "Tagged:          yes" in info
    assert b"/Lang" in data and b"/StructTreeRoot" in data

    changed = bytearray(data)
    # A byte of the page content WeasyPrint wrote: well inside the first signed range.
    changed[changed.index(b"stream") + 200] ^= 0x01
    report = _pdfsig(bytes(changed), tmp_path)
    assert "Signature is Valid" not in report
    assert "Digest Mismatch" in report or "Signature is Invalid" in report
    _, status = _validate(bytes(changed), signing)
    assert not status.intact


def test_a_draft_is_not_signed(session, person, signing):
    plan = make_plan(session, person)
    session.flush()
    data = render_plan_pdf(build_plan_document(session, plan.id), signing)
    assert b"/ByteRange" not in data


def test_the_self_signed_identity_is_made_once_and_kept_private(signing):
    first = signing_certificate(signing)
    again = signing_certificate(signing)
    assert first.dump() == again.dump()
    key = signing.folder / "plan-signing.key.pem"
    assert key.stat().st_mode & 0o777 == 0o600
