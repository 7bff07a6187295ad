-- Analysis and workflow: sweep runs, their findings, rule thresholds, alerts and what analysts did with them.

CREATE TABLE sweep_run (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL CHECK (kind IN ('scheduled', 'manual')),
    scope        text NOT NULL CHECK (scope IN ('full', 'incremental')),
    as_of        date NOT NULL,
    -- The scheduler's slot; unique so that each scheduled slot runs exactly once across replicas.
    slot         timestamptz UNIQUE,
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
    counts       jsonb NOT NULL DEFAULT '{}',
    error        text,
    CHECK (slot IS NULL OR kind = 'scheduled'),
    CHECK ((status = 'running') = (finished_at IS NULL)),
    CHECK (status <> 'failed' OR error IS NOT NULL)
);

CREATE TABLE rule_config (
    rule         text NOT NULL,
    key          text NOT NULL,
    value        numeric NOT NULL,
    description  text NOT NULL,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    updated_by   text NOT NULL DEFAULT 'migration',
    PRIMARY KEY (rule, key)
);

CREATE TABLE finding (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    sweep_run_id  bigint NOT NULL REFERENCES sweep_run ON DELETE CASCADE,
    firm_id       bigint NOT NULL REFERENCES firm,
    substance_id  integer REFERENCES substance,
    rule          text NOT NULL CHECK (rule IN ('unlicensed_import', 'licence_invalid', 'licence_overdrawn', 'volume_spike',
                                                'peer_outlier', 'report_mismatch', 'balance_gap', 'missing_report',
                                                'frequency_spike', 'route_novelty', 'value_outlier', 'unit_slip',
                                                'negative_stock', 'exploration')),
    period        text NOT NULL,
    score         numeric(10,3) NOT NULL CHECK (score >= 0),
    severity      text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    evidence      jsonb NOT NULL,
    dedupe_key    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX finding_firm ON finding (firm_id, substance_id, rule);
CREATE INDEX finding_sweep ON finding (sweep_run_id);

-- The durable business record an analyst reviews. Its delivery to downstream systems is the alert queue.
CREATE TABLE alert (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    firm_id         bigint NOT NULL REFERENCES firm,
    substance_id    integer REFERENCES substance,
    rule_family     text NOT NULL CHECK (rule_family IN ('licence', 'volume', 'reconciliation', 'route', 'value', 'data_quality', 'exploration')),
    rule            text NOT NULL,
    severity        text NOT NULL CHECK (severity IN ('info', 'low', 'medium', 'high', 'critical')),
    score           numeric(10,3) NOT NULL CHECK (score >= 0),
    payload         jsonb NOT NULL,
    evidence_key    text NOT NULL,
    state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acknowledged', 'assigned', 'escalated', 'closed')),
    disposition     text CHECK (disposition IN ('confirmed', 'explained', 'data_error')),
    assigned_to     text,
    first_raised_at timestamptz NOT NULL DEFAULT now(),
    last_raised_at  timestamptz NOT NULL DEFAULT now(),
    raise_count     integer NOT NULL DEFAULT 1 CHECK (raise_count >= 1),
    closed_at       timestamptz,
    CHECK ((state = 'closed') = (disposition IS NOT NULL)),
    CHECK ((state = 'closed') = (closed_at IS NOT NULL)),
    CHECK (state <> 'assigned' OR assigned_to IS NOT NULL)
);
-- One open alert per (firm, substance, rule family).
CREATE UNIQUE INDEX alert_one_open ON alert (firm_id, substance_id, rule_family) NULLS NOT DISTINCT WHERE state <> 'closed';
CREATE INDEX alert_state ON alert (state, severity, last_raised_at DESC);
CREATE INDEX alert_evidence ON alert (firm_id, evidence_key);

CREATE TABLE alert_action (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alert_id    bigint NOT NULL REFERENCES alert,
    firm_id     bigint NOT NULL REFERENCES firm,
    action      text NOT NULL CHECK (action IN ('acknowledge', 'assign', 'escalate', 'close', 'reopen', 'comment')),
    disposition text CHECK (disposition IN ('confirmed', 'explained', 'data_error')),
    assigned_to text,
    note        text CHECK (note IS NFC NORMALIZED),
    actor       text NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((action = 'close') = (disposition IS NOT NULL)),
    CHECK (action <> 'assign' OR assigned_to IS NOT NULL)
);
CREATE INDEX alert_action_alert ON alert_action (alert_id, at);
