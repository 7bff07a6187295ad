#!/usr/bin/env python3
"""Builds seeds/substances.csv from the researched catalogue in ../shared/seed-data/substances.csv.

Keeps every fact of the source; adds `hs_code_vn`, the Vietnamese 8-digit tariff line, where the source's notes
name exactly one ("VN tariff 2915.24.00"). Run once when the shared catalogue changes; the output is committed.
"""
import csv, re, sys, unicodedata

src = sys.argv[1] if len(sys.argv) > 1 else "../shared/seed-data/substances.csv"
out = sys.argv[2] if len(sys.argv) > 2 else "seeds/substances.csv"
rows = list(csv.DictReader(open(src, encoding="utf-8")))
fields = ["code", "name_en", "name_vi", "cas", "hs_code", "hs_code_vn", "un_table", "vn_list", "kind",
          "density_kg_per_l", "notes"]
with open(out, "w", encoding="utf-8", newline="") as f:
    w = csv.DictWriter(f, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for r in rows:
        vn = sorted(set(re.findall(r"VN tariff (\d{4}\.\d{2}\.\d{2})", r["notes"])))
        r = {k: unicodedata.normalize("NFC", v) for k, v in r.items()}
        r["hs_code_vn"] = vn[0] if len(vn) == 1 else ""
        w.writerow({k: r[k] for k in fields})
print(f"{len(rows)} substances written to {out}")
