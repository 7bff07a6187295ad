#!/usr/bin/env python3
"""Detection-quality evaluation of the sweep rules (`make eval`, issue #6).

For each seed: generate a demo world, load it into a throwaway embedded PostgreSQL (a precursord of its own with
scheduled sweeps off), then sweep month by month as of each month's end, loading each report only once it was filed
(filings.csv). After each sweep the cycle's review list is the firms with a new or re-raised risk alert, ranked like
firm_risk (sum of the three strongest, x1.25 on a hot route), cut at k = 5 % of active firms. Two naive baselines
rank firms in the same cycles at the same k from the same declarations: month kg > 2x the trailing-12-month mean,
and month kg > the trailing 6-month maximum. Prints one table over the reporting seeds.
"""
import argparse, collections, csv, datetime as dt, json, math, os, shutil, socket, subprocess, sys, tempfile, time

EXPECTED = {  # planted scenario -> rules whose alert counts as the right top reason
    "spike": {"volume_spike"}, "ramp": {"volume_spike", "peer_outlier", "frequency_spike"},
    "unreported_import": {"report_mismatch"}, "stock_leakage": {"balance_gap"},
    "split_shipments": {"frequency_spike"}, "route_shift": {"route_novelty"},
    "licence_overdraw": {"licence_overdrawn"}, "licence_lapse": {"licence_invalid", "unlicensed_import"},
    "new_entrant": {"peer_outlier", "volume_spike"}, "undervalued": {"value_outlier"},
}
REPORT_SCENARIOS = {"unreported_import", "stock_leakage"}
TARGETS = ["spike", "unreported_import", "split_shipments", "route_shift"]
LICENCE = ["licence_overdraw", "licence_lapse"]


def free_port():
    s = socket.socket(); s.bind(("127.0.0.1", 0)); port = s.getsockname()[1]; s.close(); return port


def month_of(date):
    return date[:7]


def add_months(month, n):
    y, m = int(month[:4]), int(month[5:7]) - 1 + n
    return f"{y + m // 12:04d}-{m % 12 + 1:02d}"


def month_end(month):
    y, m = int(month[:4]), int(month[5:7])
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return (nxt - dt.timedelta(days=1)).isoformat()


def period_months(period):
    if "-Q" in period:
        y, q = period.split("-Q")
        return [f"{y}-{3 * (int(q) - 1) + i:02d}" for i in (1, 2, 3)]
    if len(period) == 4:
        return [f"{period}-{i:02d}" for i in range(1, 13)]
    return [period]


def read_csv(path):
    with open(path, newline="", encoding="utf-8-sig") as f:
        return list(csv.DictReader(f))


class World:
    """One seed: the generated files, a daemon of its own, and the sweeps."""

    def __init__(self, args, seed):
        self.args, self.seed = args, seed
        self.work = tempfile.mkdtemp(prefix=f"precursor-eval-{seed}-", dir="/tmp")
        os.chmod(self.work, 0o755)
        self.files = os.path.join(self.work, "world")
        self.env = dict(os.environ, PRECURSOR_DATA_DIR=self.work, PRECURSOR_PG_PORT=str(free_port()),
                        PRECURSOR_HTTP_HOST="127.0.0.1", PRECURSOR_HTTP_PORT=str(free_port()),
                        PRECURSOR_LOG_FORMAT="json", PRECURSOR_LOG_LEVEL="error", PRECURSOR_SWEEPS="off")
        self.env.pop("DATABASE_URL", None)
        self.daemon = None

    def ctl(self, *argv, check=True):
        r = subprocess.run([os.path.join(self.args.bin, "precursorctl"), *argv], env=self.env,
                           capture_output=True, text=True)
        if check and r.returncode != 0:
            raise RuntimeError(f"precursorctl {' '.join(argv)} failed ({r.returncode}): {r.stderr[-2000:]}{r.stdout[-2000:]}")
        return r.stdout

    def psql(self, sql):
        sock = os.path.join(self.work, "pg")
        r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", sock, "-p",
                            self.env["PRECURSOR_PG_PORT"], "-U", "postgres", "-d", "precursor", "-c", sql],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError(f"psql failed: {r.stderr}")
        return [line.split("\t") for line in r.stdout.splitlines() if line]

    def start(self):
        log = open(os.path.join(self.work, "daemon.log"), "w")
        self.daemon = subprocess.Popen([os.path.join(self.args.bin, "precursord")], env=self.env, stdout=log, stderr=log)
        for _ in range(600):
            if subprocess.run([os.path.join(self.args.bin, "precursorctl"), "admin", "db", "status"], env=self.env,
                              capture_output=True).returncode == 0:
                return
            if self.daemon.poll() is not None:
                raise RuntimeError("precursord exited: " + open(os.path.join(self.work, "daemon.log")).read()[-2000:])
            time.sleep(0.2)
        raise RuntimeError("precursord did not become ready")

    def stop(self):
        if self.daemon and self.daemon.poll() is None:
            self.daemon.terminate()
            self.daemon.wait(timeout=60)
        shutil.rmtree(self.work, ignore_errors=True)

    def load(self):
        a = self.args
        self.ctl("admin", "demo", "generate", "--firms", str(a.firms), "--months", str(a.months), "--seed",
                 str(self.seed), "--out", self.files, "--end", a.end)
        self.ctl("admin", "db", "seed")
        # Everything but the reports, which arrive as they were filed; the world's non-key firms report quarterly
        # (demo load declares it: the importer's default is the annual obligation of the regulations).
        self.ctl("admin", "demo", "load", self.files, "--without-reports")
        self.firms = read_csv(os.path.join(self.files, "firms.csv"))
        self.truth = read_csv(os.path.join(self.files, "truth.csv"))
        self.filings = read_csv(os.path.join(self.files, "filings.csv"))
        with open(os.path.join(self.files, "reports.csv"), newline="", encoding="utf-8-sig") as f:
            rows = list(csv.reader(f))
        self.report_header, self.report_rows = rows[0], rows[1:]
        self.filed = {(r["tax_code"], r["period"], r["facility_code"]): r["filed_on"] for r in self.filings}
        self.months = [add_months(a.end, -i) for i in range(a.months - 1, -1, -1)]
        self.volumes = collections.defaultdict(float)  # (tax, substance, month) -> import kg
        for tax, sub, month, kg in self.psql(
                "SELECT f.tax_code, s.code, to_char(d.declared_on, 'YYYY-MM'), sum(d.kg_pure) FROM declaration_line d "
                "JOIN firm f ON f.id = d.firm_id JOIN substance s ON s.id = d.substance_id "
                "WHERE d.direction = 'import' GROUP BY 1, 2, 3"):
            self.volumes[(tax, sub, month)] = float(kg)

    def load_reports_until(self, as_of, loaded):
        ti, pi, fi = (self.report_header.index(c) for c in ("tax_code", "period", "facility_code"))
        batch = []
        for i, row in enumerate(self.report_rows):
            if i in loaded:
                continue
            filed = self.filed.get((row[ti], row[pi], row[fi]))
            if filed is not None and filed <= as_of:
                batch.append(row); loaded.add(i)
        if batch:
            path = os.path.join(self.work, f"reports-{as_of}.csv")
            with open(path, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f); w.writerow(self.report_header); w.writerows(batch)
            self.ctl("admin", "import", "reports", path)

    def run(self):
        loaded, cycles = set(), []
        for month in self.months:
            as_of = month_end(month)
            self.load_reports_until(as_of, loaded)
            started = time.time()
            report = json.loads(self.ctl("admin", "sweep", "run", "--as-of", as_of, "--full", "--format", "json"))
            seconds = time.time() - started
            rows = self.psql(
                f"""SELECT f.tax_code, coalesce(s.code, ''), x.rule || '/' || (x.evidence->>'kind'), a.rule_family, x.score::float8,
                           coalesce((x.evidence->>'hot_route')::boolean, false), a.id
                      FROM finding x JOIN alert a ON a.id = x.alert_id JOIN firm f ON f.id = x.firm_id
                      LEFT JOIN substance s ON s.id = x.substance_id
                     WHERE x.sweep_run_id = {int(report['id'])}""")
            findings = [dict(tax=r[0], sub=r[1], rule=r[2], family=r[3], score=float(r[4]), hot=r[5] == "t", alert=r[6])
                        for r in rows]
            active = sum(1 for f in self.firms if f["status"] == "active" and f["registered_on"] <= as_of)
            cycles.append(dict(month=month, as_of=as_of, findings=findings, active=active, seconds=seconds,
                               rule_seconds=report.get("rule_seconds", {})))
        return cycles


def rank_firms(findings):
    """firm_risk over a cycle's raised alerts: three strongest, x1.25 when a hot route is involved."""
    by_firm = collections.defaultdict(list)
    for f in findings:
        if f["family"] in ("data_quality", "exploration"):
            continue
        by_firm[f["tax"]].append(f)
    scored = []
    for tax, fs in by_firm.items():
        best = {}
        for f in fs:  # one score per alert (its strongest finding)
            best[f["alert"]] = max(best.get(f["alert"], 0), f["score"])
        top = sorted(best.values(), reverse=True)[:3]
        scored.append((sum(top) * (1.25 if any(f["hot"] for f in fs) else 1), tax))
    return [tax for _, tax in sorted(scored, key=lambda x: (-x[0], x[1]))]


def baseline_rank(world, month, kind):
    scores = collections.defaultdict(float)
    for (tax, sub, m), kg in list(world.volumes.items()):
        if m != month or kg <= 0:
            continue
        if kind == "mean":
            past = [world.volumes.get((tax, sub, add_months(month, -i)), 0.0) for i in range(1, 13)]
            ref = 2 * sum(past) / 12
        else:
            ref = max(world.volumes.get((tax, sub, add_months(month, -i)), 0.0) for i in range(1, 7))
        if ref > 0 and kg > ref:
            scores[tax] = max(scores[tax], kg / ref)
    return [tax for tax, _ in sorted(scores.items(), key=lambda x: (-x[1], x[0]))]


def evaluate(world, cycles):
    """Per-seed counts; summed over seeds by the caller."""
    c = collections.Counter()
    firm_key = {f["tax_code"]: f["key_enterprise"] == "true" for f in world.firms}
    index = {cy["month"]: i for i, cy in enumerate(cycles)}
    # Instances: one per (firm, substance, scenario); the cycle from which the evidence exists.
    instances = collections.defaultdict(list)
    for t in world.truth:
        instances[(t["tax_code"], t["substance"], t["scenario"], t["kind"])].append(t["month"])
    windows = collections.defaultdict(list)  # firm -> [(first cycle, last cycle)] of its anomalies
    results = []
    for (tax, sub, scenario, kind), months in instances.items():
        start = min(months)
        if scenario in REPORT_SCENARIOS:
            filed = [r["filed_on"] for r in world.filings if r["tax_code"] == tax
                     and any(m in period_months(r["period"]) for m in months)]
            if not filed:
                continue
            start = max(start, month_of(min(filed)))
        if start not in index:
            c[f"unobservable:{scenario}"] += 1
            continue
        first, last = index[start], index[max(start, max(months))]
        if kind == "anomaly":
            windows[tax].append((index[min(months)] if min(months) in index else first, last + 1))
        results.append((tax, sub, scenario, kind, first, last))
    for tax, sub, scenario, kind, first, last in results:
        span = range(first, min(len(cycles), (first + 2) if kind == "anomaly" else (last + 2)))
        hits = [f for i in span for f in cycles[i]["findings"]
                if f["tax"] == tax and f["family"] not in ("data_quality", "exploration") and f["sub"] in (sub, "")]
        if kind == "anomaly":
            c[f"n:{scenario}"] += 1
            if scenario == "spike":  # the rule needs >= 6 active months in the trailing 12: count those it cannot see
                month = world.months[first]
                active = sum(world.volumes.get((tax, sub, add_months(month, -i)), 0) > 0 for i in range(1, 13))
                c["spike_short_history"] += active < 6
            own = [f for f in hits if f["sub"] == sub]
            if own:
                c[f"found:{scenario}"] += 1
                first_cycle = min(i for i in span if any(f["tax"] == tax and f["sub"] == sub and f["family"] not in ("data_quality", "exploration") for f in cycles[i]["findings"]))
                fs = [f for f in cycles[first_cycle]["findings"] if f["tax"] == tax and f["sub"] == sub]
                top = max(fs, key=lambda f: f["score"])
                c["reason_n"] += 1
                c["reason_ok"] += top["rule"].split("/")[0] in EXPECTED[scenario]
                c[f"reason_ok:{scenario}"] += top["rule"].split("/")[0] in EXPECTED[scenario]
        else:
            span = range(max(first, world.args.burn_in), span.stop)
            if not span:
                c[f"before_burn_in:{scenario}"] += 1
                continue
            hits = [f for i in span for f in cycles[i]["findings"]
                    if f["tax"] == tax and f["family"] not in ("data_quality", "exploration") and f["sub"] in (sub, "")]
            c[f"n:{scenario}"] += 1
            alerted = [f for f in hits if not (scenario == "late_report" and f["rule"].startswith("missing_report"))]
            c[f"found:{scenario}"] += bool(alerted)
            c[f"found_any:{scenario}"] += bool(hits)
            listed = any(tax in rank_firms(cycles[i]["findings"])[:max(1, math.ceil(0.05 * cycles[i]["active"]))] for i in span)
            c[f"listed:{scenario}"] += listed

    def positive(tax, i):
        return any(a <= i <= b for a, b in windows.get(tax, []))

    for i, cy in enumerate(cycles):
        if i < world.args.burn_in:
            continue
        k = max(1, math.ceil(0.05 * cy["active"]))
        c["k_total"] += k
        c["scored_cycles"] += 1
        c["positives"] += sum(1 for tax in windows if positive(tax, i))
        c["firm_months"] += cy["active"]
        c["alerts"] += len({f["alert"] for f in cy["findings"] if f["family"] not in ("data_quality", "exploration")})
        for name, ranked in (("rules", rank_firms(cy["findings"])), ("mean2x", baseline_rank(world, cy["month"], "mean")),
                             ("max6", baseline_rank(world, cy["month"], "max"))):
            top = ranked[:k]
            c[f"listed:{name}"] += len(top)
            c[f"tp:{name}"] += sum(positive(t, i) for t in top)
        c["seconds"] += cy["seconds"]
        for rule, sec in cy.get("rule_seconds", {}).items():
            c[f"sec:{rule}"] += sec
        headline = {}
        for f in cy["findings"]:
            if f["alert"] not in headline or f["score"] > headline[f["alert"]]["score"]:
                headline[f["alert"]] = f
        for f in headline.values():
            c[f"alerts_rule:{f['rule']}"] += 1
            c[f"alerts_rule_tp:{f['rule']}"] += positive(f["tax"], i)
        c["cycles"] += 1
    return c


def pct(a, b):
    return "  n/a" if b == 0 else f"{100 * a / b:5.1f} %"


def table(total, seeds, args):
    out = []
    p = lambda s: out.append(s)
    p(f"\nDetection quality over seeds {', '.join(map(str, seeds))} ({args.firms} firms x {args.months} months each, "
      f"monthly full sweeps as of each month end; k = 5 % of active firms per cycle)\n")
    p(f"{'metric':58} {'value':>10}  target")
    for name, label in (("rules", "sweep rules"), ("mean2x", "baseline: 2x trailing-12-month mean"),
                        ("max6", "baseline: trailing 6-month max")):
        tp, listed = total[f"tp:{name}"], total[f"listed:{name}"]
        p(f"{'precision@k, ' + label:58} {tp / listed if listed else 0:10.2f}  {'>= 0.6, beats baselines' if name == 'rules' else ''}")
        p(f"{'  (firms listed / k slots; tp / k slots)':58} {listed:>5}/{total['k_total']:<5} {tp / total['k_total']:.2f}")
    p("")
    for s in ["spike", "ramp", "unreported_import", "stock_leakage", "split_shipments", "route_shift", "licence_overdraw",
              "licence_lapse", "new_entrant", "undervalued"]:
        n, f = total[f"n:{s}"], total[f"found:{s}"]
        target = ">= 90 %" if s in TARGETS else ("100 %" if s in LICENCE else "")
        p(f"{'recall within 2 cycles: ' + s:58} {pct(f, n):>8} ({f}/{n})  {target}")
        if s == "spike":
            p(f"{'  ... spikes with < 6 active months in the trailing 12':58} {total['spike_short_history']:>8}")
    for s in ["capacity_growth", "seasonal_peak", "late_report"]:
        n = total[f"n:{s}"]
        note = " (missing_report before filing not counted)" if s == "late_report" else ""
        p(f"{'look-alikes alerted: ' + s + note:58} {pct(total[f'found:{s}'], n):>8} ({total[f'found:{s}']}/{n})")
        p(f"{'  ... in the top-k review list':58} {pct(total[f'listed:{s}'], n):>8}")
        if s == "late_report":
            p(f"{'  ... counting missing_report too':58} {pct(total[f'found_any:{s}'], n):>8}")
    la_n = sum(total[f"n:{s}"] for s in ["capacity_growth", "seasonal_peak", "late_report"])
    la_f = sum(total[f"found:{s}"] for s in ["capacity_growth", "seasonal_peak", "late_report"])
    p(f"{'look-alikes alerted, all':58} {pct(la_f, la_n):>8}  <= 10 %")
    p(f"{'top reason matches planted scenario':58} {pct(total['reason_ok'], total['reason_n']):>8} ({total['reason_ok']}/{total['reason_n']})  >= 90 %")
    p(f"{'risk alerts per 100 active firm-months':58} {100 * total['alerts'] / max(1, total['firm_months']):10.2f}  <= 5")
    p(f"{'sweep seconds per cycle (mean)':58} {total['seconds'] / max(1, total['cycles']):10.2f}")
    p(f"{'firms inside an anomaly window per cycle (mean; caps tp)':58} {total['positives'] / max(1, total['scored_cycles']):10.2f}")
    for key in sorted(k for k in total if k.startswith("alerts_rule:")):
        rule = key.split(":")[1]
        p(f"{'  alerts raised by ' + rule + ' (on anomalous firms)':58} {total[key]:>6} ({total['alerts_rule_tp:' + rule]})  {total['sec:' + rule.split('/')[0]] / max(1, total['cycles']):.2f} s/cycle")
    unobs = {k.split(':')[1]: v for k, v in total.items() if k.startswith('unobservable:')}
    if unobs:
        p(f"not observable inside the window (report filed after the last month): {unobs}")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bin", required=True)
    ap.add_argument("--seeds", default="11,12,13,14,15")
    ap.add_argument("--firms", type=int, default=400)
    ap.add_argument("--months", type=int, default=24)
    ap.add_argument("--end", default="2026-09")
    ap.add_argument("--burn-in", type=int, default=6,
                    help="cycles left out of precision, alert volume and look-alikes: the world starts with no history "
                         "(and licences dated before it, whose earlier reports do not exist)")
    ap.add_argument("--json", help="write the summed counts here")
    ap.add_argument("--keep", action="store_true", help="leave the last world's daemon running (for inspection)")
    args = ap.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    total = collections.Counter()
    began = time.time()
    for seed in seeds:
        world = World(args, seed)
        try:
            world.start()
            world.load()
            cycles = world.run()
            counts = evaluate(world, cycles)
            total.update(counts)
            print(f"seed {seed}: {counts['cycles']} cycles, {counts['alerts']} alerts, "
                  f"precision@k {counts['tp:rules'] / max(1, counts['listed:rules']):.2f} "
                  f"({time.time() - began:.0f} s so far)", file=sys.stderr, flush=True)
        finally:
            if args.keep:
                print(f"kept: PRECURSOR_DATA_DIR={world.work} PRECURSOR_PG_PORT={world.env['PRECURSOR_PG_PORT']} "
                      f"daemon pid {world.daemon.pid}", file=sys.stderr)
            else:
                world.stop()
    print(table(total, seeds, args))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(total, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
