"""Makes the testbed's certificate authority, a valid certificate and an expired one for fastapi.medic.test."""
import datetime
import sys
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
now = datetime.datetime.now(datetime.timezone.utc)


def key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def write_key(k, path):
    path.write_bytes(
        k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption())
    )
    path.chmod(0o600)


def name(cn):
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


ca_key = key()
ca = (
    x509.CertificateBuilder()
    .subject_name(name("medic testbed CA"))
    .issuer_name(name("medic testbed CA"))
    .public_key(ca_key.public_key())
    .serial_number(x509.random_serial_number())
    .not_valid_before(now - datetime.timedelta(days=1))
    .not_valid_after(now + datetime.timedelta(days=3650))
    .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
    .sign(ca_key, hashes.SHA256())
)
(out / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))


def leaf(host, not_before, not_after, stem):
    k = key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name(host))
        .issuer_name(ca.subject)
        .public_key(k.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    (out / f"{stem}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    write_key(k, out / f"{stem}.key")


leaf("fastapi.medic.test", now - datetime.timedelta(days=1), now + datetime.timedelta(days=365), "fastapi.medic.test")
leaf(
    "fastapi.medic.test",
    now - datetime.timedelta(days=400),
    now - datetime.timedelta(days=35),
    "expired-fastapi.medic.test",
)
