#!/usr/bin/env python3
"""Deterministic data for `make bench-ingest`: firms, licences and a declarations file of N lines (seeded)."""
import os
import random
import sys

WEIGHTS = [31, 29, 23, 19, 17, 13, 7, 5, 3]


def tax_codes(count):
    """Valid 10-digit tax codes (MST) in a fixed order."""
    codes, n = [], 10023348
    while len(codes) < count:
        nine = "%09d" % n
        r = sum(int(d) * w for d, w in zip(nine, WEIGHTS)) % 11
        if r:
            codes.append(nine + str(0 if r == 10 else 10 - r))
        n += 1
    return codes


def main(out, lines, seed):
    rng = random.Random(seed)
    os.makedirs(out, exist_ok=True)
    firms = tax_codes(200)
    with open(os.path.join(out, "firms.csv"), "w", encoding="utf-8") as f:
        f.write("tax_code,name,sector,province,registered_on,status,key_enterprise\n")
        for i, code in enumerate(firms):
            f.write(f"{code},Công ty Hóa chất số {i},chemical_distributor,Hà Nội,2015-01-01,active,{'true' if i % 10 == 0 else 'false'}\n")
    substances = [("ACETIC_ANHYDRIDE", "2915.24", "KGM"), ("ACETONE", "2914.11", "LTR"), ("TOLUENE", "2902.30", "LTR"),
                  ("EPHEDRINE", "2939.41", "KGM"), ("", "2915.24.00", "TNE"), ("67-64-1", "29141100", "MLT")]
    with open(os.path.join(out, "licences.csv"), "w", encoding="utf-8") as f:
        f.write("licence_no,tax_code,authority,activity,substance,concentration_pct,quantity_kg,valid_from,valid_until,status\n")
        for i, code in enumerate(firms):
            for s in ("ACETIC_ANHYDRIDE", "ACETONE", "TOLUENE", "EPHEDRINE"):
                f.write(f"LIC-{i:04d},{code},MOIT,import,{s},,1000000,2025-01-01,2026-12-31,active\n")
    offices = ["HAN_AIR", "SGN_AIR", "DAD_AIR", "CXR_AIR"]
    modes = ["air", "sea", "road", "express"]
    countries = ["CN", "IN", "DE", "US", "KH", "LA"]
    with open(os.path.join(out, "declarations.csv"), "w", encoding="utf-8", buffering=1 << 20) as f:
        f.write("declaration_no,line_no,declared_on,direction,tax_code,customs_office,transport_mode,country,hs_code,"
                "substance,quantity,unit,concentration_pct,licence_no,value_usd\n")
        rows = []
        for n in range(lines):
            firm = rng.randrange(len(firms))
            sub, hs, unit = substances[rng.randrange(len(substances))]
            day = 1 + rng.randrange(28)
            month = 1 + rng.randrange(12)
            rows.append(f"D{n // 5:07d},{n % 5 + 1},2025-{month:02d}-{day:02d},import,{firms[firm]},"
                        f"{offices[n % 4]},{modes[n % 4]},{countries[rng.randrange(6)]},{hs},{sub},"
                        f"{rng.randrange(1, 100000) / 10:.1f},{unit},{rng.choice(('', '99', '50.5'))},LIC-{firm:04d},"
                        f"{rng.randrange(100, 1000000)}\n")
            if len(rows) == 10000:
                f.write("".join(rows))
                rows.clear()
        f.write("".join(rows))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1000000, int(sys.argv[3]) if len(sys.argv) > 3 else 42)
