-- Movements: customs declaration lines and the firms' self-reports, plus the rows importers refused.

CREATE TABLE declaration_line (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id           bigint NOT NULL REFERENCES firm,
    declaration_no    text NOT NULL CHECK (declaration_no ~ '^[A-Za-z0-9/_-]{1,32}$'),
    line_no           integer NOT NULL CHECK (line_no BETWEEN 1 AND 999),
    declared_on       date NOT NULL,
    direction         text NOT NULL CHECK (direction IN ('import', 'export')),
    customs_office_id integer NOT NULL REFERENCES customs_office,
    transport_mode    text NOT NULL CHECK (transport_mode IN ('air', 'sea', 'road', 'rail', 'express', 'post')),
    country           text NOT NULL CHECK (country ~ '^[A-Z]{2}$'),
    hs_code           text NOT NULL CHECK (hs_code ~ '^[0-9]{6}([0-9]{2})?$'),
    substance_id      integer NOT NULL REFERENCES substance,
    quantity          numeric(18,6) NOT NULL CHECK (quantity >= 0),
    unit              text NOT NULL REFERENCES unit_of_measure,
    concentration_pct numeric(7,4) NOT NULL DEFAULT 100 CHECK (concentration_pct > 0 AND concentration_pct <= 100),
    -- Derived: quantity × unit factor × (density for volumes) × concentration / 100.
    kg_pure           numeric(18,6) NOT NULL CHECK (kg_pure >= 0),
    -- The licence number as cited on the declaration; it may name no licence at all (that is a finding, not a reject).
    licence_no        text,
    licence_id        bigint REFERENCES licence,
    value_usd         numeric(18,2) CHECK (value_usd >= 0),
    import_batch_id   bigint REFERENCES import_batch,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (declaration_no, line_no)
);
CREATE INDEX declaration_line_firm_substance_day ON declaration_line (firm_id, substance_id, declared_on);
CREATE INDEX declaration_line_licence ON declaration_line (licence_id) WHERE licence_id IS NOT NULL;
CREATE INDEX declaration_line_updated ON declaration_line (updated_at);

-- A firm's periodic stock and movement report, in kilograms of pure substance. Amendments never overwrite: each
-- one is a new version of the same (firm, facility, period, substance); the highest version is current.
CREATE TABLE self_report (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id          bigint NOT NULL REFERENCES firm,
    facility_id      bigint REFERENCES facility,
    period           text NOT NULL CHECK (period_start(period) IS NOT NULL),
    period_start     date GENERATED ALWAYS AS (period_start(period)) STORED,
    period_end       date GENERATED ALWAYS AS (period_end(period)) STORED,
    substance_id     integer NOT NULL REFERENCES substance,
    opening_kg       numeric(18,3) NOT NULL CHECK (opening_kg >= 0),
    imported_kg      numeric(18,3) NOT NULL CHECK (imported_kg >= 0),
    purchased_kg     numeric(18,3) NOT NULL CHECK (purchased_kg >= 0),
    produced_kg      numeric(18,3) NOT NULL CHECK (produced_kg >= 0),
    used_kg          numeric(18,3) NOT NULL CHECK (used_kg >= 0),
    sold_kg          numeric(18,3) NOT NULL CHECK (sold_kg >= 0),
    exported_kg      numeric(18,3) NOT NULL CHECK (exported_kg >= 0),
    lost_kg          numeric(18,3) NOT NULL CHECK (lost_kg >= 0),
    closing_kg       numeric(18,3) NOT NULL CHECK (closing_kg >= 0),
    note             text CHECK (note IS NFC NORMALIZED),
    version          integer NOT NULL DEFAULT 1 CHECK (version >= 1),
    source           text NOT NULL CHECK (source IN ('import', 'api')),
    idempotency_key  text,
    submitted_at     timestamptz NOT NULL DEFAULT now(),
    submitted_by     text NOT NULL,
    import_batch_id  bigint REFERENCES import_batch,
    UNIQUE NULLS NOT DISTINCT (firm_id, facility_id, period, substance_id, version)
);
CREATE INDEX self_report_firm_period ON self_report (firm_id, substance_id, period_start);
CREATE UNIQUE INDEX self_report_idempotency ON self_report (firm_id, idempotency_key, facility_id, period, substance_id)
    NULLS NOT DISTINCT WHERE idempotency_key IS NOT NULL;

-- The current (highest) version of every report.
CREATE VIEW self_report_current AS
    SELECT DISTINCT ON (firm_id, facility_id, period, substance_id) *
      FROM self_report
     ORDER BY firm_id, facility_id, period, substance_id, version DESC;

-- Every row an importer refused, with all of its reasons, so the sender can fix and resend.
CREATE TABLE ingest_reject (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    import_batch_id  bigint NOT NULL REFERENCES import_batch ON DELETE CASCADE,
    line             integer NOT NULL CHECK (line >= 2),
    fields           jsonb NOT NULL,
    reasons          text[] NOT NULL CHECK (cardinality(reasons) > 0)
);
CREATE INDEX ingest_reject_batch ON ingest_reject (import_batch_id, line);
