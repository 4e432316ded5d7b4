"""A lean HTTP/1.1 load generator for the benchmarks: raw asyncio sockets, keep-alive, no framework.

Run as its own process (`python -m bench.loadgen SPEC.json OUT.json`) so that its CPU is its own
and is reported beside the server's. Two modes:

- ``open``: request i is *scheduled* at start + i / rate, whatever happened to the requests before
  it, and its latency is counted from that scheduled time to the last byte of its answer. A request
  that waits for a free connection waits on the clock, so a server that stalls is charged for every
  request it held back (no coordinated omission).
- ``closed``: each connection sends its next request when the previous answer arrives (a maximum
  throughput test); latency from send to answer.

Both stop at a count and at a time limit, whichever comes first. Only loopback addresses.
"""

import asyncio
import collections
import json
import resource
import sys
import time

clock = time.monotonic  # uvloop's loop.time() moves in whole milliseconds: too coarse for latencies

LOOPBACK = ("127.", "localhost", "::1")


class Connection(asyncio.Protocol):
    """One keep-alive connection with at most one request in flight."""

    def __init__(self):
        self.transport = None
        self.buffer = bytearray()
        self.waiter = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buffer += data
        if self.waiter is not None and not self.waiter.done():
            parsed = self._parse()
            if parsed is not None:
                self.waiter.set_result(parsed)

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("connection closed by the server"))

    def _parse(self):
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self.buffer[:end]).decode("latin-1")
        lines = head.split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked = 0, False
        for line in lines[1:]:
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value.lower():
                chunked = True
            elif name == "connection" and "close" in value.lower():
                self.closed = True  # the server ends the connection after this answer (gunicorn's sync workers)
        start = end + 4
        if chunked:
            body, pos = bytearray(), start
            while True:
                line_end = self.buffer.find(b"\r\n", pos)
                if line_end < 0:
                    return None
                size = int(bytes(self.buffer[pos:line_end]).split(b";")[0], 16)
                if len(self.buffer) < line_end + 2 + size + 2:
                    return None
                body += self.buffer[line_end + 2 : line_end + 2 + size]
                pos = line_end + 2 + size + 2
                if size == 0:
                    del self.buffer[:pos]
                    return status, bytes(body)
        if len(self.buffer) < start + length:
            return None
        body = bytes(self.buffer[start : start + length])
        del self.buffer[: start + length]
        return status, body

    async def request(self, raw):
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        self.transport.write(raw)
        parsed = self._parse()  # an answer cannot be here before the request, but keep the loop honest
        if parsed is not None:
            self.waiter.set_result(parsed)
        return await self.waiter


def build_requests(spec):
    host = spec.get("host_header", "127.0.0.1")
    common = "".join(f"{k}: {v}\r\n" for k, v in spec.get("headers", {}).items())
    out = []
    for item in spec["requests"]:
        method, path, body = item.get("method", "GET"), item["path"], item.get("body")
        extra = "".join(f"{k}: {v}\r\n" for k, v in item.get("headers", {}).items())
        data = body.encode() if body is not None else b""
        length = f"Content-Length: {len(data)}\r\n" if body is not None else ""
        out.append(f"{method} {path} HTTP/1.1\r\nHost: {host}\r\n{common}{extra}{length}\r\n".encode() + data)
    return out


async def run(spec):
    host, port = spec["host"], spec["port"]
    if not host.startswith(LOOPBACK):
        raise SystemExit("loadgen sends only to loopback addresses")
    loop = asyncio.get_running_loop()
    raws = build_requests(spec)
    count = min(spec.get("count", len(raws)), len(raws))
    limit = float(spec.get("time_limit", 60))
    mode = spec.get("mode", "open")
    expect = set(spec.get("expect_status", [200]))
    expect_body = spec.get("expect_body", "").encode() or None
    keep_bodies = spec.get("keep_bodies", False)

    async def connect():
        _, protocol = await loop.create_connection(Connection, host, port)
        return protocol

    usage = resource.getrusage(resource.RUSAGE_SELF)  # after start-up: only the run's CPU is reported
    cpu_at_start = usage.ru_utime + usage.ru_stime
    connections = [await connect() for _ in range(spec.get("connections", 16))]
    idle = collections.deque(connections)
    max_connections = spec.get("max_connections", len(connections))
    backlog = collections.deque()
    results = [None] * count  # (scheduled or sent, done, status, ok, wall time of the answer, body)
    done_count = 0
    finished = loop.create_future()
    start = clock() + 0.05
    wall_offset = time.time() - clock()
    deadline = start + limit
    opened = [len(connections)]

    async def serve(conn, index, t0):
        nonlocal done_count
        while True:
            if conn.closed:
                conn = await connect()
                connections.append(conn)
            try:
                status, body = await conn.request(raws[index])
                now = clock()
                ok = status in expect and (expect_body is None or expect_body in body)
                results[index] = (t0, now, status, ok, now + wall_offset, body if keep_bodies or not ok else None)
            except ConnectionError as exc:
                now = clock()
                results[index] = (t0, now, 0, False, now + wall_offset, str(exc).encode())
                conn = await connect()
                connections.append(conn)
            done_count += 1
            if done_count == count and not finished.done():
                finished.set_result(None)
            if clock() > deadline:
                return
            if mode == "closed":
                index = next_index[0]
                if index >= count:
                    return
                next_index[0] += 1
                t0 = clock()
                continue
            if backlog:
                index, t0 = backlog.popleft()
                continue
            idle.append(conn)
            return

    next_index = [0]
    if mode == "closed":
        start = clock()
        deadline = start + limit
        for conn in connections:
            if next_index[0] < count:
                index = next_index[0]
                next_index[0] += 1
                loop.create_task(serve(conn, index, clock()))
    else:
        rate = float(spec["rate"])
        for index in range(count):
            scheduled = start + index / rate
            delay = scheduled - clock()
            if delay > 0:
                await asyncio.sleep(delay)
            if clock() > deadline:
                break
            if idle:
                loop.create_task(serve(idle.popleft(), index, scheduled))
            elif opened[0] < max_connections:
                opened[0] += 1
                conn = await connect()
                loop.create_task(serve(conn, index, scheduled))
            else:
                backlog.append((index, scheduled))
    try:
        await asyncio.wait_for(asyncio.shield(finished), timeout=max(0.1, deadline - clock()))
    except TimeoutError:
        pass
    elapsed_end = max((r[1] for r in results if r), default=start)
    for conn in connections:
        if conn.transport:
            conn.transport.close()
    answered = [r for r in results if r]
    latencies = sorted(r[1] - r[0] for r in answered)
    statuses = collections.Counter(r[2] for r in answered)
    bad = [r for r in answered if not r[3]]
    usage = resource.getrusage(resource.RUSAGE_SELF)
    seconds = elapsed_end - start
    out = {
        "mode": mode,
        "rate": spec.get("rate"),
        "sent": count if mode == "open" else next_index[0],
        "answered": len(answered),
        "ok": len(answered) - len(bad),
        "errors": len(bad) + (count - len(answered) if mode == "open" else 0),
        "statuses": {str(k): v for k, v in statuses.items()},
        "first_errors": [(r[2], (r[5] or b"")[:300].decode(errors="replace")) for r in bad[:3]],
        "seconds": seconds,
        "throughput": len(answered) / seconds if seconds > 0 else 0.0,
        "latency_ms": {p: 1000 * _percentile(latencies, p) for p in (50, 90, 99, 99.9, 100)},
        "connections": opened[0],
        "client_cpu_seconds": usage.ru_utime + usage.ru_stime - cpu_at_start,
    }
    if spec.get("keep_answer_times"):
        out["answer_times"] = [r[4] for r in results if r and r[3]]
    if keep_bodies:
        out["bodies"] = [r[5].decode(errors="replace") if r and r[5] else None for r in results]
    return out


def _percentile(ordered, p):
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def main(argv):
    with open(argv[0], encoding="utf-8") as f:
        spec = json.load(f)
    try:
        import uvloop

        runner = uvloop.run
    except ImportError:
        runner = asyncio.run
    out = runner(run(spec))
    with open(argv[1], "w", encoding="utf-8") as f:
        json.dump(out, f)


if __name__ == "__main__":
    main(sys.argv[1:])
