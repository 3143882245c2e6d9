"""A real Dovecot IMAP server for tests and benchmarks, in a folder of its own.

Debian's `dovecot-imapd` runs in the foreground with its own configuration (see
shared/notes/real-servers.md): TLS with a self-signed certificate for 127.0.0.1, one
test user with a plain password in a passwd-file, mail in Maildir folders owned by the
`dovecot` system user (mail users may not be root), an INBOX and a Sent folder. Its log
gives, per IMAP session, how many messages' headers and bodies it sent.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import grp
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from email.utils import format_datetime
from pathlib import Path

DOVECOT = shutil.which("dovecot") or (
    "/usr/sbin/dovecot" if Path("/usr/sbin/dovecot").exists() else None
)
USER = "robin@example.org"
PASSWORD = "correct horse battery staple"


@dataclass
class Dovecot:
    root: Path
    port: int
    cafile: Path
    process: subprocess.Popen[bytes]
    uid: int
    gid: int

    @property
    def log(self) -> Path:
        return self.root / "dovecot.log"

    def url(self, folder: str = "INBOX", user: str = USER) -> str:
        return f"imaps://{user}@127.0.0.1:{self.port}/{folder}"

    def maildir(self, folder: str = "INBOX") -> Path:
        """The Maildir of a folder of the test user (Dovecot's Maildir++ layout)."""
        base = self.root / "mail" / USER
        return base if folder == "INBOX" else base / f".{folder}"

    def counts(self) -> list[tuple[int, int]]:
        """(hdr_count, body_count) of every IMAP session logged so far, oldest first."""
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [
            (int(m.group(1)), int(m.group(2)))
            for m in re.finditer(r"hdr_count=(\d+) .*?body_count=(\d+)", text)
        ]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _certificate(root: Path) -> tuple[Path, Path]:
    cert, key = root / "cert.pem", root / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
            "-keyout", str(key), "-out", str(cert),
        ],
        check=True,
        capture_output=True,
    )  # fmt: skip
    return cert, key


_CONF = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = required
ssl_cert = <{cert}
ssl_key = <{key}
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_failure_delay = 0
first_valid_uid = {uid}
mail_location = maildir:{root}/mail/%u
default_internal_user = {user}
default_login_user = {login_user}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    port = 0
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
namespace inbox {{
  inbox = yes
  separator = /
  mailbox Sent {{
    special_use = \\Sent
    auto = create
  }}
}}
"""


def _owner() -> tuple[int, int, str, str]:
    """The system users Dovecot runs as: root may not be a mail user."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_uid, me.pw_gid, me.pw_name, me.pw_name
    user = pwd.getpwnam("dovecot")
    login = "dovenull"
    try:
        pwd.getpwnam(login)
    except KeyError:
        login = "dovecot"
    return user.pw_uid, grp.getgrgid(user.pw_gid).gr_gid, "dovecot", login


@contextlib.contextmanager
def running(root: Path, password: str = PASSWORD) -> Iterator[Dovecot]:
    """Start Dovecot in `root` (made traversable for the `dovecot` user), stop it after."""
    if DOVECOT is None:
        raise RuntimeError("dovecot is not installed (Debian package dovecot-imapd)")
    root.mkdir(parents=True, exist_ok=True)
    # Every folder above the mail must be traversable by the mail user.
    for parent in [root, *root.parents]:
        if parent == Path("/"):
            break
        mode = parent.stat().st_mode
        if not mode & 0o001:
            with contextlib.suppress(PermissionError):
                os.chmod(parent, mode | 0o011)
    uid, gid, user, login = _owner()
    for sub in ("run", "state", "mail", "home"):
        (root / sub).mkdir(exist_ok=True)
    for sub in ("mail", "home"):
        os.chown(root / sub, uid, gid) if os.geteuid() == 0 else None
    cert, key = _certificate(root)
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{password}::::::\n")
    port = free_port()
    conf = root / "dovecot.conf"
    conf.write_text(
        _CONF.format(
            root=root, cert=cert, key=key, uid=uid, gid=gid, port=port, user=user,
            login_user=login,
        )
    )  # fmt: skip
    process = subprocess.Popen(
        [DOVECOT, "-F", "-c", str(conf)],
        stdout=subprocess.DEVNULL,
        stderr=open(root / "dovecot.stderr", "wb"),  # noqa: SIM115
        start_new_session=True,
    )
    server = Dovecot(root, port, cert, process, uid, gid)
    try:
        deadline = time.monotonic() + 20
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    "dovecot did not start: "
                    + (root / "dovecot.stderr").read_text(errors="replace")[-500:]
                    + (server.log.read_text(errors="replace")[-500:] if server.log.exists() else "")
                )
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("dovecot did not listen within 20 s")
            time.sleep(0.1)
        yield server
    finally:
        server.stop()


def message(
    sender: tuple[str, str],
    to: list[tuple[str, str]],
    when: dt.datetime,
    msgid: str,
    *,
    cc: list[str] | None = None,
    subject: str = "topic",
    in_reply_to: str | None = None,
    extra: list[str] | None = None,
) -> bytes:
    """One RFC 5322 message with a short body (bodies must never be fetched)."""
    lines = [
        f"Message-ID: <{msgid}>",
        f"Date: {format_datetime(when.replace(tzinfo=dt.UTC))}",
        f'From: "{sender[1]}" <{sender[0]}>',
        "To: " + ", ".join(f'"{n}" <{a}>' for a, n in to),
    ]
    if cc:
        lines.append("Cc: " + ", ".join(cc))
    if in_reply_to:
        lines.append(f"In-Reply-To: <{in_reply_to}>")
    lines += [f"Subject: {subject}", *(extra or []), "MIME-Version: 1.0"]
    lines += ["Content-Type: text/plain; charset=us-ascii", "", "BODY-MARKER a body line", ""]
    return "\r\n".join(lines).encode()


@functools.lru_cache(maxsize=8)
def enron_mail(limit: int, offset: int = 0) -> tuple[list[bytes], str]:
    """Messages replayed from the Enron metadata (shared/datasets/enron) in or out of the
    busiest address's mailbox, and that address ("me"); ([], "") without the data set."""
    from benchmarks.mbox_scale import enron_dir, load_enron

    folder = enron_dir()
    if folder is None:
        return [], ""
    people, base = load_enron(folder)
    activity: Counter[int] = Counter()
    for _, sender, rcpts in base:
        activity[sender] += 1
        activity.update(r for r, _ in rcpts)
    me = activity.most_common(1)[0][0]
    mine = [m for m in base if m[1] == me or any(r == me for r, _ in m[2])]
    out = []
    for i, (when, sender, rcpts) in enumerate(mine[offset : offset + limit], start=offset):
        to = [people[r] for r, k in rcpts if k == "to"] or [people[rcpts[0][0]]]
        cc = [people[r][0] for r, k in rcpts if k == "cc"]
        out.append(message(people[sender], to, when, f"enron.{i}@imap.test.invalid", cc=cc))
    return out, people[me][0]
