"""A webhook receiver run in the compose network by the container test: prints each body."""

from http.server import BaseHTTPRequestHandler, HTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the http.server hook name
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        print("received", body.decode(), flush=True)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(b'{"status": "OK"}')


HTTPServer(("", 8000), Handler).serve_forever()
