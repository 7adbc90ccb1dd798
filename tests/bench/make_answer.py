#!/usr/bin/env python3
"""make_answer.py: writes one getResellerCDR answer with N calls, for the
import benchmark (bench_import.sh).

    make_answer.py N FIRST_DAY DAYS OUT.json

Rows look like voip.ms's (spec voipms-api.md 2.1/2.2, the same shape as the
fake's generated calls): every scalar a JSON string, 8-decimal rate and
total, Eastern wall-clock dates spread over DAYS days from FIRST_DAY,
uniqueid unique.  Deterministic: same arguments, same bytes.
"""

import datetime
import json
import random
import sys

DISPOSITIONS = ("ANSWERED", "ANSWERED", "ANSWERED", "NO ANSWER", "BUSY", "FAILED")
PLACES = (("Canada - 613 Ottawa", "1613"), ("Canada - 416 Toronto", "1416"),
          ("Canada - 514 Montreal", "1514"), ("Toll Free - Canada", "1800"),
          ("USA - 212 New York", "1212"))


def units8(units):
    return "%d.%08d" % (units // 100000000, units % 100000000)


def main(argv):
    n, first, days, out = int(argv[1]), datetime.date.fromisoformat(argv[2]), int(argv[3]), argv[4]
    rng = random.Random(20250415)
    start = datetime.datetime.combine(first, datetime.time())
    span = days * 86400
    with open(out, "w", encoding="utf-8") as f:
        f.write('{"status":"success","cdr":[')
        for i in range(n):
            inbound = rng.random() < 0.3
            disposition = rng.choice(DISPOSITIONS)
            seconds = rng.randrange(1, 3600) if disposition == "ANSWERED" else 0
            rate = 0 if inbound else rng.choice((950000, 1000000, 1250000, 2500000))
            total = (rate * seconds + 59) // 60
            place, prefix = rng.choice(PLACES)
            number = "%s555%04d" % (prefix, rng.randrange(10000))
            wall = start + datetime.timedelta(seconds=i * span // n)
            row = {
                "date": wall.strftime("%Y-%m-%d %H:%M:%S"),
                "callerid": number if inbound else '"KENO BENCH" <4165550101>',
                "destination": "4165550101" if inbound else number,
                "description": "Inbound - Local Caller" if inbound else place,
                "account": "271828" if inbound else "271828_bench",
                "disposition": disposition,
                "duration": "%02d:%02d:%02d" % (seconds // 3600, seconds // 60 % 60, seconds % 60),
                "seconds": str(seconds),
                "rate": units8(rate),
                "total": units8(total),
                "uniqueid": str(500000000 + i),
                "destination_type": "IN:CAN" if inbound else "OUT:CAN",
                "call_logs": "",
            }
            if not inbound and i % 2 == 0:
                row["ip"] = "198.51.100.%d" % (i % 250 + 1)
                row["useragent"] = "Yealink SIP-T46U 108.86"
            if i:
                f.write(",")
            f.write(json.dumps(row, separators=(",", ":")))
        f.write("]}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
