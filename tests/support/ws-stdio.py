#!/usr/bin/env python3
"""A WebSocket client the project did not write: Python's standard library only (RFC 6455 by hand).

    python3 ws-stdio.py ws://127.0.0.1:PORT/path 'Cookie: a=b' 'Origin: http://127.0.0.1:PORT'

Each line read on stdin is sent as one text frame (masked, as a client must). Each line written on
stdout is JSON: first {"status": <HTTP status of the upgrade>}; then every text frame received, as
{"text": "<the frame>"}; at the end {"closed": <close code, or null without one>}. End of stdin sends a
close frame (1000) and waits for the server's.
"""
import base64
import hashlib
import json
import os
import socket
import struct
import sys
import threading
import urllib.parse

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_exact(sock, n):
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise EOFError
        buf += chunk
    return buf


def send_frame(sock, opcode, payload, lock):
    head = bytes([0x80 | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    mask = os.urandom(4)
    body = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    with lock:
        sock.sendall(head + mask + body)


def reader(sock, lock, done):
    parts = b""
    try:
        while True:
            b0, b1 = read_exact(sock, 2)
            opcode = b0 & 0x0F
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack("!H", read_exact(sock, 2))[0]
            elif n == 127:
                n = struct.unpack("!Q", read_exact(sock, 8))[0]
            mask = read_exact(sock, 4) if b1 & 0x80 else None
            payload = read_exact(sock, n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode in (0x1, 0x0):
                parts += payload
                if b0 & 0x80:
                    say({"text": parts.decode("utf-8")})
                    parts = b""
            elif opcode == 0x8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                try:
                    send_frame(sock, 0x8, payload[:2], lock)
                except OSError:
                    pass
                say({"closed": code})
                break
            elif opcode == 0x9:
                send_frame(sock, 0xA, payload, lock)
    except (EOFError, OSError):
        say({"closed": None})
    finally:
        done.set()


def main():
    url = urllib.parse.urlsplit(sys.argv[1])
    extra = "".join(h + "\r\n" for h in sys.argv[2:])
    port = url.port or 80
    path = url.path + ("?" + url.query if url.query else "")
    sock = socket.create_connection((url.hostname, port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        (
            f"GET {path} HTTP/1.1\r\nHost: {url.hostname}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
        ).encode()
    )
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(1)
        if not chunk:
            break
        head += chunk
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1]) if lines and len(lines[0].split(" ")) > 1 else 0
    say({"status": status})
    accept = base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()
    headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
    if status != 101 or headers.get("sec-websocket-accept") != accept:
        say({"closed": None})
        return
    lock = threading.Lock()
    done = threading.Event()
    threading.Thread(target=reader, args=(sock, lock, done), daemon=True).start()
    for line in sys.stdin:
        if done.is_set():
            break
        line = line.rstrip("\n")
        if line:
            send_frame(sock, 0x1, line.encode("utf-8"), lock)
    if not done.is_set():
        try:
            send_frame(sock, 0x8, struct.pack("!H", 1000), lock)
        except OSError:
            pass
        done.wait(10)


if __name__ == "__main__":
    main()
