"""The empty /Sig fields are real signature fields: pyHanko finds them, signs one with a
throwaway certificate, and the signature validates; poppler's pdfsig agrees."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess

import pytest

pyhanko = pytest.importorskip("pyhanko")

from asn1crypto import keys as asn1_keys, x509 as asn1_x509  # noqa: E402
from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter  # noqa: E402
from pyhanko.pdf_utils.reader import PdfFileReader  # noqa: E402
from pyhanko.sign import signers  # noqa: E402
from pyhanko.sign.fields import enumerate_sig_fields  # noqa: E402
from pyhanko.sign.validation import validate_pdf_signature  # noqa: E402
from pyhanko_certvalidator import ValidationContext  # noqa: E402
from pyhanko_certvalidator.registry import SimpleCertificateStore  # noqa: E402


def make_certificates():
    """A self-made CA and a signer with digitalSignature + nonRepudiation (pdf-forms.md §26)."""
    now = dt.datetime.now(dt.timezone.utc)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(1)
          .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
          .sign(ca_key, hashes.SHA256()))
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Γιώργος Παπαδόπουλος")]))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(2)
            .not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(ca_key, hashes.SHA256()))
    der = lambda c: asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER))  # noqa: E731
    key_der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return der(ca), der(cert), asn1_keys.PrivateKeyInfo.load(key_der)


def test_host_signs_the_learning_agreement_and_it_validates(minimal_out, tmp_path):
    source = minimal_out / "m1" / "learning-agreement.en.pdf"
    with source.open("rb") as handle:
        names = {f[0] for f in enumerate_sig_fields(PdfFileReader(handle))}
    assert names == {"la_sig_host", "la_sig_home", "la_sig_learner", "la_sig_intermediary", "la_sig_guardian"}

    ca, cert, key = make_certificates()
    signer = signers.SimpleSigner(signing_cert=cert, signing_key=key,
                                  cert_registry=SimpleCertificateStore.from_certs([ca]))
    signed = tmp_path / "signed.pdf"
    with source.open("rb") as inp, signed.open("wb") as out:
        signers.sign_pdf(IncrementalPdfFileWriter(inp), signers.PdfSignatureMetadata(field_name="la_sig_host"),
                         signer=signer, output=out)

    with signed.open("rb") as handle:
        reader = PdfFileReader(handle)
        assert len(reader.embedded_signatures) == 1
        status = validate_pdf_signature(reader.embedded_signatures[0],
                                        ValidationContext(trust_roots=[ca], allow_fetching=False))
        assert status.intact and status.valid and status.trusted, status.pretty_print_details()

    if shutil.which("pdfsig"):
        report = subprocess.run(["pdfsig", str(signed)], capture_output=True, text=True).stdout
        assert "Signature Validation: Signature is Valid." in report
