"""A real, throwaway IMAP server for tests: Debian's dovecot on 127.0.0.1 and a free port.

    with DovecotServer(tmp_path) as server:
        server.append(message_bytes)
        server.host, server.port, server.user, server.password

The configuration, the password file and the Maildir live in temporary folders; plain
login without TLS is allowed (only on 127.0.0.1, only for the test). With ``tls=True``
the server offers STARTTLS with a self-signed certificate for 127.0.0.1, written to
``server.certificate`` (point ``SSL_CERT_FILE`` at it to trust it). Run as root,
dovecot needs unprivileged users for its login and mail processes: the packaged
``dovenull``/``dovecot`` users; run as anyone else, everything runs as that user.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def dovecot_or_skip() -> str:
    """The dovecot binary, or a skip (a failure under CI, where .ci/run installs it)."""
    if os.access(DOVECOT, os.X_OK):
        return DOVECOT
    message = "dovecot is not installed: install dovecot-imapd to run the IMAP tests"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class DovecotServer:
    user = "ap-inbox"
    password = "test-only-password"
    host = "127.0.0.1"

    def __init__(self, workdir: Path, tls: bool = False) -> None:
        self.binary = dovecot_or_skip()
        self.tls = tls
        self.workdir = workdir
        workdir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self._process: subprocess.Popen | None = None
        # Dovecot's auth and mail processes run unprivileged, so the password file and
        # the Maildir must not sit below a folder only root may enter (pytest's
        # tmp_path is mode 0700): they get a folder of their own.
        self.mail_root = Path(tempfile.mkdtemp(prefix="imap-mail-"))
        self.certificate = self.mail_root / "cert.pem"

    def __enter__(self) -> DovecotServer:
        config = self._write_config()
        self._process = subprocess.Popen([self.binary, "-F", "-c", str(config)],
                                         stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        self._wait_until_listening()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
        shutil.rmtree(self.mail_root, ignore_errors=True)

    def connect(self) -> imaplib.IMAP4:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        return conn

    def append(self, message: bytes, folder: str = "INBOX") -> None:
        """Deliver one message (RFC 5322 bytes) with IMAP APPEND."""
        with self.connect() as conn:
            status, detail = conn.append(folder, None, None, message)
            assert status == "OK", detail

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """Every message's flags, to check that reading marked nothing as seen."""
        with self.connect() as conn:
            conn.select(folder, readonly=True)
            status, data = conn.fetch("1:*", "(FLAGS)")
            return [d for d in data if d] if status == "OK" else []

    def _users(self) -> tuple[str, str, pwd.struct_passwd]:
        """(login user, internal user, mail user) for dovecot's processes."""
        if os.geteuid() != 0:
            me = pwd.getpwuid(os.geteuid())
            return me.pw_name, me.pw_name, me
        try:
            mail = pwd.getpwnam("dovecot")
            pwd.getpwnam("dovenull")
        except KeyError:
            pytest.skip("running as root, dovecot needs its packaged 'dovecot' and 'dovenull' "
                        "users; run the tests as an ordinary user or install dovecot-core")
        return "dovenull", "dovecot", mail

    def _write_config(self) -> Path:
        login_user, internal_user, mail = self._users()
        os.chown(self.mail_root, mail.pw_uid, mail.pw_gid)
        passwd = self.mail_root / "passwd"
        passwd.write_text(f"{self.user}:{{PLAIN}}{self.password}::::\n", encoding="utf-8")
        os.chown(passwd, mail.pw_uid, mail.pw_gid)
        run = self.workdir / "run"
        run.mkdir()
        config = self.workdir / "dovecot.conf"
        config.write_text(f"""
base_dir = {run}
state_dir = {self.workdir / "state"}
log_path = {self.workdir / "dovecot.log"}
protocols = imap
listen = 127.0.0.1
{self._ssl_settings()}
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
default_internal_user = {internal_user}
default_internal_group = {internal_user if os.geteuid() == 0 else mail.pw_name}
default_login_user = {login_user}
first_valid_uid = {min(mail.pw_uid, 1)}
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {passwd}
}}
userdb {{
  driver = static
  args = uid={mail.pw_uid} gid={mail.pw_gid} home={self.mail_root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
""", encoding="utf-8")
        return config

    def _ssl_settings(self) -> str:
        if not self.tls:
            return "ssl = no"
        if shutil.which("openssl") is None:
            pytest.skip("openssl is not installed: it makes the test server's certificate")
        key = self.mail_root / "key.pem"
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                        "-keyout", str(key), "-out", str(self.certificate)],
                       check=True, capture_output=True)
        return f"ssl = yes\nssl_cert = <{self.certificate}\nssl_key = <{key}"

    def _wait_until_listening(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                break
            try:
                with imaplib.IMAP4(self.host, self.port, timeout=2):
                    return
            except OSError:
                time.sleep(0.1)
        log = self.workdir / "dovecot.log"
        detail = log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"
        self.__exit__()
        raise RuntimeError(f"dovecot did not start on port {self.port}:\n{detail}")
