#!/usr/bin/env python3
"""fake_voipms.py: a loopback stand-in for https://voip.ms/api/v1/rest.php.

Python 3 standard library only.  Behaviour follows /work/shared/spec/
voipms-api.md section 6 ("Behaviour checklist for the local fake").

    fake_voipms.py [--port N] [--user U] [--password P] [--log FILE] ...

Listens on 127.0.0.1 only.  --port 0 (the default) picks a free port; the
port number is always printed alone on stdout's first line, then flushed.
The valid credentials come from --user/--password, else the environment
variables FAKE_VOIPMS_USER / FAKE_VOIPMS_PASSWORD, else test@example.com /
fake-api-password.

API (/api/v1/rest.php): GET with a query string, or multipart/form-data POST.
An urlencoded POST gets a SOAP XML fault with HTTP 200, as voip.ms does.  A
Host header starting with "www." gets a 301 to the apex host.  Checks, in
order: method present -> credentials present -> valid -> API enabled -> client
IP allowed (getIP exempt) -> per-minute budget -> method parameters.
Methods: getResellerCDR, getCDR, getClients, getResellerBalance, getIP.

Calls: generated deterministically from (client, date): --calls-per-day N per
client and day (clients in --empty-clients get none), or read from
--fixture FILE: {"clients": {"100001": [{"date": "2025-03-04 14:02:11",
"uniqueid": "1", ...}, ...]}} whose rows are sent as written (any keys), with
"date" taken as Eastern wall clock.  Dates are rendered per spec 4.1: the
wall clock shifted by (timezone + 5) hours ("--baseline eastern", default),
or the UTC instant shifted by timezone hours ("--baseline utc", needs the tz
database).  Scalars are strings; --numbers sends numeric-looking values of
seconds, destination, uniqueid, rate and total as JSON numbers; --one-as-object
sends a single row as a bare object instead of a one-element list.

Fault injection, with --fault NAME[:ARG] at start or at run time with
POST /control?fault=NAME[&arg=ARG][&count=N] (count = how many API requests
it applies to; default: until cleared with /control?clear=1):
  http500  html503  text522   HTTP errors with an HTML / text body
  slow:S        wait S seconds (default 5) before a normal answer
  truncated     Content-Length larger than the body, then close
  reset         read the request, then reset the connection (RST)
  huge:BYTES    200 with no Content-Length and BYTES (default 8 MiB) of body
  redirect      301 to the same url
  soap          SOAP XML fault with 200
  empty         200 with an empty body
  badjson       200 with a JSON text cut in the middle
  api_limit_exceeded  ip_not_enabled  invalid_credentials  api_not_enabled
  method_maintenance  unavailable_info   the status, after the method check
  status:CODE   any other status
Other /control parameters: numbers=0|1, object=0|1, calls_per_day=N.
GET or POST /control answers the state as JSON, including "requests": the
number of API requests served so far.

Every request line and header block (never a body) goes to --log, with the
names (not the values) of the form fields, so that a test can check that the
API password never travels in a url or a header.
"""

import argparse
import datetime
import json
import os
import random
import re
import socket
import struct
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

API_PATH = "/api/v1/rest.php"
NUMERIC_KEYS = ("seconds", "destination", "uniqueid", "rate", "total")
JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
SOAP_FAULT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<SOAP-ENV:Envelope xmlns:SOAP-ENV="http://schemas.xmlsoap.org/soap/envelope/">'
    "<SOAP-ENV:Body><SOAP-ENV:Fault><faultcode>SOAP-ENV:Client</faultcode>"
    "<faultstring>Bad Request</faultstring></SOAP-ENV:Fault></SOAP-ENV:Body>"
    "</SOAP-ENV:Envelope>\n"
)
STATUS_FAULTS = (
    "api_limit_exceeded", "ip_not_enabled", "invalid_credentials",
    "api_not_enabled", "method_maintenance", "unavailable_info",
)


class State:
    """Settings and counters shared by the request threads."""

    def __init__(self, args):
        self.lock = threading.Lock()
        self.args = args
        self.numbers = args.numbers
        self.one_as_object = args.one_as_object
        self.calls_per_day = args.calls_per_day
        self.fault = None
        self.fault_arg = None
        self.fault_count = None
        self.requests = 0
        self.recent = []
        self.fixture = None
        if args.fixture:
            with open(args.fixture, encoding="utf-8") as f:
                self.fixture = json.load(f).get("clients", {})
        if args.fault:
            name, _, arg = args.fault.partition(":")
            self.set_fault(name, arg or None, None)

    def set_fault(self, name, arg, count):
        self.fault = name or None
        self.fault_arg = arg
        self.fault_count = count

    def take_fault(self):
        """The fault for this API request, consuming one use of it."""
        with self.lock:
            self.requests += 1
            if not self.fault:
                return None, None
            name, arg = self.fault, self.fault_arg
            if self.fault_count is not None:
                self.fault_count -= 1
                if self.fault_count <= 0:
                    self.fault = None
            return name, arg

    def over_budget(self):
        with self.lock:
            now = time.monotonic()
            self.recent = [t for t in self.recent if now - t < 60]
            if len(self.recent) >= self.args.budget:
                return True
            self.recent.append(now)
            return False

    def describe(self):
        with self.lock:
            return {
                "fault": self.fault, "arg": self.fault_arg, "count": self.fault_count,
                "numbers": self.numbers, "object": self.one_as_object,
                "calls_per_day": self.calls_per_day, "requests": self.requests,
            }


# ---- data ----------------------------------------------------------------

DISPOSITIONS = ("ANSWERED", "ANSWERED", "ANSWERED", "NO ANSWER", "BUSY", "FAILED")
PLACES = (("Canada - 613 Ottawa", "1613"), ("Canada - 416 Toronto", "1416"),
          ("Canada - 514 Montreal", "1514"), ("Toll Free - Canada", "1800"),
          ("USA - 212 New York", "1212"))


def units8_text(units):
    sign = "-" if units < 0 else ""
    units = abs(units)
    return "%s%d.%08d" % (sign, units // 100000000, units % 100000000)


def generated_calls(client, day, per_day):
    """per_day calls of one client on one Eastern calendar day."""
    rng = random.Random("%s/%s" % (client, day.isoformat()))
    times = sorted(rng.randrange(0, 86400) for _ in range(per_day))
    calls = []
    for i, t in enumerate(times):
        inbound = rng.random() < 0.3
        disposition = rng.choice(DISPOSITIONS)
        seconds = rng.randrange(1, 3600) if disposition == "ANSWERED" else 0
        rate = 0 if inbound else rng.choice((950000, 1000000, 1250000, 2500000))
        total = (rate * seconds + 59) // 60
        place, prefix = rng.choice(PLACES)
        number = "%s555%04d" % (prefix, rng.randrange(10000))
        wall = datetime.datetime.combine(day, datetime.time()) + datetime.timedelta(seconds=t)
        row = {
            "date": wall.strftime("%Y-%m-%d %H:%M:%S"),
            "callerid": number if inbound else '"KENO %s" <4165550101>' % client,
            "destination": "4165550101" if inbound else number,
            "description": "Inbound - Local Caller" if inbound else place,
            "account": "271828" if inbound else "271828_c%s" % client,
            "disposition": disposition,
            "duration": "%02d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60),
            "seconds": str(seconds),
            "rate": units8_text(rate),
            "total": units8_text(total),
            "uniqueid": str(day.toordinal() * 100000 + i),
            "destination_type": "IN:CAN" if inbound else "OUT:CAN",
            "call_logs": "",
        }
        if not inbound and i % 2 == 0:
            row["ip"] = "198.51.100.%d" % (i % 250 + 1)
            row["useragent"] = "Yealink SIP-T46U 108.86"
        calls.append(row)
    return calls


def render_date(text, tz_hours, baseline):
    """Eastern wall clock -> the wall clock voip.ms would send (spec 4.1)."""
    wall = datetime.datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    if baseline == "utc":
        from zoneinfo import ZoneInfo  # needs the tz database
        instant = wall.replace(tzinfo=ZoneInfo("America/New_York")).astimezone(datetime.timezone.utc)
        shifted = instant.replace(tzinfo=None) + datetime.timedelta(hours=tz_hours)
    else:
        shifted = wall + datetime.timedelta(hours=tz_hours + 5)
    return shifted.strftime("%Y-%m-%d %H:%M:%S")


def encode_row(row, numbers):
    parts = []
    for key, value in row.items():
        if numbers and key in NUMERIC_KEYS and isinstance(value, str) and JSON_NUMBER.match(value):
            text = value
        else:
            text = json.dumps(value)
        parts.append("%s:%s" % (json.dumps(key), text))
    return "{" + ",".join(parts) + "}"


# ---- request parsing -------------------------------------------------------

def parse_multipart(body, content_type):
    m = re.search(r'boundary="?([^";]+)"?', content_type)
    if not m:
        return None
    boundary = b"--" + m.group(1).encode("latin-1")
    fields = {}
    for part in body.split(boundary)[1:]:
        if part.startswith(b"--"):
            break
        part = part[2:] if part.startswith(b"\r\n") else part
        head, sep, content = part.partition(b"\r\n\r\n")
        if not sep:
            return None
        if content.endswith(b"\r\n"):
            content = content[:-2]
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            fields[name.group(1).decode("utf-8", "replace")] = content.decode("utf-8", "replace")
    return fields


class Handler(BaseHTTPRequestHandler):
    server_version = "FakeVoipms/1.0"
    protocol_version = "HTTP/1.0"

    # -- plumbing --
    def log_message(self, fmt, *args):
        pass

    def log_request_head(self, fields=None):
        path = self.server.args.log
        if not path:
            return
        with self.server.log_lock, open(path, "a", encoding="utf-8") as f:
            f.write("REQUEST %s\n" % self.requestline)
            for k, v in self.headers.items():
                f.write("%s: %s\n" % (k, v))
            if fields is not None:
                f.write("FIELDS %s\n" % ",".join(sorted(fields)))
            f.write("\n")

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            out = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return out
                out += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def send(self, code, body, ctype="application/json", extra=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def send_status(self, status, **more):
        answer = {"status": status}
        answer.update(more)
        self.send(200, json.dumps(answer))

    # -- control endpoint --
    def control(self, query):
        st = self.server.state
        q = {k: v[-1] for k, v in urllib.parse.parse_qs(query).items()}
        with st.lock:
            if q.get("clear"):
                st.set_fault(None, None, None)
            if "fault" in q:
                count = int(q["count"]) if q.get("count") else None
                st.set_fault(q["fault"], q.get("arg"), count)
            if "numbers" in q:
                st.numbers = q["numbers"] == "1"
            if "object" in q:
                st.one_as_object = q["object"] == "1"
            if "calls_per_day" in q:
                st.calls_per_day = int(q["calls_per_day"])
        self.send(200, json.dumps(st.describe()))

    # -- HTTP verbs --
    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/control":
            self.log_request_head()
            return self.control(url.query)
        fields = {k: v[-1] for k, v in urllib.parse.parse_qs(url.query, keep_blank_values=True).items()}
        self.api(url.path, fields)

    def do_POST(self):
        url = urllib.parse.urlsplit(self.path)
        body = self.read_body()
        if url.path == "/control":
            self.log_request_head()
            return self.control(url.query)
        ctype = self.headers.get("Content-Type", "")
        if ctype.lower().startswith("application/x-www-form-urlencoded"):
            self.log_request_head([])
            return self.send(200, SOAP_FAULT, "text/xml; charset=utf-8")
        fields = parse_multipart(body, ctype) if ctype.lower().startswith("multipart/form-data") else {}
        self.api(url.path, fields or {})

    # -- the API --
    def api(self, path, fields):
        self.log_request_head(fields)
        st = self.server.state
        host = self.headers.get("Host", "")
        if host.lower().startswith("www."):
            return self.redirect("http://%s%s" % (host[4:], self.path))
        if path != API_PATH:
            return self.send(404, "<html><body>Not Found</body></html>", "text/html")
        fault, arg = st.take_fault()
        if fault and self.transport_fault(fault, arg):
            return
        method = fields.get("method", "")
        if not method:
            return self.send_status("missing_method")
        if fault in STATUS_FAULTS:
            return self.send_status(fault)
        if fault and fault.startswith("status"):
            return self.send_status(arg or "unknown_error")
        user, password = fields.get("api_username", ""), fields.get("api_password", "")
        if not user or not password:
            return self.send_status("missing_credentials")
        if user != self.server.user or password != self.server.password:
            return self.send_status("invalid_credentials")
        if method != "getIP" and self.client_address[0] not in self.server.allowed_ips:
            return self.send_status("ip_not_enabled")
        if st.over_budget():
            return self.send_status("api_limit_exceeded")
        handler = getattr(self, "m_" + method, None)
        if handler is None:
            return self.send_status("invalid_method")
        return handler(fields)

    def redirect(self, location):
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def transport_fault(self, fault, arg):
        """Handles a transport fault; False when the request goes on."""
        if fault == "http500":
            self.send(500, "<html><body><h1>500 Internal Server Error</h1></body></html>", "text/html")
        elif fault == "html503":
            self.send(503, "<!DOCTYPE html><html><head><title>503 Backend fetch failed</title>"
                      "</head><body><h1>Error 503 Backend fetch failed</h1></body></html>",
                      "text/html")
        elif fault == "text522":
            self.send(522, "error code: 522", "text/plain")
        elif fault == "slow":
            time.sleep(float(arg or 5))
            return False
        elif fault == "truncated":
            data = json.dumps({"status": "success", "cdr": [{"uniqueid": "1"}]}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data) + 1000))
            self.end_headers()
            self.wfile.write(data[: len(data) // 2])
            self.close_connection = True
        elif fault == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
        elif fault == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            left = int(arg or 8 * 1024 * 1024)
            chunk = b'{"status":"success","cdr":[' + b" " * 65536
            while left > 0:
                self.wfile.write(chunk[:left])
                left -= len(chunk)
                chunk = b" " * 65536
            self.close_connection = True
        elif fault == "redirect":
            self.redirect("http://%s%s" % (self.headers.get("Host", "127.0.0.1"), self.path))
        elif fault == "soap":
            self.send(200, SOAP_FAULT, "text/xml; charset=utf-8")
        elif fault == "empty":
            self.send(200, "")
        elif fault == "badjson":
            self.send(200, '{"status":"success","cdr":[{"uniqueid":"1",')
        else:
            return False
        return True

    # -- methods --
    def client_or_error(self, fields):
        client = fields.get("client", "")
        if not client:
            self.send_status("missing_client")
            return None
        if client not in self.server.clients:
            self.send_status("invalid_client")
            return None
        return client

    def cdr_window(self, fields):
        """Checks dates, flags and timezone; (from, to, tz) or None."""
        d_from, d_to = fields.get("date_from", ""), fields.get("date_to", "")
        if not d_from:
            return self.send_status("missing_from_date")
        if not d_to:
            return self.send_status("missing_to_date")
        try:
            if not DATE.match(d_from) or not DATE.match(d_to):
                raise ValueError
            first = datetime.date.fromisoformat(d_from)
            last = datetime.date.fromisoformat(d_to)
        except ValueError:
            return self.send_status("invalid_date")
        if first > last:
            return self.send_status("invalid_date_from")
        if (last - first).days + 1 > 92:
            return self.send_status("invalid_daterange")
        if not any(fields.get(k) == "1" for k in ("answered", "noanswer", "busy", "failed")):
            return self.send_status("no_callstatus")
        tz = fields.get("timezone", "-5")
        try:
            tz_hours = float(tz)
        except ValueError:
            return self.send_status("invalid_timezone")
        return first, last, tz_hours

    def calls_for(self, client, first, last, tz_hours):
        st = self.server.state
        rows = []
        if st.fixture is not None and client in st.fixture:
            for row in st.fixture[client]:
                day = str(row.get("date", ""))[:10]
                if first.isoformat() <= day <= last.isoformat():
                    rows.append(dict(row))
        elif client not in self.server.empty_clients:
            day = first
            while day <= last:
                rows.extend(generated_calls(client, day, st.calls_per_day))
                day += datetime.timedelta(days=1)
        for row in rows:
            if isinstance(row.get("date"), str) and len(row["date"]) == 19:
                row["date"] = render_date(row["date"], tz_hours, self.server.args.baseline)
        return rows

    def send_cdr(self, rows):
        st = self.server.state
        if not rows:
            return self.send_status("no_cdr")
        encoded = [encode_row(r, st.numbers) for r in rows]
        if st.one_as_object and len(encoded) == 1:
            cdr = encoded[0]
        else:
            cdr = "[" + ",".join(encoded) + "]"
        self.send(200, '{"status":"success","cdr":%s}' % cdr)

    def m_getResellerCDR(self, fields):
        client = self.client_or_error(fields)
        if client is None:
            return
        window = self.cdr_window(fields)
        if window is None:
            return
        self.send_cdr(self.calls_for(client, *window))

    def m_getCDR(self, fields):
        window = self.cdr_window(fields)
        if window is None:
            return
        rows = []
        for client in self.server.clients:
            rows.extend(self.calls_for(client, *window))
        self.send_cdr(rows)

    def m_getClients(self, fields):
        wanted = fields.get("client", "")
        clients = [{
            "client": c, "email": "client%s@example.com" % c,
            "password": "client-secret-%s" % c, "company": "Client %s Inc." % c,
            "firstname": "Client", "lastname": c, "balance_management": "1",
        } for c in self.server.clients if not wanted or wanted == c]
        if not clients:
            return self.send_status("no_client")
        self.send_status("success", clients=clients)

    def m_getResellerBalance(self, fields):
        client = self.client_or_error(fields)
        if client is None:
            return
        rng = random.Random("balance/%s" % client)
        self.send_status("success", balance={
            "current_balance": "%d.%04d" % (rng.randrange(-20, 200), rng.randrange(10000)),
            "spent_total": "27.4410", "calls_total": "388", "time_total": "1403:17",
            "spent_today": "0.095", "calls_today": "4", "time_today": "6:02",
        })

    def m_getIP(self, fields):
        self.send_status("success", ip=self.client_address[0])


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # A client that hangs up in the middle (size cap, timeout) is normal.
        exc = sys.exc_info()[1]
        if not isinstance(exc, (BrokenPipeError, ConnectionResetError, OSError)):
            super().handle_error(request, client_address)


def main(argv=None):
    ap = argparse.ArgumentParser(description="Loopback fake of the voip.ms REST API")
    ap.add_argument("port", nargs="?", type=int, help="port (same as --port)")
    ap.add_argument("--port", dest="port_opt", type=int, default=0)
    ap.add_argument("--user", default=os.environ.get("FAKE_VOIPMS_USER", "test@example.com"))
    ap.add_argument("--password", default=os.environ.get("FAKE_VOIPMS_PASSWORD", "fake-api-password"))
    ap.add_argument("--log", help="append request lines and headers to this file")
    ap.add_argument("--clients", default="100001,100002,100003")
    ap.add_argument("--empty-clients", default="100003", help="clients without calls")
    ap.add_argument("--allowed-ips", default="127.0.0.1,::1")
    ap.add_argument("--calls-per-day", type=int, default=3)
    ap.add_argument("--budget", type=int, default=1000000, help="API requests per minute")
    ap.add_argument("--fixture", help="JSON file of calls per client")
    ap.add_argument("--numbers", action="store_true")
    ap.add_argument("--one-as-object", action="store_true")
    ap.add_argument("--baseline", choices=("eastern", "utc"), default="eastern")
    ap.add_argument("--fault", help="NAME[:ARG], see the module documentation")
    args = ap.parse_args(argv)
    port = args.port if args.port is not None else args.port_opt

    server = Server(("127.0.0.1", port), Handler)
    server.args = args
    server.state = State(args)
    server.user, server.password = args.user, args.password
    server.clients = [c for c in args.clients.split(",") if c]
    server.empty_clients = set(c for c in args.empty_clients.split(",") if c)
    server.allowed_ips = set(ip for ip in args.allowed_ips.split(",") if ip)
    server.log_lock = threading.Lock()
    print(server.server_address[1], flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
