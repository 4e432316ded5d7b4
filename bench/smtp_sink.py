"""A local SMTP server for bench_email, in a process of its own (as a mail relay is): aiosmtpd accepting every
message and writing a line per message to a file: its Message-ID and whether it carries a calendar.

    python -m bench.smtp_sink PORT OUT_FILE     # until SIGTERM
"""

import signal
import sys

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out

    async def handle_DATA(self, server, session, envelope):
        content = envelope.content
        head = content.split(b"\r\n\r\n", 1)[0]
        message_id = b""
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"message-id:"):
                message_id = line.split(b":", 1)[1].strip()
                break
        self.out.write(f"{message_id.decode()} {int(b'Content-Type: text/calendar' in content)}\n")
        self.out.flush()
        return "250 Message accepted for delivery"


def main(port, path):
    with open(path, "w", encoding="ascii") as out:
        controller = Controller(Sink(out), hostname="127.0.0.1", port=int(port))
        controller.start()
        signal.sigwait({signal.SIGTERM, signal.SIGINT})
        controller.stop()


if __name__ == "__main__":
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    main(*sys.argv[1:3])
