"""The e-mail channel over STARTTLS and implicit TLS, with SMTP authentication, against a real aiosmtpd server
holding a certificate made in the test by a throwaway authority: the client checks the certificate against the
authority of ``VOISINAGE_SMTP_CA_FILE`` and refuses a server it cannot verify; a wrong password is refused."""

from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from notify_support import SmtpSink, config

from notify._email import SmtpChannel, render

pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
USER, PASSWORD = "voisinage@mairie.example", "mot-de-passe-smtp"


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


def _authority(folder: Path, label: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(label))
        .issuer_name(_name(label))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )  # key_cert_sign, crl_sign
        .sign(key, hashes.SHA256())
    )
    path = folder / f"{label}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An authority, a server certificate it signed for 127.0.0.1, and another authority that signed nothing."""
    folder = tmp_path_factory.mktemp("pki")
    ca_key, ca_cert, ca_file = _authority(folder, "ca-voisinage-test")
    _, _, other_file = _authority(folder, "ca-etrangere")
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "server.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "server.key").write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return {"ca": ca_file, "other": other_file, "cert": folder / "server.pem", "key": folder / "server.key"}


def _server_context(pki: dict[str, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki["cert"], pki["key"])
    return context


def _authenticator(server, session, envelope, mechanism, auth_data):  # aiosmtpd's callback signature
    from aiosmtpd.smtp import AuthResult, LoginPassword

    ok = isinstance(auth_data, LoginPassword) and (auth_data.login, auth_data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=(mechanism, USER) if ok else None)


def _sink(pki: dict[str, Path], mode: str, mechanism: str = "LOGIN") -> SmtpSink:
    options: dict[str, object] = {
        "authenticator": _authenticator,
        "auth_required": True,
        "auth_exclude_mechanism": ["PLAIN"] if mechanism == "LOGIN" else ["LOGIN"],
    }
    if mode == "starttls":
        options |= {"tls_context": _server_context(pki), "require_starttls": True}
    else:  # implicit TLS: the whole session is encrypted (aiosmtpd only knows STARTTLS as "TLS" for AUTH)
        options |= {"ssl_context": _server_context(pki), "server_hostname": "127.0.0.1", "auth_require_tls": False}
    return SmtpSink(**options).start()


def _send(sink: SmtpSink, tls: str, ca: Path, password: str = PASSWORD) -> None:
    c = config(sink, smtp_tls=tls, smtp_user=USER, smtp_password=password, smtp_ca_file=str(ca))
    channel = SmtpChannel(c)
    try:
        mail = render(7, "a1:pub:7:email", "alice@a.fr", "[Voisinage] Vol", "Vélo volé.", "https://l", c, None)
        channel.send(mail, "alice@a.fr")
    finally:
        channel.close()


@pytest.mark.parametrize(("mode", "mechanism"), [("starttls", "LOGIN"), ("starttls", "PLAIN"), ("tls", "LOGIN")])
def test_mail_goes_over_tls_authenticated_with_the_certificate_checked(pki, mode, mechanism) -> None:
    sink = _sink(pki, mode, mechanism)
    try:
        _send(sink, mode, pki["ca"])
    finally:
        sink.stop()
    assert sink.recipients() == ["alice@a.fr"]
    assert sink.sessions == [(True, (mechanism, USER))]  # over TLS, authenticated with that mechanism
    assert sink.messages[0][1]["Subject"] == "[Voisinage] Vol"


@pytest.mark.parametrize("mode", ["starttls", "tls"])
def test_a_certificate_from_another_authority_is_refused_and_nothing_sent(pki, mode) -> None:
    sink = _sink(pki, mode)
    try:
        with pytest.raises(ssl.SSLCertVerificationError):
            _send(sink, mode, pki["other"])
    finally:
        sink.stop()
    assert sink.recipients() == []


def test_a_wrong_password_is_refused_and_nothing_sent(pki) -> None:
    sink = _sink(pki, "starttls")
    try:
        with pytest.raises(smtplib.SMTPAuthenticationError):
            _send(sink, "starttls", pki["ca"], password="pas-le-bon")
    finally:
        sink.stop()
    assert sink.recipients() == []
