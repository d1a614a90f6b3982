"""Signing approved plans: a PAdES B-B signature (pyHanko) over the PDF, so any change made
after approval is detectable by anyone holding the file.

The organisation signs with its own certificate: a PKCS#12 file it configures, or — so that
`make run` works with nothing to set up — a self-signed certificate made on first use and
kept (with its key, readable by the owner only) in a folder under ``instance/``. A self-signed
certificate proves integrity but not identity: a reader's tool says "issuer unknown" until the
organisation's real certificate is configured.

The signature is added as an incremental update, so the tagged PDF/UA structure, language and
metadata WeasyPrint wrote stay untouched. Drafts and proposals are never signed: only what HR
approved carries the organisation's signature.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

KEY_FILE = "plan-signing.key.pem"
CERT_FILE = "plan-signing.cert.pem"
SIGNATURE_FIELD = "ProficioApproval"
SELF_SIGNED_YEARS = 10


@dataclass(frozen=True)
class SigningConfig:
    """Where the organisation's signing identity comes from (plain values: picklable for the
    export's worker processes)."""

    folder: Path  # for the self-signed identity made on first use
    organisation: str = "Proficio"
    pkcs12_path: Path | None = None
    pkcs12_password: str | None = None


def _self_signed(folder: Path, organisation: str) -> tuple[Path, Path]:
    """The self-signed key and certificate in ``folder``, made now if missing."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key_path, cert_path = folder / KEY_FILE, folder / CERT_FILE
    if key_path.exists() and cert_path.exists():
        return key_path, cert_path
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, f"{organisation} plan signing (self-signed)"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=365 * SELF_SIGNED_YEARS))
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    # Written exclusively and owner-only: two workers racing here keep the first identity.
    try:
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_path, cert_path
    with os.fdopen(fd, "wb") as handle:
        handle.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def load_signer(config: SigningConfig) -> Any:
    """A pyHanko signer for the configured PKCS#12, else the self-signed identity."""
    from pyhanko.sign import signers

    if config.pkcs12_path is not None:
        password = config.pkcs12_password.encode() if config.pkcs12_password else None
        signer = signers.SimpleSigner.load_pkcs12(str(config.pkcs12_path), passphrase=password)
        if signer is None:
            raise ValueError(f"Could not read the signing certificate {config.pkcs12_path}.")
        return signer
    key_path, cert_path = _self_signed(config.folder, config.organisation)
    return signers.SimpleSigner.load(str(key_path), str(cert_path))


def signing_certificate(config: SigningConfig) -> Any:
    """The certificate readers check the signature against (an asn1crypto certificate)."""
    return load_signer(config).signing_cert


def sign_pdf(pdf: bytes, config: SigningConfig, *, signer_name: str, reason: str) -> bytes:
    """``pdf`` with a PAdES B-B signature of the organisation appended (incremental update)."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        reason=reason,
        name=signer_name,
        location=config.organisation,
    )
    output = signers.sign_pdf(writer, metadata, signer=load_signer(config))
    return output.getvalue()
