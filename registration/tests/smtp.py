"""A real SMTP server for tests and benchmarks: aiosmtpd on a free local port, in a thread of its own, keeping
every message it accepted. It speaks SMTP as a mail relay does, so the mails go through Django's SMTP
backend and smtplib exactly as in production, not through the in-memory backend.

`Inbox` is the handler: `refuse` answers 550 to those recipients, `delay` holds each message that long before
its 250 (a slow server), `refuse_mail_once` answers the next MAIL FROM with 421 and nothing else (a server
closing the connection). `messages()` parses what came in (email.policy.default decodes Thai headers)."""

import asyncio
import socket
import threading
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Inbox:
    def __init__(self, refuse=(), delay=0.0):
        self.refuse = set(refuse)
        self.delay = delay
        self.refuse_mail_once = False
        self.received = []  # the raw bytes of each accepted message
        self.connections = 0  # EHLO greetings: one per SMTP connection
        self._lock = threading.Lock()

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        with self._lock:
            self.connections += 1
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if self.refuse_mail_once:
            self.refuse_mail_once = False
            return "421 4.3.2 Service shutting down, try again"
        envelope.mail_from = address
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self._lock:
            self.received.append(envelope.content)
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted for delivery"

    def messages(self):
        with self._lock:
            raw = list(self.received)
        return [message_from_bytes(content, policy=policy.default) for content in raw]

    def count(self):
        with self._lock:
            return len(self.received)


class SmtpServer:
    """`with SmtpServer(inbox) as server:` a server on `server.port` until the block ends; `port` may be
    given to start one where a server was expected before (a server that comes back)."""

    def __init__(self, inbox=None, port=None, **smtp_options):
        self.inbox = inbox or Inbox()
        self.port = port or free_port()
        # smtp_options go to aiosmtpd's SMTP (authenticator=, auth_require_tls=...).
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port, **smtp_options)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
