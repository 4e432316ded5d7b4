"""Request bodies are bounded before Django reads them (config/body_limit.py): on the production server
(uvicorn, config.asgi) a 200 MB body is refused with 413 without the server's memory growing with it,
declared or chunked; in process, the limits per route and per signed-in user, JSON under /api/, WSGI,
and a bad limit setting stopping start-up."""

import io
import json
import re
import select
import socket
import time

import pytest
from asgiref.sync import async_to_sync
from asgiref.testing import ApplicationCommunicator
from django.conf import settings
from django.test import Client

from attendance.tests.faults import ProductionServer
from config.asgi import application as asgi_application
from config.wsgi import application as wsgi_application
from meetings.tests.factories import PASSWORD
from meetings.tests.test_config import load_settings

MB = 1024 * 1024
BOUNDARY = b"prachumboundary"


def vm_kib(pid, field):
    """VmRSS / VmHWM (peak) of a process, in KiB, from /proc/<pid>/status."""
    status = open(f"/proc/{pid}/status").read()
    return int(re.search(rf"^{field}:\s+(\d+) kB", status, re.M).group(1))


def multipart_body(total):
    """A multipart body of `total` bytes, yielded 64 KiB at a time: one block, reused."""
    head = b"--" + BOUNDARY + b'\r\nContent-Disposition: form-data; name="file"; filename="big.bin"\r\n\r\n'
    tail = b"\r\n--" + BOUNDARY + b"--\r\n"
    yield head
    block = b"\0" * 65536
    left = total - len(head) - len(tail)
    while left > 0:
        yield block[: min(left, len(block))]
        left -= len(block)
    yield tail


def stream_post(port, path, chunks, *, length=None, timeout=30):
    """POST `chunks` over a raw socket, with Content-Length `length` or chunked; stop sending as soon as the
    server answers or stops reading. Returns (status, headers, body, bytes sent)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    head = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", f"Content-Type: multipart/form-data; boundary={BOUNDARY.decode()}"]
    head.append(f"Content-Length: {length}" if length is not None else "Transfer-Encoding: chunked")
    sock.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
    sent = 0
    sock.settimeout(5)
    try:
        for chunk in chunks:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered
            sock.sendall(chunk if length is not None else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        else:
            if length is None:
                sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError, TimeoutError):
        pass  # the server closed the connection, or stopped reading: its answer is waiting
    sock.settimeout(timeout)
    answer = b""
    try:
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
            data = sock.recv(65536)
            if not data:
                break
            answer += data
    except ConnectionResetError:
        pass
    sock.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.lower().split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), headers, body, sent


def _length(answer):
    match = re.search(rb"(?im)^content-length:\s*(\d+)", answer)
    return int(match.group(1)) if match else 1 << 62


# --- on the production server -------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
def test_a_200_mb_anonymous_post_to_the_login_page_gets_413_and_the_server_memory_stays_flat(declared):
    total = 200 * MB
    with ProductionServer() as server:
        pid = server.process.pid
        # Warm up: the login page once (templates, translations), then measure.
        stream_post(server.port, "/accounts/login/", [b""], length=0)
        time.sleep(0.2)
        rss_before, peak_before = vm_kib(pid, "VmRSS"), vm_kib(pid, "VmHWM")
        started = time.monotonic()
        status, headers, body, sent = stream_post(server.port, "/accounts/login/", multipart_body(total), length=total if declared else None)
        elapsed = time.monotonic() - started
        rss_after, peak_after = vm_kib(pid, "VmRSS"), vm_kib(pid, "VmHWM")
        assert server.process.poll() is None  # still serving
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert "ใหญ่เกิน" in body.decode() and "too large" in body.decode()
    assert max(peak_after - peak_before, rss_after - rss_before) <= 50 * 1024, (rss_before, rss_after, peak_before, peak_after)
    # Answered long before the 200 MB could have been sent: at once when declared, at the limit when chunked.
    assert sent < (1 if declared else 20) * MB + settings.REQUEST_BODY_MAX_BYTES, sent
    assert elapsed < 30


@pytest.mark.django_db(transaction=True)
def test_a_body_within_the_limit_still_reaches_the_page():
    with ProductionServer() as server:
        body = b"".join(multipart_body(MB))
        status, _headers, _body, _sent = stream_post(server.port, "/accounts/login/", [body], length=len(body))
    # Django answers: CSRF refuses the anonymous post (403), which means the body went through.
    assert status == 403


# --- in process: the ASGI application as uvicorn runs it ----------------------------------------------


def asgi_post(path, body_chunks, *, length=None, cookie=None):
    """POST through config.asgi's application; returns (status, headers, body)."""
    headers = [(b"host", b"testserver"), (b"content-type", b"multipart/form-data; boundary=" + BOUNDARY)]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def run():
        communicator = ApplicationCommunicator(asgi_application, scope)
        chunks = list(body_chunks)
        for position, chunk in enumerate(chunks):
            await communicator.send_input({"type": "http.request", "body": chunk, "more_body": position < len(chunks) - 1})
        start = await communicator.receive_output(30)
        content = b""
        while True:
            message = await communicator.receive_output(30)
            content += message.get("body", b"")
            if not message.get("more_body"):
                break
        await communicator.wait(5)
        return start["status"], dict(start["headers"]), content

    return async_to_sync(run)()


def signed_in_cookie(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def import_path(session):
    return f"/sessions/{session.pk}/registrations/import/"


def sized_body(size):
    return b"".join(multipart_body(size))


@pytest.mark.django_db(transaction=True)
def test_an_anonymous_upload_page_post_gets_only_the_general_limit(session):
    size = settings.REQUEST_BODY_MAX_BYTES + MB
    status, headers, _body = asgi_post(import_path(session), [sized_body(size)], length=size)
    assert status == 413
    assert headers[b"connection"] == b"close"


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_officer_may_send_up_to_the_upload_limit_to_an_import_page(session, lampang_officer):
    cookie = signed_in_cookie(lampang_officer)
    size = settings.REQUEST_BODY_MAX_BYTES + MB
    status, _headers, _body = asgi_post(import_path(session), [sized_body(size)], length=size, cookie=cookie)
    assert status != 413  # Django has it (CSRF refuses a post without a token: 403)
    over = settings.UPLOAD_MAX_BYTES + 1
    status, _headers, _body = asgi_post(import_path(session), [b"\0" * over], length=over, cookie=cookie)
    assert status == 413


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_user_gets_only_the_general_limit_on_other_pages(lampang_officer):
    cookie = signed_in_cookie(lampang_officer)
    size = settings.REQUEST_BODY_MAX_BYTES + 1
    status, _headers, _body = asgi_post("/accounts/login/", [b"\0" * size], length=size, cookie=cookie)
    assert status == 413


@pytest.mark.django_db(transaction=True)
def test_a_chunked_body_is_cut_off_once_its_count_passes_the_limit():
    block = b"\0" * 65536
    chunks = [block] * (settings.REQUEST_BODY_MAX_BYTES // len(block) + 2)
    status, _headers, body = asgi_post("/accounts/login/", chunks)
    assert status == 413
    assert "ใหญ่เกิน".encode() in body


@pytest.mark.django_db(transaction=True)
def test_the_api_answers_413_in_json():
    size = settings.REQUEST_BODY_MAX_BYTES + 1
    status, headers, body = asgi_post("/api/checkins/batch", [b"\0" * size], length=size)
    assert status == 413
    assert headers[b"content-type"] == b"application/json"
    answer = json.loads(body)
    assert answer["code"] == "body_too_large"
    assert answer["details"]["limit"] == settings.REQUEST_BODY_MAX_BYTES
    assert "ใหญ่เกิน" in answer["message"]


# --- WSGI -------------------------------------------------------------------------------------------------


def wsgi_post(path, length, cookie=""):
    answer = {}

    def start_response(status, headers):
        answer["status"], answer["headers"] = status, dict(headers)

    environ = {
        "REQUEST_METHOD": "POST",
        "PATH_INFO": path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "CONTENT_TYPE": "multipart/form-data; boundary=" + BOUNDARY.decode(),
        "CONTENT_LENGTH": str(length),
        "HTTP_COOKIE": cookie,
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),  # never read when refused
        "wsgi.url_scheme": "http",
        "wsgi.errors": io.StringIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    body = b"".join(wsgi_application(environ, start_response))
    return int(answer["status"].split()[0]), answer["headers"], body


@pytest.mark.django_db
def test_wsgi_refuses_a_declared_body_over_the_limit_before_reading_it(session, lampang_officer):
    status, headers, body = wsgi_post("/accounts/login/", 200 * MB)
    assert status == 413
    assert "ใหญ่เกิน" in body.decode()
    # A signed-in officer's import is allowed past the general limit, up to the upload limit.
    cookie = signed_in_cookie(lampang_officer)
    assert wsgi_post(import_path(session), settings.UPLOAD_MAX_BYTES + 1, cookie)[0] == 413
    assert wsgi_post(import_path(session), settings.REQUEST_BODY_MAX_BYTES + 1)[0] == 413


# --- settings -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env, named",
    [
        ({"REQUEST_BODY_MAX_BYTES": "lots"}, "REQUEST_BODY_MAX_BYTES"),
        ({"REQUEST_BODY_MAX_BYTES": "100"}, "REQUEST_BODY_MAX_BYTES"),
        ({"UPLOAD_MAX_BYTES": "1000000", "REQUEST_BODY_MAX_BYTES": "2000000"}, "UPLOAD_MAX_BYTES"),
        ({"UPLOAD_MAX_BYTES": "4000000"}, "IMPORT_MAX_BYTES"),
        ({"IMPORT_MAX_ROWS": "0"}, "IMPORT_MAX_ROWS"),
    ],
)
def test_a_bad_limit_setting_stops_start_up_naming_it(env, named):
    code, out = load_settings(**env)
    assert code != 0
    assert "ImproperlyConfigured" in out and named in out
