#!/usr/bin/env python3
"""peer.py - an independent Python speaker of docs/PROTOCOL.md, for misbehaving-peer tests.

  peer.py badframe HOST PORT KIND   connect to an agent, send HELLO, then a bad frame
                                    (KIND: crc, magic, version, oversize, type, seq);
                                    exit 0 if the agent answers ERROR code 1 and closes.
  peer.py cut N CMD...              run CMD (an agent) and pass it only the first N bytes
                                    of stdin, then close its input: a link cut mid-stream.
  peer.py fakeagent KIND            act as an agent on stdin/stdout that answers BEGIN
                                    with a broken frame (KIND: crc, oversize, garbage).
"""
import socket
import struct
import sys
import zlib

MAGIC = 0x504C4649
T = dict(HELLO=1, INVENTORY=2, BEGIN=3, CHUNK=4, END=5, RESULT=6, PROGRESS=7,
         ERROR=8, OK=0x0F)


def frame(ftype, seq, payload, magic=MAGIC, version=1):
    head = struct.pack("<IBBHII", magic, version, ftype, 0, seq, len(payload))
    crc = zlib.crc32(payload, zlib.crc32(head)) & 0xFFFFFFFF
    return head + struct.pack("<I", crc) + payload


def read_exact(f, n):
    buf = b""
    while len(buf) < n:
        part = f(n - len(buf))
        if not part:
            return None
        buf += part
    return buf


def read_frame(f):
    head = read_exact(f, 20)
    if head is None:
        return None
    magic, version, ftype, flags, seq, length, crc = struct.unpack("<IBBHIII", head)
    payload = read_exact(f, length) if length else b""
    assert magic == MAGIC and version == 1 and flags == 0, "bad header from agent"
    assert zlib.crc32(payload, zlib.crc32(head[:16])) & 0xFFFFFFFF == crc, "bad crc from agent"
    return ftype, seq, payload


def hello():
    return struct.pack("<HHI", 1, 0, 0)


def badframe(host, port, kind):
    s = socket.create_connection((host, int(port)), timeout=10)
    s.sendall(frame(T["HELLO"], 0, hello()))
    ftype, _, _ = read_frame(s.recv)
    assert ftype == T["INVENTORY"], ftype
    good = frame(T["END"], 1, struct.pack("<QQ", 0, 0))
    if kind == "crc":
        bad = good[:-1] + bytes([good[-1] ^ 1])
    elif kind == "magic":
        bad = frame(T["END"], 1, struct.pack("<QQ", 0, 0), magic=0x12345678)
    elif kind == "version":
        bad = frame(T["END"], 1, struct.pack("<QQ", 0, 0), version=9)
    elif kind == "oversize":
        bad = struct.pack("<IBBHIII", MAGIC, 1, T["CHUNK"], 0, 1, 0x7FFFFFFF, 0)
    elif kind == "type":
        bad = frame(0x7E, 1, b"")
    elif kind == "seq":
        bad = frame(T["END"], 7, struct.pack("<QQ", 0, 0))
    else:
        raise SystemExit("unknown kind " + kind)
    s.sendall(bad)
    while True:
        got = read_frame(s.recv)
        if got is None:
            raise SystemExit("agent closed without an ERROR")
        if got[0] == T["ERROR"]:
            code, ref = struct.unpack("<II", got[2][:8])
            msg = got[2][10:].decode()
            print("agent error %d: %s" % (code, msg))
            assert code == 1, code
            break
    s.settimeout(10)
    try:
        rest = s.recv(1)
    except ConnectionResetError:  # closed with our bytes unread: still closed
        rest = b""
    assert rest == b"", "agent kept the broken session open"
    return 0


def fakeagent(kind):
    rd, wr = sys.stdin.buffer.raw.read, sys.stdout.buffer
    seq = 0
    broke = False
    while True:
        got = read_frame(rd)
        if got is None:
            return 0
        ftype = got[0]
        if ftype == T["HELLO"]:
            name = b"disk"
            entry = (bytes([len(name)]) + name + struct.pack("<QIIIBB", 64 << 20, 512, 0, 512, 0, 0)
                     + b"\x00\x00")
            inv = struct.pack("<III", 4 << 20, 4 << 20, 0) + b"\x04fake" + struct.pack("<H", 1)
            inv += struct.pack("<H", len(entry)) + entry
            wr.write(frame(T["INVENTORY"], seq, inv))
        elif not broke:
            broke = True
            ok = frame(T["OK"], seq, struct.pack("<I", got[1]))
            if kind == "crc":
                wr.write(ok[:-1] + bytes([ok[-1] ^ 0x80]))
            elif kind == "oversize":
                wr.write(struct.pack("<IBBHIII", MAGIC, 1, T["OK"], 0, seq, 0x40000000, 0))
            else:
                wr.write(b"\xde\xad\xbe\xef" * 16)
        wr.flush()
        seq += 1


def cut(limit, cmd):
    import subprocess
    child = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    left = int(limit)
    while left > 0:
        data = sys.stdin.buffer.raw.read(min(left, 65536))
        if not data:
            break
        child.stdin.write(data)
        child.stdin.flush()
        left -= len(data)
    child.stdin.close()
    return child.wait()


if __name__ == "__main__":
    if sys.argv[1] == "cut":
        sys.exit(cut(sys.argv[2], sys.argv[3:]))
    if sys.argv[1] == "badframe":
        sys.exit(badframe(*sys.argv[2:5]))
    sys.exit(fakeagent(sys.argv[2]))
