#!/usr/bin/env python3
"""stress_driver.py: many kenoconsole writers on one database file, then the
ledger is checked against what every command said (tests/stress/*.sh).

    stress_driver.py --bin KC --db FILE --accounts 1,2,.. --tickets 1,2,..
        [--workers 8] [--phase SECONDS[:CONFIG_FILE]]... [--kill N] [--seed S]

Each worker runs one command at a time, chosen at random: `payment add`
(a unique --reference and amount), `ticket reply` (a unique text) and
`account edit` (a unique --company).  Every command's exit status and
stderr are kept.  A command either succeeds (exit 0), or is refused with
exit 1 and one of the clean messages (the database was busy, or someone
else saved first), or - with --kill - is killed with SIGKILL by a killer
thread at random instants (at most N kills, spread over the phases).
Anything else (another message, a crash, a hang) fails the run.

After the phases, with a private read snapshot (python's sqlite3), it
checks: PRAGMA integrity_check; every succeeded operation is in the
database exactly once, every refused one is absent, every killed one is
there once or not at all, and nothing else is; the sum of the payments
recorded equals the sum of the amounts of the commands that said so
(killed ones counted when present); each payment is whole (its allocations
plus its overpayment credit make its amount; it has its audit row); every
invoice has lines and paid_cents equal to its allocations; each account's
balance equals what its invoices still ask for; each account's company is
the one of its last recorded edit (no lost update).  The same invariants
(but the per-command ones) are checked every few seconds while the writers
run.  Prints "ok - ..." lines; exit 0 when all hold, 1 otherwise.
"""

import argparse
import json
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import threading
import time

BUSY = "The database is busy"
CONFLICTS = ("was changed by", "was changed meanwhile")
CMD_TIMEOUT = 60  # a command hanging this long is a failure, not a wait


class Op:
    """One command and what became of it."""

    __slots__ = ("kind", "key", "target", "cents", "rc", "err", "killed", "secs", "worker")

    def __init__(self, kind, key, target, cents=0, worker=0):
        self.kind, self.key, self.target, self.cents = kind, key, target, cents
        self.worker = worker
        self.rc, self.err, self.killed, self.secs = None, "", False, 0.0

    def outcome(self):
        if self.rc == -signal.SIGKILL:
            return "killed" if self.killed else "error"
        if self.rc == 0:
            return "ok"
        if self.rc == 1 and self.err.count("\n") == 1 and self.err.startswith("kenoconsole: "):
            if BUSY in self.err:
                return "busy"
            if any(c in self.err for c in CONFLICTS):
                return "conflict"
        return "error"


class Runner:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(args.seed)
        self.lock = threading.Lock()
        self.running = {}  # worker -> Popen
        self.ops = []
        self.kills = 0
        self.in_tx = 0  # kills that hit a command inside its write transaction
        self.failures = []
        self.stop = threading.Event()

    # -- the writers ------------------------------------------------------

    def make_op(self, rng, worker, n):
        key = "w%d-%s" % (worker, n)
        kind = rng.choice(("payment", "payment", "reply", "edit"))
        if kind == "payment":
            acc = rng.choice(self.args.accounts)
            cents = rng.randint(1, 20000)
            op = Op("payment", key, acc, cents)
            argv = ["payment", "add", "--account", str(acc), "--amount",
                    "%d.%02d" % (cents // 100, cents % 100), "--method",
                    rng.choice(("cheque", "wire", "visa")), "--reference", "stress " + key]
        elif kind == "reply":
            t = rng.choice(self.args.tickets)
            op = Op("reply", key, t)
            argv = ["ticket", "reply", str(t), "--text", "Réponse " + key]
        else:
            acc = rng.choice(self.args.accounts)
            op = Op("edit", key, acc)
            argv = ["account", "edit", str(acc), "--company", "Stress " + key]
        return op, argv

    def guarded(self, fn, *a):
        """Runs a thread's body; an exception fails the run (never ignored)."""
        try:
            fn(*a)
        except Exception as e:  # noqa: BLE001 - reported, then the run fails
            self.failures.append("%s: %r" % (fn.__name__, e))
            self.stop.set()

    def worker(self, w, deadline, config, phase):
        rng = random.Random(self.args.seed * 1000 + phase * 100 + w)
        n = 0
        base = [self.args.bin] + (["-c", config] if config else []) + ["-d", self.args.db]
        while time.monotonic() < deadline and not self.stop.is_set():
            n += 1
            op, argv = self.make_op(rng, w, "%d-%d" % (phase, n))
            op.worker = w
            t0 = time.monotonic()
            with self.lock:
                p = subprocess.Popen(base + argv, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
                self.running[w] = (p, op)
            err = self.read_all(p, op)
            with self.lock:
                # Reaped only here, under the lock: the killer never signals
                # a pid that may have been reused.
                p.wait()
                p.stderr.close()
                del self.running[w]
                op.rc = p.returncode
                op.secs = time.monotonic() - t0
                op.err += err.decode("utf-8", "replace")
                if p.returncode == -signal.SIGKILL and not op.killed:
                    op.err += "(killed, not by the killer)\n"
                self.ops.append(op)

    def read_all(self, p, op):
        """The command's stderr up to its end (without reaping it)."""
        err = b""
        end = time.monotonic() + CMD_TIMEOUT
        fd = p.stderr.fileno()
        while True:
            ready, _, _ = select.select([fd], [], [], max(end - time.monotonic(), 0))
            if not ready:
                with self.lock:
                    p.kill()
                op.err = "hung for %d s\n" % CMD_TIMEOUT
                end = time.monotonic() + CMD_TIMEOUT
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return err
            err += chunk

    @staticmethod
    def alive(p):
        """Not exited yet (checked without reaping: the lock holder only)."""
        return os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None

    def wal_writer(self):
        """The pid holding SQLite's WAL write lock (byte 120 of the -shm
        file, see /proc/locks): a command inside its write transaction."""
        try:
            ino = os.stat(self.args.db + "-shm").st_ino
            with open("/proc/locks") as f:
                for line in f:
                    w = line.split()
                    # N: POSIX ADVISORY WRITE PID MAJ:MIN:INODE START END
                    if (len(w) >= 8 and w[1] == "POSIX" and w[3] == "WRITE" and
                            w[5].rsplit(":", 1)[-1] == str(ino) and w[6] == "120"):
                        return int(w[4])
        except (OSError, ValueError):
            pass
        return None

    def pick(self, rng, in_transaction):
        """A live command: any, or the one writing (polls up to 50 ms)."""
        until = time.monotonic() + 0.05
        while in_transaction and time.monotonic() < until:
            pid = self.wal_writer()
            with self.lock:
                for p, op in self.running.values():
                    if p.pid == pid and self.alive(p):
                        return p, op
            time.sleep(0.0005)
        with self.lock:
            live = [(p, op) for p, op in self.running.values() if self.alive(p)]
        return rng.choice(live) if live else (None, None)

    def killer(self, deadline, budget):
        """SIGKILL at random instants: half of the time to any running
        command (most wait for the write lock), half of the time to the one
        inside its write transaction, after a random delay of up to 10 ms
        (so some die before their commit, some after)."""
        rng = random.Random(self.args.seed + 7)
        while self.kills < budget and time.monotonic() < deadline:
            # Spread what is left of the budget over what is left of the time.
            gap = (deadline - time.monotonic()) / (budget - self.kills)
            time.sleep(rng.uniform(0, gap))
            p, op = self.pick(rng, self.kills % 2 == 1)
            if not p:
                continue
            time.sleep(rng.uniform(0, 0.01))
            with self.lock:
                if self.running.get(op.worker, (None,))[0] is not p or not self.alive(p):
                    continue
                writing = self.wal_writer() == p.pid
                os.kill(p.pid, signal.SIGKILL)  # still our child, not reaped
                op.killed = True
                self.kills += 1
                self.in_tx += writing

    def checker(self, deadline):
        while not self.stop.wait(3.0) and time.monotonic() < deadline:
            problems = invariants(self.args.db, quick=True)
            if problems:
                self.failures.append("while running: " + "; ".join(problems))
                self.stop.set()

    def phase(self, number, seconds, config, kill_budget):
        deadline = time.monotonic() + seconds
        threads = [threading.Thread(target=self.guarded,
                                    args=(self.worker, w, deadline, config, number))
                   for w in range(self.args.workers)]
        threads.append(threading.Thread(target=self.guarded, args=(self.checker, deadline)))
        if kill_budget:
            threads.append(threading.Thread(target=self.guarded,
                                            args=(self.killer, deadline, kill_budget)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()


# -- checks -------------------------------------------------------------------

def snapshot(db):
    """A connection inside one read transaction (one consistent picture)."""
    con = sqlite3.connect(db, timeout=30, isolation_level=None)
    con.execute("PRAGMA busy_timeout = 30000")
    con.execute("BEGIN")
    return con


def one(con, sql, *params):
    return con.execute(sql, params).fetchone()[0]


def invariants(db, quick):
    """The rules that hold at every instant; a list of problems."""
    con = snapshot(db)
    try:
        p = []
        r = one(con, "PRAGMA quick_check" if quick else "PRAGMA integrity_check")
        if r != "ok":
            p.append("integrity: %s" % r)
        n = one(con, "SELECT count(*) FROM invoices i WHERE NOT EXISTS "
                     "(SELECT 1 FROM invoice_lines l WHERE l.invoice_id = i.id)")
        if n:
            p.append("%d invoices without lines" % n)
        n = one(con, "SELECT count(*) FROM invoices i WHERE paid_cents <> (SELECT "
                     "coalesce(sum(amount_cents), 0) FROM payment_allocations WHERE invoice_id = i.id)")
        if n:
            p.append("%d invoices whose paid amount is not their allocations" % n)
        n = one(con, "SELECT count(*) FROM accounts a WHERE balance_cents <> (SELECT "
                     "coalesce(sum(total_cents - paid_cents - credited_cents), 0) "
                     "FROM invoices WHERE account_id = a.id)")
        if n:
            p.append("%d account balances disagree with their invoices" % n)
        n = one(con, "SELECT count(*) FROM payments p WHERE amount_cents <> "
                     "(SELECT coalesce(sum(amount_cents), 0) FROM payment_allocations "
                     " WHERE payment_id = p.id) + (SELECT coalesce(sum(amount_cents), 0) "
                     " FROM store_credits WHERE source = 'overpayment' AND note = '#' || p.id)")
        if n:
            p.append("%d payments not whole (allocations + credit <> amount)" % n)
        n = one(con, "SELECT count(*) FROM payments p WHERE (SELECT count(*) FROM audit "
                     "WHERE entity = 'payment' AND entity_id = p.id AND action = 'payment.record') <> 1")
        if n:
            p.append("%d payments without exactly one audit row" % n)
        n = one(con, "SELECT count(*) FROM ticket_events e WHERE kind = 'reply' AND (SELECT "
                     "count(*) FROM audit WHERE entity = 'ticket' AND entity_id = e.ticket_id AND "
                     "action = 'ticket.reply' AND json_extract(new_values, '$.event_id') = e.id "
                     "AND json_extract(new_values, '$.reply') = e.body) <> 1")
        if n:
            p.append("%d replies without exactly one audit row" % n)
        # No lost update: the company is the one of the last edit recorded.
        rows = con.execute(
            "SELECT a.number, a.company, (SELECT json_extract(new_values, '$.company') FROM audit "
            " WHERE entity = 'account' AND entity_id = a.id AND action = 'account.edit' AND "
            " json_extract(new_values, '$.company') IS NOT NULL ORDER BY id DESC LIMIT 1) "
            "FROM accounts a").fetchall()
        for number, company, last in rows:
            if last is not None and company != last:
                p.append("%s: company %r, last edit says %r" % (number, company, last))
        return p
    finally:
        con.execute("COMMIT")
        con.close()


def recorded(db):
    """What the database holds of each kind, by key."""
    con = snapshot(db)
    try:
        pay = {}
        for ref, cents in con.execute("SELECT reference, amount_cents FROM payments "
                                      "WHERE reference LIKE 'stress w%'"):
            pay.setdefault(ref[len("stress "):], []).append(cents)
        rep = {}
        for (body,) in con.execute("SELECT body FROM ticket_events WHERE kind = 'reply' "
                                   "AND body LIKE 'Réponse w%'"):
            k = body[len("Réponse "):]
            rep[k] = rep.get(k, 0) + 1
        edit = {}
        for (c,) in con.execute("SELECT json_extract(new_values, '$.company') FROM audit "
                                "WHERE action = 'account.edit' AND "
                                "json_extract(new_values, '$.company') LIKE 'Stress w%'"):
            k = c[len("Stress "):]
            edit[k] = edit.get(k, 0) + 1
        return pay, rep, edit
    finally:
        con.execute("COMMIT")
        con.close()


def verify(runner, db):
    ok = True

    def bad(msg):
        nonlocal ok
        ok = False
        print("FAIL: " + msg)

    counts = {}
    for op in runner.ops:
        o = op.outcome()
        counts[(op.kind, o)] = counts.get((op.kind, o), 0) + 1
        if o == "error":
            bad("%s %s: exit %s: %s" % (op.kind, op.key, op.rc, op.err.strip()[:300]))
    for kind in ("payment", "reply", "edit"):
        print("ok - %s: %s" % (kind, ", ".join(
            "%s %d" % (o, counts.get((kind, o), 0))
            for o in ("ok", "busy", "conflict", "killed", "error"))))
    for kind in ("payment", "reply", "edit"):
        if not counts.get((kind, "ok")):
            bad("no %s succeeded: the run proves nothing" % kind)
    for (kind, o), n in counts.items():
        if o == "conflict" and kind == "payment":
            bad("a payment was refused as a conflict (%d)" % n)

    pay, rep, edit = recorded(db)
    found = {"payment": pay, "reply": rep, "edit": edit}
    expected_cents = 0
    present_killed = absent_killed = 0
    attempted = {k: set() for k in found}
    for op in runner.ops:
        attempted[op.kind].add(op.key)
        got = found[op.kind].get(op.key)
        n = (len(got) if op.kind == "payment" else got) if got else 0
        o = op.outcome()
        if o == "ok" and n != 1:
            bad("%s %s succeeded but is recorded %d times" % (op.kind, op.key, n))
        elif o in ("busy", "conflict") and n != 0:
            bad("%s %s was refused (%s) but is recorded" % (op.kind, op.key, o))
        elif o == "killed" and n > 1:
            bad("%s %s (killed) is recorded %d times" % (op.kind, op.key, n))
        if o == "killed":
            if n:
                present_killed += 1
            else:
                absent_killed += 1
        if op.kind == "payment" and n == 1:
            if got[0] != op.cents:
                bad("payment %s: %d cents recorded, %d asked" % (op.key, got[0], op.cents))
            if o in ("ok", "killed"):
                expected_cents += op.cents
    for kind, table in found.items():
        extra = set(table) - attempted[kind]
        if extra:
            bad("%s recorded that no command asked for: %s" % (kind, sorted(extra)[:5]))
    total = sum(sum(v) for v in pay.values())
    if total != expected_cents:
        bad("payments recorded %d cents, the commands that succeeded %d" % (total, expected_cents))
    else:
        print("ok - ledger exact: %d payments, %d cents, as the commands said"
              % (sum(len(v) for v in pay.values()), total))
    if runner.args.kill:
        print("ok - %d commands killed (%d inside their write transaction): %d kept whole, "
              "%d left no trace" % (present_killed + absent_killed, runner.in_tx,
                                    present_killed, absent_killed))
    for problem in invariants(db, quick=False):
        bad(problem)
    for f in runner.failures:
        bad(f)
    if ok:
        print("ok - integrity_check ok, payments whole, invoices whole, balances and "
              "no lost update")
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--accounts", required=True)
    ap.add_argument("--tickets", required=True)
    ap.add_argument("--workers", type=int, default=8)
    ap.add_argument("--phase", action="append", default=[])
    ap.add_argument("--kill", type=int, default=0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--summary")
    args = ap.parse_args()
    args.accounts = [int(x) for x in args.accounts.split(",")]
    args.tickets = [int(x) for x in args.tickets.split(",")]
    phases = []
    for ph in args.phase or ["10"]:
        secs, _, config = ph.partition(":")
        phases.append((float(secs), config or None))
    runner = Runner(args)
    total = sum(s for s, _ in phases)
    for number, (secs, config) in enumerate(phases):
        budget = round(args.kill * secs / total) if args.kill else 0
        runner.phase(number, secs, config, budget)
    print("ok - %d commands by %d writers in %.0f s" % (len(runner.ops), args.workers, total))
    if args.summary:
        killed = sum(1 for op in runner.ops if op.outcome() == "killed")
        with open(args.summary, "w") as f:
            json.dump({"commands": len(runner.ops), "killed": killed}, f)
    sys.exit(0 if verify(runner, args.db) else 1)


if __name__ == "__main__":
    main()
