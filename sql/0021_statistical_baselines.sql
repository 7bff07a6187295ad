-- Baselines of the statistical rules (issue #5). Every statistical rule compares the as-of month (frequency_spike:
-- its 30-day window) with history strictly before it: the trailing months and the seasonal index of volume_spike,
-- the established peers of peer_outlier, the prior shipment rate of frequency_spike, the route history and origin
-- shares of route_novelty, the peers' unit values of value_outlier, the usual line of unit_slip. A full sweep (or the
-- first sweep of an as-of date) computes that history once into these tables, keyed by the as-of date; an incremental
-- sweep on the same as-of date reuses them while nothing they were computed from changed (SweepStore+Baselines.swift
-- decides) and computes only the as-of window of the pairs in its scope.
--
-- The tables are a cache: UNLOGGED (no WAL for a few hundred thousand rows a day), emptied together by a crash, after
-- which the next sweep computes them again. Only sweeps write them, in their own transaction, under the sweep lock.

-- One row per as-of date whose baselines are stored: which sweep computed them, when, from which snapshot (rows
-- changed at or after `data_watermark` may not have been seen), and the first month of any import before the as-of
-- month (peer_outlier's start of the record; NULL when there is none).
CREATE UNLOGGED TABLE sweep_baseline (
    as_of          date PRIMARY KEY,
    sweep_run_id   bigint NOT NULL,
    computed_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    data_watermark timestamptz NOT NULL,
    data_start     date
);

-- Imports by firm, substance and month over the 24 months before the as-of month: kg of pure substance, shipments
-- (distinct declarations), first and last day, hot route.
CREATE UNLOGGED TABLE sweep_baseline_month (
    as_of        date NOT NULL,
    firm_id      bigint NOT NULL,
    substance_id integer NOT NULL,
    month        date NOT NULL,
    kg           float8 NOT NULL,
    shipments    integer NOT NULL,
    first_date   date NOT NULL,
    last_date    date NOT NULL,
    hot_route    boolean,
    PRIMARY KEY (as_of, firm_id, substance_id, month)
);

-- Every firm and substance with an import by the as-of date when the baselines were computed: the month of its
-- first import before the as-of month (NULL: none), and whether it imported in the 24 months before the as-of month
-- or in the as-of month up to the as-of date (route_novelty's share of importers).
CREATE UNLOGGED TABLE sweep_baseline_pair (
    as_of        date NOT NULL,
    firm_id      bigint NOT NULL,
    substance_id integer NOT NULL,
    first_month  date,
    in_window    boolean NOT NULL,
    PRIMARY KEY (as_of, firm_id, substance_id)
);

-- volume_spike: each substance's seasonal index by calendar month (the as-of month left out).
CREATE UNLOGGED TABLE sweep_baseline_season (
    as_of        date NOT NULL,
    substance_id integer NOT NULL,
    cal          integer NOT NULL,
    idx          float8 NOT NULL,
    PRIMARY KEY (as_of, substance_id, cal)
);

-- peer_outlier: the established importers of a substance in a sector (sector NULL: every sector): how many, and the
-- median and MAD of their log monthly kg over the 12 months before the as-of month.
CREATE UNLOGGED TABLE sweep_baseline_peer (
    as_of        date NOT NULL,
    substance_id integer NOT NULL,
    sector       text,
    peers        integer NOT NULL,
    med          float8 NOT NULL,
    mad          float8 NOT NULL,
    UNIQUE NULLS NOT DISTINCT (as_of, substance_id, sector)
);

-- route_novelty: per firm and substance, the months with imports and the modes, countries and office codes used in
-- the 24 months before the as-of month.
CREATE UNLOGGED TABLE sweep_baseline_route (
    as_of        date NOT NULL,
    firm_id      bigint NOT NULL,
    substance_id integer NOT NULL,
    months       integer NOT NULL,
    modes        text[] NOT NULL,
    countries    text[] NOT NULL,
    offices      text[] NOT NULL,
    PRIMARY KEY (as_of, firm_id, substance_id)
);

-- route_novelty: how many firms imported a substance from a country in the 24 months before the as-of month.
CREATE UNLOGGED TABLE sweep_baseline_origin (
    as_of        date NOT NULL,
    substance_id integer NOT NULL,
    country      text NOT NULL,
    firms        integer NOT NULL,
    PRIMARY KEY (as_of, substance_id, country)
);

-- frequency_spike: per firm and substance, the shipments of the 12 months before the window and how many of them
-- were sized just under the control threshold (with the split_band in force when computed).
CREATE UNLOGGED TABLE sweep_baseline_frequency (
    as_of           date NOT NULL,
    firm_id         bigint NOT NULL,
    substance_id    integer NOT NULL,
    shipments       integer NOT NULL,
    split_shipments integer NOT NULL,
    PRIMARY KEY (as_of, firm_id, substance_id)
);

-- frequency_spike: the declarations of a pair with lines both before its window and in it (a declaration belongs where
-- its first line is: these are prior shipments, not the window's).
CREATE UNLOGGED TABLE sweep_baseline_straddle (
    as_of          date NOT NULL,
    firm_id        bigint NOT NULL,
    substance_id   integer NOT NULL,
    declaration_no text NOT NULL,
    PRIMARY KEY (as_of, firm_id, substance_id, declaration_no)
);

-- value_outlier: the monthly unit values (log USD/kg) of a substance's importers from a country (country NULL: every
-- origin) over the 12 months before the as-of month: how many, median, MAD.
CREATE UNLOGGED TABLE sweep_baseline_value (
    as_of        date NOT NULL,
    substance_id integer NOT NULL,
    country      text,
    n            integer NOT NULL,
    med          float8 NOT NULL,
    mad          float8 NOT NULL,
    UNIQUE NULLS NOT DISTINCT (as_of, substance_id, country)
);

-- unit_slip: per firm and substance, the import lines of the 12 months before the as-of month and their median kg.
CREATE UNLOGGED TABLE sweep_baseline_unit (
    as_of        date NOT NULL,
    firm_id      bigint NOT NULL,
    substance_id integer NOT NULL,
    lines        integer NOT NULL,
    median_kg    float8 NOT NULL,
    PRIMARY KEY (as_of, firm_id, substance_id)
);
