"""A local fake of the LINE Messaging API, for tests: never the real service.

A small HTTP server in a thread on a free port of 127.0.0.1; point LINE_API_HOST at ``fake.url`` (the SDK's
configurable host) and the real SDK talks to it. It records every request (path, headers, JSON body) and
answers like LINE:

- ``POST /v2/bot/message/push``: 200 with ``sentMessages``; 401 for a wrong channel access token; 409 for an
  X-Line-Retry-Key it has accepted before (LINE's answer to a retried push that already went). Per userId:
  ``refuse[user] = 400`` answers that status every time, ``answers[user] = [500, ...]`` answers those
  statuses in turn before accepting, ``lose_answer.add(user)`` accepts the next push but answers 500 (the
  answer lost on the way back).
- ``POST /v2/bot/message/reply``: 200; 400 for a reply token used before.

``delivered`` lists the pushes LINE took, ``(to, text)``; ``replies`` the replies, ``(reply token, text)``.
"""

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

TOKEN = "fake-line-channel-access-token"
SECRET = "fake-line-channel-secret"
BASIC_ID = "@prachum"


@dataclass
class Request:
    method: str
    path: str
    headers: dict
    body: dict

    @property
    def retry_key(self):
        return self.headers.get("x-line-retry-key", "")


class FakeLineApi:
    def __init__(self, token=TOKEN):
        self.token = token
        self.requests = []
        self.delivered = []
        self.replies = []
        self.refuse = {}
        self.answers = {}
        self.lose_answer = set()
        self._accepted_keys = {}
        self._used_reply_tokens = set()
        self._lock = threading.Lock()
        self._server = None

    # --- running ---

    def start(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    body = {"_raw": raw.decode("utf-8", "replace")}
                request = Request("POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                status, payload, headers = fake.answer(request)
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    # --- what LINE would answer ---

    def answer(self, request):
        with self._lock:
            self.requests.append(request)
            if request.headers.get("authorization") != f"Bearer {self.token}":
                return 401, {"message": "Authentication failed. Confirm that the access token in the authorization header is valid."}, {}
            if request.path == "/v2/bot/message/push":
                return self._push(request)
            if request.path == "/v2/bot/message/reply":
                return self._reply(request)
            return 404, {"message": "Not found"}, {}

    def _sent(self, request):
        return {"sentMessages": [{"id": str(uuid.uuid4().int)[:18], "quoteToken": uuid.uuid4().hex} for _message in request.body.get("messages", [])]}

    def _push(self, request):
        to, key = request.body.get("to", ""), request.retry_key
        if key and key in self._accepted_keys:
            return 409, {"message": "The retry key is already accepted", **self._accepted_keys[key]}, {"X-Line-Accepted-Request-Id": key}
        if to in self.refuse:
            return (
                self.refuse[to],
                {"message": "Failed to send messages", "details": [{"message": "The user cannot receive messages", "property": "to"}]},
                {},
            )
        if self.answers.get(to):
            status = self.answers[to].pop(0)
            return status, {"message": "Too many requests" if status == 429 else "An error occurred in the server"}, {}
        sent = self._sent(request)
        if key:
            self._accepted_keys[key] = sent
        for message in request.body.get("messages", []):
            self.delivered.append((to, message.get("text", "")))
        if to in self.lose_answer:
            self.lose_answer.discard(to)
            return 500, {"message": "An error occurred in the server"}, {}
        return 200, sent, {}

    def _reply(self, request):
        token = request.body.get("replyToken", "")
        if not token or token in self._used_reply_tokens:
            return 400, {"message": "Invalid reply token"}, {}
        self._used_reply_tokens.add(token)
        for message in request.body.get("messages", []):
            self.replies.append((token, message.get("text", "")))
        return 200, self._sent(request), {}

    # --- reading what it got ---

    def pushes(self, to=None):
        return [r for r in self.requests if r.path == "/v2/bot/message/push" and (to is None or r.body.get("to") == to)]


def sign(body, secret=SECRET):
    """The X-Line-Signature LINE sends with `body` (bytes): base64 of its HMAC-SHA256 with the channel secret."""
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def fake_line(settings):
    """LINE set up on the fake: the channel's token and secret, and LINE_API_HOST pointing at it."""
    fake = FakeLineApi().start()
    settings.LINE_API_HOST = fake.url
    settings.LINE_CHANNEL_ACCESS_TOKEN = TOKEN
    settings.LINE_CHANNEL_SECRET = SECRET
    settings.LINE_BOT_BASIC_ID = BASIC_ID
    yield fake
    fake.stop()
