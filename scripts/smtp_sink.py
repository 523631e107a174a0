"""A real SMTP server for tests: accepts every message and writes it, decoded, to a directory.

Run by scripts/smtp-sink.sh (which installs aiosmtpd into a virtual environment):

    smtp_sink.py --dir DIR [--auth USER:PASSWORD] [--port N]

listens on 127.0.0.1 (port N, or a free one), prints `smtp://127.0.0.1:PORT` on its first
line of standard output once it accepts connections, and writes each message as
DIR/NNNNNN.json: {"mail_from", "rcpt_tos", "headers": {name: [values]}, "body": the text part,
decoded, "raw": the message as received}. The file appears whole (written, then renamed).
With --auth, a client must log in (AUTH PLAIN or LOGIN, allowed without TLS here) with
USER:PASSWORD before sending. It runs until killed.
"""

import argparse
import asyncio
import email
import email.policy
import json
import logging
import os
import sys
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        raw = envelope.original_content or envelope.content
        if isinstance(raw, str):
            raw = raw.encode()
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        headers = {}
        for name, value in msg.items():
            headers.setdefault(name.lower(), []).append(str(value))
        part = msg.get_body(preferencelist=("plain",))
        body = part.get_content() if part is not None else ""
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": headers,
            "body": body,
            "raw": raw.decode("utf-8", "replace"),
        }
        name = os.path.join(self.directory, "%06d.json" % self.count)
        with open(name + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(name + ".tmp", name)
        return "250 OK stored"


def authenticator(expected):
    user, _, password = expected.partition(":")

    def check(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # Not handled here: the server answers 535 itself.
        return AuthResult(success=ok, handled=False)

    return check


async def main():
    # Login without TLS is this test server's point; aiosmtpd warns about it.
    warnings.simplefilter("ignore")
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--auth")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    sink = Sink(args.dir)

    def factory():
        if args.auth:
            return SMTP(
                sink,
                authenticator=authenticator(args.auth),
                auth_required=True,
                auth_require_tls=False,
            )
        return SMTP(sink)

    loop = asyncio.get_running_loop()
    server = await loop.create_server(factory, "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print("smtp://127.0.0.1:%d" % port, flush=True)
    await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
