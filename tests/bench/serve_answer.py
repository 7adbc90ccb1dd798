#!/usr/bin/env python3
"""serve_answer.py: a loopback server that answers every API request with
the bytes of one file, for the import benchmark (bench_import.sh).

    serve_answer.py ANSWER.json

Listens on 127.0.0.1 on a free port and prints the port alone on its first
line.  The file is read once into memory, so a request costs only the
transfer: the benchmark then times kenoconsole, not the server (the fake
voip.ms builds its answers row by row in Python, which would dominate).
"""

import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                self.rfile.read(size)
                self.rfile.readline()
                if size == 0:
                    break
        else:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = self.server.body
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main(argv):
    with open(argv[1], "rb") as f:
        body = f.read()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.body = body
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
