-- Registry: firms, their facilities, licences with lines, reporting obligations, and the import batches that
-- brought the data in. `firm_id` is the distribution column of every large table (DESIGN §7, Citus).

CREATE TABLE import_batch (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('firms', 'facilities', 'licences', 'declarations', 'reports', 'seed')),
    file_name     text NOT NULL,
    sha256        text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    source        text NOT NULL DEFAULT 'cli' CHECK (source IN ('cli', 'inbox', 'api')),
    rows_read     integer NOT NULL DEFAULT 0 CHECK (rows_read >= 0),
    rows_loaded   integer NOT NULL DEFAULT 0 CHECK (rows_loaded >= 0),
    rows_unchanged integer NOT NULL DEFAULT 0 CHECK (rows_unchanged >= 0),
    rows_rejected integer NOT NULL DEFAULT 0 CHECK (rows_rejected >= 0),
    actor         text NOT NULL,
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    CHECK (rows_loaded + rows_unchanged + rows_rejected <= rows_read)
);
CREATE INDEX import_batch_sha256 ON import_batch (sha256);

CREATE TABLE firm (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tax_code       text NOT NULL UNIQUE CHECK (mst_is_valid(tax_code)),
    name           text NOT NULL CHECK (name <> '' AND name IS NFC NORMALIZED),
    sector         text NOT NULL CHECK (sector IN ('pharma_manufacturer', 'pharma_distributor', 'chemical_manufacturer',
                                                   'chemical_distributor', 'user_industry', 'laboratory', 'other')),
    province       text NOT NULL CHECK (province <> ''),
    registered_on  date,
    status         text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'dissolved')),
    key_enterprise boolean NOT NULL DEFAULT false,
    import_batch_id bigint REFERENCES import_batch,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE facility (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id       bigint NOT NULL REFERENCES firm,
    code          text NOT NULL CHECK (code ~ '^[A-Za-z0-9_.-]{1,32}$'),
    kind          text NOT NULL CHECK (kind IN ('factory', 'warehouse', 'workshop', 'lab', 'office')),
    name          text NOT NULL CHECK (name <> '' AND name IS NFC NORMALIZED),
    zone_id       integer REFERENCES zone,
    province      text NOT NULL CHECK (province <> ''),
    address       text CHECK (address IS NFC NORMALIZED),
    import_batch_id bigint REFERENCES import_batch,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (firm_id, code)
);

CREATE TABLE licence (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    licence_no        text NOT NULL UNIQUE CHECK (licence_no ~ '^[^[:space:]].{0,62}[^[:space:]]$|^[^[:space:]]$'),
    firm_id           bigint NOT NULL REFERENCES firm,
    authority         text NOT NULL CHECK (authority IN ('MOIT', 'MOH', 'MPS', 'MAE', 'DOIT')),
    activity          text NOT NULL CHECK (activity IN ('import', 'export', 'produce', 'trade', 'use')),
    valid_from        date NOT NULL,
    valid_until       date NOT NULL,
    -- One extension only, for the unused balance (Decree 113/2017 Art. 12; kept by Decree 26/2026).
    extended_until    date,
    shipments_allowed integer CHECK (shipments_allowed > 0),
    status            text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended', 'revoked', 'expired')),
    import_batch_id   bigint REFERENCES import_batch,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (valid_from <= valid_until),
    CHECK (extended_until IS NULL OR extended_until > valid_until)
);
CREATE INDEX licence_firm ON licence (firm_id);

CREATE TABLE licence_line (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    licence_id        bigint NOT NULL REFERENCES licence ON DELETE CASCADE,
    firm_id           bigint NOT NULL REFERENCES firm,
    substance_id      integer NOT NULL REFERENCES substance,
    concentration_pct numeric(7,4) NOT NULL DEFAULT 100 CHECK (concentration_pct > 0 AND concentration_pct <= 100),
    -- Granted quantity in kilograms of pure substance.
    quantity_kg       numeric(18,3) NOT NULL CHECK (quantity_kg >= 0),
    UNIQUE (licence_id, substance_id, concentration_pct)
);
CREATE INDEX licence_line_firm_substance ON licence_line (firm_id, substance_id);

-- How often a firm reports and how many days after a period's end the report falls due. The defaults follow the
-- annual chemical report (due 15 February = 46 days after 31 December); key enterprises report monthly by the 15th.
CREATE TABLE reporting_obligation (
    firm_id       bigint PRIMARY KEY REFERENCES firm ON DELETE CASCADE,
    frequency     text NOT NULL CHECK (frequency IN ('monthly', 'quarterly', 'annual')),
    due_days      integer NOT NULL CHECK (due_days BETWEEN 0 AND 366),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
