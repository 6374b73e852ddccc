#!/usr/bin/env python3
"""ws_client.py - a WebSocket client for the tests, written from RFC 6455
with Python's standard library only (raw socket: the handshake, masking
and framing are done here, independently of the server's C code).

  ws_client.py listen URL TOKEN OUT     stream messages into OUT (JSON lines)
                                        until SIGTERM, then close (1000)
  ws_client.py handshake URL TOKEN [Header: value]...
                                        print the status and the headers
  ws_client.py probe URL TOKEN CASE     a protocol case (see probe())
  ws_client.py slow URL TOKEN OUT GO    open, read nothing until file GO exists

Every frame from the server is checked: unmasked, RSV bits clear, a
known opcode, a control frame of at most 125 bytes.
"""
import base64
import hashlib
import json
import os
import signal
import socket
import struct
import sys
import time
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


class ProtocolError(Exception):
    pass


def connect(url, token, extra=(), key=None, version="13", rcvbuf=0,
            connection="Upgrade", upgrade="websocket", method="GET"):
    """Do the opening handshake; return (status, headers, sock, rest)."""
    u = urllib.parse.urlsplit(url)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(10)
    s.connect((u.hostname, u.port))
    if key is None:
        key = base64.b64encode(os.urandom(16)).decode()
    path = u.path + ("?" + u.query if u.query else "")
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: %s:%d" % (u.hostname, u.port)]
    if upgrade:
        lines.append("Upgrade: " + upgrade)
    if connection:
        lines.append("Connection: " + connection)
    if key:
        lines.append("Sec-WebSocket-Key: " + key)
    if version:
        lines.append("Sec-WebSocket-Version: " + version)
    if token:
        lines.append("Authorization: Bearer " + token)
    lines.extend(extra)
    s.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    buf = b""
    while b"\r\n\r\n" not in buf:
        c = s.recv(4096)
        if not c:
            break
        buf += c
    head, _, rest = buf.partition(b"\r\n\r\n")
    hl = head.decode("latin-1").split("\r\n")
    status = int(hl[0].split()[1]) if hl and len(hl[0].split()) > 1 else 0
    headers = {}
    for l in hl[1:]:
        k, _, v = l.partition(":")
        headers[k.strip().lower()] = v.strip()
    if status == 101:
        want = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != want:
            raise ProtocolError("Sec-WebSocket-Accept %r, want %r" %
                                (headers.get("sec-websocket-accept"), want))
        if headers.get("upgrade", "").lower() != "websocket" or \
           "upgrade" not in headers.get("connection", "").lower():
            raise ProtocolError("101 without Upgrade/Connection headers")
    return status, headers, s, rest


def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
    """A client frame (masked unless told otherwise)."""
    b0 = (0x80 if fin else 0) | (rsv << 4) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        h = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        h = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        h = struct.pack("!BBQ", b0, mbit | 127, n)
    if not mask:
        return h + payload
    k = os.urandom(4)
    return h + k + bytes(c ^ k[i & 3] for i, c in enumerate(payload))


class Reader:
    def __init__(self, sock, rest=b""):
        self.s, self.buf = sock, rest

    def _need(self, n):
        while len(self.buf) < n:
            c = self.s.recv(65536)
            if not c:
                raise EOFError
            self.buf += c
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def frame(self):
        """(fin, opcode, payload) of the next server frame, checked."""
        b0, b1 = self._need(2)
        if b1 & 0x80:
            raise ProtocolError("a server frame is masked")
        if b0 & 0x70:
            raise ProtocolError("RSV bits set")
        op, n = b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._need(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._need(8))[0]
        if op not in (0, 1, 2, 8, 9, 10):
            raise ProtocolError("opcode %d" % op)
        if op >= 8 and (n > 125 or not b0 & 0x80):
            raise ProtocolError("bad control frame")
        return bool(b0 & 0x80), op, self._need(n)

    def message(self):
        """The next data message, or a control frame: (opcode, payload)."""
        data, first = b"", None
        while True:
            fin, op, p = self.frame()
            if op >= 8:
                return op, p
            if first is None:
                first = op
            data += p
            if fin:
                return first, data


def close_payload(p):
    code = struct.unpack("!H", p[:2])[0] if len(p) >= 2 else 1005
    return code, p[2:].decode("utf-8", "replace")


def summary(doc):
    qr = doc["epcisBody"]["queryResults"]
    evs = qr["resultsBody"]["eventList"]
    return {"queryName": qr.get("queryName"), "subscriptionID": qr.get("subscriptionID"),
            "type": doc.get("type"),
            "events": [e["eventID"] for e in evs if "errorDeclaration" not in e],
            "declared": [e["eventID"] for e in evs if "errorDeclaration" in e],
            "recordTimes": [e.get("recordTime") for e in evs]}


def listen(url, token, out):
    st, h, s, rest = connect(url, token)
    log = open(out, "a")

    def w(rec):
        rec["t"] = time.time()
        log.write(json.dumps(rec) + "\n")
        log.flush()

    w({"kind": "open", "status": st, "minRecordTime": h.get("gs1-query-min-record-time")})
    if st != 101:
        return 1
    stop = {"now": False}
    signal.signal(signal.SIGTERM, lambda *a: stop.update(now=True))
    r = Reader(s, rest)
    s.sendall(frame(9, b"are-you-there"))
    s.settimeout(0.2)
    while True:
        if stop["now"]:
            s.settimeout(5)
            s.sendall(frame(8, struct.pack("!H", 1000) + b"bye"))
            stop["now"] = False
            stop["sent"] = True
        try:
            op, p = r.message()
        except socket.timeout:
            continue
        except EOFError:
            w({"kind": "eof"})
            return 0
        except ProtocolError as e:
            w({"kind": "protocol-error", "why": str(e)})
            return 1
        if op == 1:
            rec = summary(json.loads(p.decode("utf-8")))
            rec["kind"] = "message"
            w(rec)
        elif op == 9:
            s.sendall(frame(10, p))
        elif op == 10:
            w({"kind": "pong", "payload": p.decode()})
        elif op == 8:
            code, why = close_payload(p)
            w({"kind": "close", "code": code, "reason": why, "we_closed": "sent" in stop})
            if "sent" not in stop:
                s.sendall(frame(8, p[:2]))
            # the server closes the TCP connection next
            s.settimeout(5)
            try:
                eof = s.recv(1) == b""
            except (socket.timeout, ConnectionError):
                eof = False
            w({"kind": "tcp-closed" if eof else "tcp-open"})
            return 0


def probe(url, token, case):
    """Send one kind of bad (or good) frame; print what came back."""
    st, h, s, rest = connect(url, token)
    if st != 101:
        print("status", st)
        return
    r = Reader(s, rest)
    frames = {
        "unmasked": frame(1, b"hi", mask=False),
        "rsv": frame(1, b"hi", rsv=4),
        "opcode": frame(3, b"x"),
        "bigping": frame(9, b"x" * 126),
        "fragping": frame(9, b"x", fin=False),
        "cont": frame(0, b"x"),
        "interleave": frame(1, b"a", fin=False) + frame(1, b"b"),
        "toobig": frame(2, b"x" * 70000),
        "closebyte": frame(8, b"\x03"),
        "closecode": frame(8, struct.pack("!H", 1005)),
        "closeutf8": frame(8, struct.pack("!H", 1000) + b"\xff\xfe"),
        # good ones: a fragmented text message, then a ping, then close
        "good": frame(1, b"he", fin=False) + frame(9, b"p1") + frame(0, b"llo") +
                frame(9, b"p2") + frame(8, struct.pack("!H", 1000)),
    }[case]
    s.sendall(frames)
    got = []
    try:
        while True:
            op, p = r.message()
            if op == 8:
                code, why = close_payload(p)
                got.append("close %d" % code)
                break
            got.append({9: "ping", 10: "pong " + p.decode(), 1: "text"}.get(op, str(op)))
    except (EOFError, ConnectionError):
        got.append("eof")
    except socket.timeout:
        got.append("timeout")
    s.settimeout(5)
    try:
        got.append("eof" if s.recv(1) == b"" else "data")
    except (socket.timeout, ConnectionError) as e:
        got.append("eof" if isinstance(e, ConnectionError) else "timeout")
    print(" ".join(got))


def slow(url, token, out, go):
    """Open a stream with a tiny receive buffer and read nothing until the
    file `go` exists (60 s at most); then read: how many bytes came before
    the end, and whether the end came (the server dropped us)."""
    st, h, s, rest = connect(url, token, rcvbuf=4096)
    open(out + ".status", "w").write(str(st))
    if st != 101:
        return
    for _ in range(600):
        if os.path.exists(go):
            break
        time.sleep(0.1)
    n, end = len(rest), "timeout"
    s.settimeout(5)
    try:
        while True:
            c = s.recv(65536)
            if not c:
                end = "eof"
                break
            n += len(c)
    except ConnectionError:
        end = "reset"
    except socket.timeout:
        end = "open"
    open(out, "w").write("%d %s\n" % (n, end))


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "listen":
        sys.exit(listen(sys.argv[2], sys.argv[3], sys.argv[4]) or 0)
    if cmd == "handshake":
        try:
            kw = {}
            extra = []
            for a in sys.argv[4:]:
                k, _, v = a.partition("=")
                if k in ("key", "version", "connection", "upgrade", "method"):
                    kw[k] = v
                else:
                    extra.append(a)
            st, h, s, rest = connect(sys.argv[2], sys.argv[3], extra=extra, **kw)
            print(st)
            for k, v in sorted(h.items()):
                print("%s: %s" % (k, v))
        except ProtocolError as e:
            print("protocol-error", e)
        sys.exit(0)
    if cmd == "probe":
        probe(sys.argv[2], sys.argv[3], sys.argv[4])
        sys.exit(0)
    if cmd == "slow":
        slow(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5])
        sys.exit(0)
    sys.exit(2)
