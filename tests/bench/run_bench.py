#!/usr/bin/env python3
"""run_bench.py: the driver behind run-bench.sh (read that first).

Every timing is the wall time of one whole process (start, database open,
work, exit) taken with time.perf_counter() around it; peak memory is that
process's own ru_maxrss from os.wait4().  Each figure is the median of RUNS
runs after one untimed warm-up run (so the page cache is warm).  Nothing
is subtracted.

The sqlite3 side runs, in one sqlite3 shell process on the same file, the
statements kenoconsole's core runs for the same screen (account.c:
account_page and account_count, with the page sizes and keyset cursors of
tui/pane.c), with the cursor and search values written as literals.  It
does not run what the console does besides: settings, PRAGMA quick_check
on open (timed separately below), curses, and the selected account's
detail panel (account_get, payment methods, contacts, add-ons).
"""

import datetime
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

KC = os.environ["KC_BIN"]
DIR = os.environ["KC_BENCH_DIR"]
HERE = os.path.dirname(os.path.abspath(__file__))
REPORT = os.environ.get("KC_BENCH_REPORT") or os.path.join(HERE, "last-report.txt")
RUNS = max(1, int(os.environ.get("KC_BENCH_RUNS", "5")))
ACCOUNTS = int(os.environ.get("KC_BENCH_ACCOUNTS", "100000"))
SEED = 1
NOW = "2026-06-21T20:00:00Z"   # the pinned "now" of the demo and the console
PANE_MIN_PAGE = 20             # tui/pane.c: rows per fetch, at least
COMMON_SEARCH = "Tremblay"

problems = []


def say(msg):
    print(msg, file=sys.stderr, flush=True)


# --- processes --------------------------------------------------------------

class Run:
    def __init__(self, wall, cpu, rss_kb, rc, err):
        self.wall, self.cpu, self.rss_kb, self.rc, self.err = wall, cpu, rss_kb, rc, err


def measure(cmd, env, stdin=None, stdout=None):
    """Runs cmd; wall and CPU (user + system) seconds, its own peak RSS
    (KiB), exit code, stderr."""
    with open(stdin or os.devnull, "rb") as fin, open(stdout or os.devnull, "wb") as fout, \
            tempfile.TemporaryFile() as ferr:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=ferr, env=env)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
        ferr.seek(0)
        err = ferr.read().decode("utf-8", "replace").strip()
    return Run(wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss, p.returncode, err)


def sq(db, sql):
    """An untimed sqlite3 query: its output lines."""
    r = subprocess.run(["sqlite3", "-batch", db, sql], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("run-bench: sqlite3 %s: %s: %s" % (db, sql[:80], r.stderr.strip()))
    return r.stdout.splitlines()


def sq1(db, sql):
    lines = sq(db, sql)
    return lines[0] if lines else ""


# --- environment ---------------------------------------------------------------

TMP = tempfile.mkdtemp(prefix="kcbench.", dir=os.environ.get("TMPDIR", "/tmp"))
SCRIPTS = os.path.join(DIR, "scripts")


def kc_env(now=NOW):
    env = dict(os.environ)
    for k in ("LANGUAGE", "LANG", "LC_MESSAGES", "KENOCONSOLE_DUMP", "KENOCONSOLE_LOCALEDIR",
              "LINES", "COLUMNS"):
        env.pop(k, None)
    home = os.path.join(TMP, "home")
    env.update(HOME=home, XDG_CONFIG_HOME=os.path.join(home, ".config"),
               XDG_DATA_HOME=os.path.join(home, ".local", "share"), TZ="America/Toronto",
               LC_ALL="C.UTF-8", KENOCONSOLE_NOW=now, TERM="xterm")
    os.makedirs(env["XDG_CONFIG_HOME"], exist_ok=True)
    os.makedirs(env["XDG_DATA_HOME"], exist_ok=True)
    return env


ENV_SHOWN = "TERM=xterm LC_ALL=C.UTF-8 TZ=America/Toronto KENOCONSOLE_NOW=%s" % NOW


def kc_version():
    r = subprocess.run([KC, "--version"], capture_output=True, text=True, env=kc_env())
    return (r.stdout.splitlines() or ["?"])[0]


def machine():
    model = "?"
    mem = "?"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    mem = "%.1f GiB" % (int(line.split()[1]) / 1048576)
                    break
    except OSError:
        pass
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or "?"
    sqlite = subprocess.run(["sqlite3", "--version"], capture_output=True, text=True).stdout.split()
    return [
        "CPU: %s, nproc %s, memory %s" % (model, nproc, mem),
        "System: %s %s, Python %s" % (platform.system(), platform.release(),
                                      platform.python_version()),
        "sqlite3 shell %s; %s (%s)" % (sqlite[0] if sqlite else "?", kc_version(), KC),
        "Bench folder: %s (%s free)" % (DIR, "%.0f GiB" % (shutil.disk_usage(DIR).free / 2**30)),
        "Load average at the end: %.2f %.2f %.2f (other work on the machine skews wall times)"
        % os.getloadavg(),
    ]


# --- 1. the demo database ---------------------------------------------------------

def demo_db(version):
    """The cached demo database: (path, stamp dict, built_now)."""
    path = os.path.join(DIR, "demo-%d-seed%d.sqlite" % (ACCOUNTS, SEED))
    stamp_path = path + ".json"
    want = {"accounts": ACCOUNTS, "seed": SEED, "now": NOW, "kenoconsole": version}
    stamp = None
    if os.path.exists(stamp_path):
        try:
            with open(stamp_path, encoding="utf-8") as f:
                stamp = json.load(f)
        except (OSError, ValueError):
            stamp = None
    if (os.environ.get("KC_BENCH_REBUILD") != "1" and os.path.exists(path) and stamp
            and all(stamp.get(k) == v for k, v in want.items())):
        return path, stamp, False
    part = path + ".part"
    for p in (path, stamp_path, part):
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(p + suffix):
                os.remove(p + suffix)
    cmd = [KC, "-d", part, "demo", "--accounts", str(ACCOUNTS), "--seed", str(SEED)]
    say("run-bench: making the %d-account demo database (once; it is cached in %s) ..."
        % (ACCOUNTS, DIR))
    out = os.path.join(TMP, "demo.out")
    r = measure(cmd, kc_env(), stdout=out)
    if r.rc != 0:
        raise SystemExit("run-bench: %s failed (%d): %s" % (" ".join(cmd), r.rc, r.err))
    if os.path.exists(part + "-wal"):
        sq(part, "PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("-wal", "-shm"):
        if os.path.exists(part + suffix):
            os.remove(part + suffix)
    os.rename(part, path)
    stamp = dict(want, seconds=round(r.wall, 2), max_rss_kb=r.rss_kb,
                 built_at=datetime.datetime.now().isoformat(timespec="seconds"),
                 bytes=os.path.getsize(path),
                 command="%s kenoconsole -d DB demo --accounts %d --seed %d"
                 % (ENV_SHOWN, ACCOUNTS, SEED))
    with open(stamp_path, "w", encoding="utf-8") as f:
        json.dump(stamp, f, indent=1)
    return path, stamp, True


def data_summary(db):
    counts = []
    for t in ("accounts", "invoices", "payments", "usage_records", "tickets", "audit"):
        counts.append("%s %s" % (t, sq1(db, "SELECT count(*) FROM %s" % t)))
    status = ", ".join("%s %s" % tuple(l.split("|")) for l in
                       sq(db, "SELECT status, count(*) FROM accounts GROUP BY status"))
    return counts, status


# --- SQL of the core (account.c), written with literals ------------------------------

COLS = ("SELECT id, number, holder, company, level, status, welcome_call, term, "
        "balance_cents FROM accounts")


def lit(s):
    return "'" + s.replace("'", "''") + "'"


def like_pattern(text):
    t = text.strip()
    return "%" + "".join("\\" + c if c in "%_\\" else c for c in t) + "%"


def where(search):
    s = " WHERE 1"
    if search:
        p = lit(like_pattern(search))
        s += (" AND (number LIKE {p} ESCAPE '\\' OR holder LIKE {p} ESCAPE '\\'"
              " OR company LIKE {p} ESCAPE '\\' OR email LIKE {p} ESCAPE '\\'"
              " OR phone LIKE {p} ESCAPE '\\' OR voipms_client LIKE {p} ESCAPE '\\')").format(p=p)
    return s


def count_sql():
    return "SELECT count(*) FROM accounts" + where(None) + ";"


def page_sql(part, desc, limit, search=None, cur=None):
    """account.c page_sql for the number sort (k1 number, k2 id)."""
    after = "<" if desc else ">"
    s = COLS + where(search)
    if part == "same":
        s += " AND number = %s AND id %s %d" % (lit(cur[0]), after, cur[1])
    elif part == "later":
        s += " AND number %s %s" % (after, lit(cur[0]))
    d = "DESC" if desc else "ASC"
    return s + " ORDER BY number %s, id %s LIMIT %d;" % (d, d, limit)


def fetch_sql(cur, backward, limit, search=None):
    """account_page: from a cursor, the rows sharing its key then the later
    keys (numbers are unique, so the first part never fills the page and
    the second always runs); without a cursor, one query."""
    if cur is None:
        return [page_sql("all", backward, limit, search)]
    return [page_sql("same", backward, limit, search, cur),
            page_sql("later", backward, limit, search, cur)]


def ranks(db, wanted):
    """{rank: (number, id)} of rows at 1-based ranks in number order."""
    wanted = sorted(set(r for r in wanted if r >= 1))
    out = {}
    for i in range(0, len(wanted), 500):
        chunk = wanted[i:i + 500]
        for line in sq(db, "SELECT rn, number, id FROM (SELECT number, id, row_number() OVER "
                           "(ORDER BY number, id) AS rn FROM accounts) WHERE rn IN (%s)"
                       % ",".join(map(str, chunk))):
            rn, number, rid = line.split("|")
            out[int(rn)] = (number, int(rid))
    return out


# --- the console's paging (tui/pane.c), simulated to know what it fetches -----------

def simulate_pgdn(total, list_h, n_keys):
    """Fetch cursors (ranks) and the selected rank after n_keys PgDn."""
    pr = max(list_h, PANE_MIN_PAGE)
    step = list_h - 1 if list_h > 1 else 1
    loaded = min(2 * pr, total)
    at_end = total < 2 * pr
    sel, cursors = 0, []
    for _ in range(n_keys):
        target = sel + step
        while target >= loaded and not at_end:
            cursors.append(loaded)            # after the last loaded row
            got = min(pr, total - loaded)
            loaded += got
            at_end = got < pr
        sel = min(target, loaded - 1)
    return cursors, sel + 1


class Layout:
    def __init__(self, total, list_h):
        self.total, self.list_h = total, list_h
        self.pr = max(list_h, PANE_MIN_PAGE)


def first_screen_sql(L):
    return fetch_sql(None, False, 2 * L.pr) + [count_sql()]


def scenario_first(db, L):
    first = ranks(db, [1])[1][0]
    return {"keys": "", "sql": first_screen_sql(L), "expect": first,
            "what": "open, first screen, quit", "queries": "count + first page LIMIT %d" % (2 * L.pr)}


def scenario_pgdn(db, L, n):
    cursors, sel = simulate_pgdn(L.total, L.list_h, n)
    rk = ranks(db, cursors + [sel])
    sql = first_screen_sql(L)
    for c in cursors:
        sql += fetch_sql(rk[c], False, L.pr)
    return {"keys": "<PgDn>\n" * n, "sql": sql, "expect": rk[sel][0],
            "what": "%d page-downs (PgDn), ends on row %d" % (n, sel),
            "queries": "first screen + %d keyset pages LIMIT %d (2 statements each)"
            % (len(cursors), L.pr)}


def scenario_end(db, L):
    last = ranks(db, [L.total])[L.total][0]
    sql = first_screen_sql(L) + fetch_sql(None, True, 2 * L.pr) + [count_sql()]
    return {"keys": "G\n", "sql": sql, "expect": last, "what": "jump to the end (G)",
            "queries": "first screen + last page ORDER BY number DESC LIMIT %d + count"
            % (2 * L.pr)}


def scenario_search(db, L, text, label):
    first = ranks(db, [1])[1]
    pat = where(text)
    found = sq1(db, "SELECT number, id FROM accounts%s AND number > %s ORDER BY number, id LIMIT 1"
                % (pat, lit(first[0])))
    find = fetch_sql(first, False, 1, text)
    if not found:   # pane.c search_step wraps to the top
        found = sq1(db, "SELECT number, id FROM accounts%s ORDER BY number, id LIMIT 1" % pat)
        find += fetch_sql(None, False, 1, text)
    if not found:
        raise SystemExit("run-bench: no account matches the search %r" % text)
    number, fid = found.split("|")
    fid = int(fid)
    rank = int(sq1(db, "SELECT count(*) FROM accounts WHERE number <= %s" % lit(number)))
    nb = min(L.pr, rank - 1)
    sql = first_screen_sql(L) + find + fetch_sql((number, fid), True, L.pr)
    before = ranks(db, [rank - 1]).get(rank - 1) if nb else None
    sql += fetch_sql(before, False, 2 * L.pr) + [count_sql()]
    return {"keys": "/\n:type %s\n<Enter>\n" % text, "sql": sql, "expect": number,
            "what": "search %s: / %s Enter, first match %s (row %d)" % (label, text, number, rank),
            "queries": "first screen + LIKE on 6 columns after the cursor LIMIT 1 "
            "+ page before (LIMIT %d) and after (LIMIT %d) the match + count" % (L.pr, 2 * L.pr)}


def rare_holder(db):
    """The holder whose first account comes last: a search that reads
    almost the whole table."""
    return sq1(db, "SELECT holder FROM accounts GROUP BY holder ORDER BY min(number) DESC LIMIT 1")


# --- console runs ---------------------------------------------------------------------

def write_keys(name, keys, dump, tail=""):
    path = os.path.join(SCRIPTS, name + ".keys")
    with open(path, "w", encoding="utf-8") as f:
        f.write("# run-bench: %s\n%s:save-display %s\n%s" % (name, keys, dump, tail))
    return path


def write_sql(name, stmts):
    path = os.path.join(SCRIPTS, name + ".sql")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(stmts) + "\n")
    return path


def console_cmd(db, keys):
    return [KC, "-d", db, "--script", keys]


def screen_selected(dump):
    """The number in the detail panel's title ("── K-000123  Name ──")."""
    try:
        with open(dump, encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return None, ""
    m = re.search(r"^── (\S+)", text, re.M)
    return (m.group(1) if m else None), text


def run_console(name, db, keys_path, dump, expect):
    if os.path.exists(dump):
        os.remove(dump)
    r = measure(console_cmd(db, keys_path), kc_env())
    if r.rc != 0:
        problems.append("%s: kenoconsole exited %d: %s" % (name, r.rc, r.err))
    sel, text = screen_selected(dump)
    if expect and sel != expect:
        problems.append("%s: the screen shows %s selected, expected %s:\n%s" % (name, sel, expect, text))
    return r


def series(fn):
    fn()   # warm-up, untimed
    return [fn() for _ in range(RUNS)]


def med(runs, attr="wall"):
    return statistics.median(getattr(r, attr) for r in runs)


def probe_layout(db):
    dump = os.path.join(SCRIPTS, "probe.screen")
    keys = write_keys("probe", "", dump)
    run_console("probe", db, keys, dump, None)
    _, text = screen_selected(dump)
    lines = text.splitlines()
    title = next((i for i, l in enumerate(lines) if l.startswith("── ")), None)
    total = int(sq1(db, "SELECT count(*) FROM accounts"))
    if title is None or title < 3:
        problems.append("probe: cannot find the list on the first screen:\n" + text)
        return Layout(total, 11), text
    return Layout(total, title - 2), text   # tab bar and column headings above


def bench_scenario(db, name, sc):
    dump = os.path.join(SCRIPTS, name + ".screen")
    keys = write_keys(name, sc["keys"], dump)
    sqlf = write_sql(name, sc["sql"])
    say("run-bench: %s (%d+1 runs each) ..." % (sc["what"], RUNS))
    kc = series(lambda: run_console(name, db, keys, dump, sc["expect"]))

    def one_sq():
        r = measure(["sqlite3", "-batch", db], kc_env(), stdin=sqlf)
        if r.rc != 0:
            problems.append("%s: sqlite3 exited %d: %s" % (name, r.rc, r.err))
        return r
    sqr = series(one_sq)
    return dict(sc, name=name, kc=kc, sq=sqr, keys_path=keys, sql_path=sqlf,
                n_sql=len(sc["sql"]))


# --- memory while paging -----------------------------------------------------------------

def proc_status(pid):
    vals = {}
    try:
        with open("/proc/%d/status" % pid, encoding="utf-8") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    vals[k] = int(v.split()[0])
    except OSError:
        pass
    return vals


def paging_memory(db, L, n):
    """RSS right after n page-downs (read from /proc while the console
    sleeps at the end of its script), its peak, and the time to get there."""
    name = "memory-pgdn-%d" % n
    cursors, sel = simulate_pgdn(L.total, L.list_h, n)
    expect = ranks(db, [sel])[sel][0]
    dump = os.path.join(SCRIPTS, name + ".screen")
    keys = write_keys(name, "<PgDn>\n" * n, dump, ":sleep 1500\n")
    if os.path.exists(dump):
        os.remove(dump)
    say("run-bench: memory after %d page-downs ..." % n)
    with open(os.devnull, "rb") as fin, open(os.devnull, "wb") as fout, \
            tempfile.TemporaryFile() as ferr:
        t0 = time.perf_counter()
        p = subprocess.Popen(console_cmd(db, keys), stdin=fin, stdout=fout, stderr=ferr,
                             env=kc_env())
        reached, st, done = None, {}, None
        while done is None:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                done = (status, ru)
            elif reached is None and os.path.exists(dump) and os.path.getsize(dump) > 0:
                reached = time.perf_counter() - t0
                time.sleep(0.05)   # the dump is written: the screen is drawn
                st = proc_status(p.pid)
            else:
                time.sleep(0.005)
        p.returncode = os.waitstatus_to_exitcode(done[0])
        cpu = done[1].ru_utime + done[1].ru_stime
        ferr.seek(0)
        err = ferr.read().decode("utf-8", "replace").strip()
    if p.returncode != 0 or reached is None:
        problems.append("%s: kenoconsole exited %d: %s" % (name, p.returncode, err))
    got, text = screen_selected(dump)
    if got != expect:
        problems.append("%s: the screen shows %s selected, expected %s:\n%s" % (name, got, expect, text))
    return {"n": n, "rows": sel, "fetches": len(cursors), "seconds": reached, "cpu": cpu,
            "rss": st.get("VmRSS"), "hwm": st.get("VmHWM"), "selected": got}


# --- 3. billing -------------------------------------------------------------------------

def billing(db):
    if os.environ.get("KC_BENCH_SKIP_BILLING") == "1":
        return None
    last = sq1(db, "SELECT max(invoice_date) FROM invoices")
    as_of = sq1(db, "SELECT date(max(invoice_date), '+1 month') FROM invoices")
    copy = os.path.join(DIR, "billing-copy.sqlite")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(copy + suffix):
            os.remove(copy + suffix)
    say("run-bench: copying the database for the billing run ...")
    t0 = time.perf_counter()
    shutil.copyfile(db, copy)
    if os.path.exists(db + "-wal"):
        shutil.copyfile(db + "-wal", copy + "-wal")
    copy_s = time.perf_counter() - t0
    before = int(sq1(copy, "SELECT count(*) FROM invoices"))
    now = as_of + "T16:00:00Z"
    cmd = [KC, "-d", copy, "invoice", "run", "--as-of", as_of]
    out = os.path.join(TMP, "billing.out")
    say("run-bench: billing run as of %s ..." % as_of)
    r = measure(cmd, kc_env(now), stdout=out)
    if r.rc != 0:
        problems.append("billing: kenoconsole exited %d: %s" % (r.rc, r.err))
    after = int(sq1(copy, "SELECT count(*) FROM invoices"))
    with open(out, encoding="utf-8", errors="replace") as f:
        printed = f.read().rstrip()
    if os.environ.get("KC_BENCH_KEEP") != "1":
        for suffix in ("", "-wal", "-shm"):
            if os.path.exists(copy + suffix):
                os.remove(copy + suffix)
    return {"last": last, "as_of": as_of, "now": now, "copy_s": copy_s, "before": before,
            "after": after, "run": r, "printed": printed,
            "cmd": "KENOCONSOLE_NOW=%s kenoconsole -d COPY invoice run --as-of %s" % (now, as_of)}


# --- 4. import ----------------------------------------------------------------------------

def import_bench():
    script = os.path.join(HERE, "bench_import.sh")
    if os.environ.get("KC_BENCH_SKIP_IMPORT") == "1":
        return None, "skipped (KC_BENCH_SKIP_IMPORT=1)"
    if not os.path.exists(script):
        return None, "not run: %s is not there yet" % script
    say("run-bench: import benchmark (bench_import.sh) ...")
    env = dict(os.environ, KC_BIN=KC)
    r = subprocess.run(["sh", script], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True, errors="replace")
    return r.returncode, r.stdout.rstrip()


# --- report ---------------------------------------------------------------------------------

def secs(x):
    return "%.3f s" % x if x < 100 else "%.1f s" % x


def mib(kb):
    return "%.1f MiB" % (kb / 1024) if kb else "?"


def main():
    os.makedirs(SCRIPTS, exist_ok=True)
    started = datetime.datetime.now()
    version = kc_version()
    db, stamp, built = demo_db(version)
    counts, status = data_summary(db)
    size = os.path.getsize(db)

    L, _ = probe_layout(db)
    scen = [("first", scenario_first(db, L)),
            ("pgdn100", scenario_pgdn(db, L, 100)),
            ("end", scenario_end(db, L)),
            ("search", scenario_search(db, L, COMMON_SEARCH, "common")),
            ("search-rare", scenario_search(db, L, rare_holder(db), "rare"))]
    results = [bench_scenario(db, name, sc) for name, sc in scen]

    say("run-bench: sqlite3 PRAGMA quick_check(20), for comparison ...")
    qc_sql = write_sql("quick_check", ["PRAGMA quick_check(20);"])
    qc = series(lambda: measure(["sqlite3", "-batch", db], kc_env(), stdin=qc_sql))

    step = L.list_h - 1 if L.list_h > 1 else 1
    all_keys = math.ceil((L.total - 1) / step) + 5
    mem = [paging_memory(db, L, n) for n in sorted(set([100, 2000, all_keys]))]

    bill = billing(db)
    imp_rc, imp_out = import_bench()
    finished = datetime.datetime.now()

    out = []
    w = out.append
    w("kenoconsole benchmarks (make bench), %s, %.0f min"
      % (started.strftime("%Y-%m-%d %H:%M"), (finished - started).total_seconds() / 60))
    w("=" * 78)
    w("Benchmarks report; they never fail on speed.  Wall time of whole processes")
    w("(time.perf_counter around each), median of %d runs after one warm-up run" % RUNS)
    w("(warm page cache), nothing subtracted; peak memory = the process's max RSS.")
    w("")
    w("Machine")
    for line in machine():
        w("  " + line)
    w("")
    w("1. Demo database")
    w("  %s: %.2f GiB" % (db, size / 2**30))
    w("  %s" % "; ".join(counts))
    w("  accounts by status: %s" % status)
    w("  made with: %s" % stamp.get("command", "?"))
    w("  took %s (peak RSS %s)%s" % (secs(stamp.get("seconds", 0)), mib(stamp.get("max_rss_kb")),
      "" if built else ", cached: made %s; KC_BENCH_REBUILD=1 remakes it" % stamp.get("built_at")))
    w("")
    w("2. Console (script mode, TERM=xterm, 80x24; list of %d rows, %d rows a fetch)"
      % (L.list_h, L.pr))
    w("  %-12s %10s %11s %9s %9s | %9s %8s | %7s" % (
        "", "kenoconsole", "(min-max)", "CPU", "max RSS", "sqlite3", "CPU", "ratio"))
    for r in results:
        k, s = med(r["kc"]), med(r["sq"])
        w("  %-12s %10s %11s %9s %9s | %9s %8s | %6.0fx" % (
            r["name"], secs(k), "%.2f-%.2f" % (min(x.wall for x in r["kc"]),
                                             max(x.wall for x in r["kc"])),
            secs(med(r["kc"], "cpu")), mib(max(x.rss_kb for x in r["kc"])), secs(s),
            secs(med(r["sq"], "cpu")), k / s if s else float("nan")))
    w("  %-12s %10s %11s %9s %9s | %9s %8s |" % ("quick_check", "", "", "", "", secs(med(qc)),
                                                secs(med(qc, "cpu"))))
    w("  Medians; CPU = user + system time of the process (less sensitive than wall")
    w("  time to other load on the machine).  ratio = wall kenoconsole / wall sqlite3,")
    w("  the sqlite3 shell running the same list statements on the same file.")
    w("  quick_check = sqlite3 running PRAGMA quick_check(20) alone: kenoconsole runs it")
    w("  at open only on files up to 64 MiB (db.c), so on this file it is not part of")
    w("  the kenoconsole figures; `kenoconsole check` runs it.")
    for r in results:
        w("  - %s: %s" % (r["name"], r["what"]))
        w("      sqlite3: %d statements: %s" % (r["n_sql"], r["queries"]))
    w("")
    w("  Memory while paging (RSS read from /proc right after the last page-down;")
    w("  one run each; CPU = user + system time of the whole run):")
    w("  %-10s %8s %8s %11s %11s %13s %9s" % ("page-downs", "rows", "fetches", "VmRSS", "VmHWM",
                                               "wall to there", "CPU"))
    for m in mem:
        w("  %-10d %8d %8d %11s %11s %13s %9s" % (m["n"], m["rows"], m["fetches"], mib(m["rss"]),
                                                   mib(m["hwm"]), secs(m["seconds"] or 0),
                                                   secs(m["cpu"])))
    base = next((m for m in mem if m["n"] == 100), mem[0])
    for m in mem:
        if m is base or not (m["rss"] and base["rss"]):
            continue
        grow = m["rss"] - base["rss"]
        w("  %d -> %d page-downs%s: RSS %+d KiB (%+.1f %%), peak %+d KiB."
          % (base["n"], m["n"], " (the last account)" if m is mem[-1] else "", grow,
             100 * grow / base["rss"], (m["hwm"] or 0) - (base["hwm"] or 0)))
    last = mem[-1]
    if last is not base:
        w("  One page-down costs about %.3f ms of CPU ((CPU at %d - CPU at %d) / %d)."
          % (1000 * (last["cpu"] - base["cpu"]) / (last["n"] - base["n"]), last["n"], base["n"],
             last["n"] - base["n"]))
    w("")
    if bill is None:
        w("3. Billing run: skipped (KC_BENCH_SKIP_BILLING=1)")
        w("")
    else:
        b = bill
        n_inv = b["after"] - b["before"]
        w("3. Billing run (on a copy of the demo database)")
        w("  last billing in the demo: %s; run as of %s (KENOCONSOLE_NOW=%s)"
          % (b["last"], b["as_of"], b["now"]))
        w("  %s wall, %s CPU, peak RSS %s, exit %d" % (secs(b["run"].wall), secs(b["run"].cpu),
                                                       mib(b["run"].rss_kb), b["run"].rc))
        w("  invoices %d -> %d: %d issued, %.0f invoices/s"
          % (b["before"], b["after"], n_inv, n_inv / b["run"].wall if b["run"].wall else 0))
        w("  (copying the %.2f GiB file first took %s, not counted)" % (size / 2**30, secs(b["copy_s"])))
        for line in b["printed"].splitlines():
            w("    " + line)
        w("")
    w("4. Import (tests/bench/bench_import.sh)")
    if imp_rc is None:
        w("  " + imp_out)
    else:
        for line in imp_out.splitlines():
            w("  " + line)
        if imp_rc != 0:
            w("  (bench_import.sh exited %d: its own speed target; not a failure of make bench)"
              % imp_rc)
    w("")
    w("Reproduce")
    w("  make bench   (or: KC_BIN=src/kenoconsole KC_BENCH_DIR=%s sh tests/bench/run-bench.sh)" % DIR)
    w("  Environment of every run: HOME and XDG folders empty and private, %s" % ENV_SHOWN)
    w("  Key scripts, SQL files and the last screens (NAME.screen): %s" % SCRIPTS)
    w("  console:  kenoconsole -d %s --script %s/NAME.keys </dev/null >/dev/null" % (db, SCRIPTS))
    w("  sqlite3:  sqlite3 -batch %s < %s/NAME.sql >/dev/null" % (db, SCRIPTS))
    w("  names: %s, quick_check (sqlite3 only), memory-pgdn-N (console only)"
      % ", ".join(r["name"] for r in results))
    if bill is not None:
        w("  billing:  cp DB COPY; %s" % bill["cmd"])
    if problems:
        w("")
        w("PROBLEMS (the figures above may not measure what they say)")
        for p in problems:
            w("  - " + p.replace("\n", "\n    "))
    text = "\n".join(out) + "\n"
    sys.stdout.write(text)
    try:
        with open(REPORT, "w", encoding="utf-8") as f:
            f.write(text)
        say("run-bench: report written to %s" % REPORT)
    except OSError as e:
        say("run-bench: cannot write %s: %s" % (REPORT, e))
    return 1 if problems else 0


if __name__ == "__main__":
    try:
        rc = main()
    finally:
        shutil.rmtree(TMP, ignore_errors=True)
    sys.exit(rc)
