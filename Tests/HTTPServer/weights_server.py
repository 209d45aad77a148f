"""A real HTTP server on loopback for the `zoo fetch` tests (Tests/ZooTests/FetchCommandTests.swift).

    weights_server.py ROOT LOG

Binds 127.0.0.1 on a free port, prints `port N` on standard output, and serves the files in ROOT until its
standard input closes (the test that started it ended). Each request is appended to LOG as
`GET PATH range=RANGE` so a test can see what the client asked for. The path's first part picks the behaviour:

    /files/NAME      the file, honouring `Range: bytes=N-` (206 with Content-Range; 416 past the end)
    /norange/NAME    the file, always whole (200), whatever Range says
    /redirect/NAME   302 to /files/NAME
    /truncated/NAME  Content-Length of the whole file, half of it sent, then the connection closed
    /stall/NAME      Content-Length of the whole file, 64 kB sent, then silence (at most 30 s) and close
    anything else    404

Standard library only, so any python3 runs it.
"""
import http.server
import os
import sys
import threading
import time

STALL_SECONDS = 30


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):
        pass

    def do_GET(self):
        with open(self.server.log_path, "a") as log:
            log.write(f"GET {self.path} range={self.headers.get('Range', '-')}\n")
        parts = self.path.strip("/").split("/", 1)
        kind, name = (parts + [""])[:2]
        path = os.path.join(self.server.root, os.path.basename(name))
        if kind == "redirect":
            self.send_response(302)
            self.send_header("Location", f"/files/{name}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if kind not in ("files", "norange", "truncated", "stall") or not name or not os.path.isfile(path):
            self.send_error(404)
            return
        with open(path, "rb") as file:
            data = file.read()
        if kind == "truncated":
            self.send_head(200, len(data))
            self.wfile.write(data[: len(data) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        if kind == "stall":
            self.send_head(200, len(data))
            self.wfile.write(data[:65536])
            self.wfile.flush()
            time.sleep(STALL_SECONDS)
            self.close_connection = True
            return
        start = self.range_start() if kind == "files" else None
        if start is None:
            self.send_head(200, len(data))
            self.wfile.write(data)
        elif start >= len(data):
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
            self.send_header("Content-Length", str(len(data) - start))
            self.send_header("Content-Type", "application/octet-stream")
            self.end_headers()
            self.wfile.write(data[start:])

    def send_head(self, status, length):
        self.send_response(status)
        self.send_header("Content-Length", str(length))
        self.send_header("Content-Type", "application/octet-stream")
        self.end_headers()

    def range_start(self):
        value = self.headers.get("Range", "")
        if not value.startswith("bytes=") or not value.endswith("-"):
            return None
        return int(value[len("bytes="):-1])


def main():
    root, log_path = sys.argv[1], sys.argv[2]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.root, server.log_path = root, log_path
    print(f"port {server.server_address[1]}", flush=True)

    def stop_when_stdin_closes():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=stop_when_stdin_closes, daemon=True).start()
    server.serve_forever()


if __name__ == "__main__":
    main()
