"""A tiny SMTP server on loopback for the test-connection checks.

Prints the port it listens on, then answers each connection with a plaintext
greeting, EHLO without STARTTLS, and QUIT. Stops by itself after 60 s.
"""

import socket
import sys
import threading


def serve(conn: socket.socket) -> None:
    with conn:
        conn.settimeout(10)
        conn.sendall(b"220 test ESMTP\r\n")
        buf = b""
        while True:
            try:
                data = conn.recv(4096)
            except OSError:
                return
            if not data:
                return
            buf += data
            while b"\r\n" in buf:
                line, buf = buf.split(b"\r\n", 1)
                verb = line.split(b" ", 1)[0].upper()
                if verb in (b"EHLO", b"HELO"):
                    conn.sendall(b"250-test greets you\r\n250-8BITMIME\r\n250 AUTH PLAIN LOGIN\r\n")
                elif verb == b"QUIT":
                    conn.sendall(b"221 bye\r\n")
                    return
                elif verb == b"NOOP":
                    conn.sendall(b"250 ok\r\n")
                else:
                    conn.sendall(b"502 command not implemented\r\n")


def main() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(60)
    print(server.getsockname()[1], flush=True)
    try:
        while True:
            conn, _ = server.accept()
            threading.Thread(target=serve, args=(conn,), daemon=True).start()
    except (socket.timeout, KeyboardInterrupt):
        pass
    finally:
        server.close()
    sys.exit(0)


if __name__ == "__main__":
    main()
