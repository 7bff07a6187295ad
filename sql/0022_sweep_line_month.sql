-- Month aggregates of the declaration lines, kept by sweeps (issue #5): the licence and reconciliation rules read
-- about a quarter of a million rows instead of a million lines, and an incremental sweep re-aggregates only the
-- pair-months whose lines changed instead of every line citing a licence that a new line cites (drawdown is
-- cumulative). A full sweep builds them afresh from every line; an incremental sweep re-aggregates the pair-months
-- changed since the sweep that last wrote them, in its own transaction, so they always hold exactly the lines the
-- snapshot of the last successful sweep saw. Whole months, whatever the as-of date: a sweep reads the months before
-- its as-of month from here, and the as-of month too unless some of its lines are dated after the as-of day.

-- Per firm, substance, month, direction and cited licence (NULL: none resolved): kg of pure substance, lines,
-- first and last day, whether a line passed a hot-route customs office. Unlogged, like its state row below: they are
-- derived data, and after a crash both are empty, which means "build afresh".
CREATE UNLOGGED TABLE sweep_line_month (
    firm_id      bigint NOT NULL,
    substance_id integer NOT NULL,
    month        date NOT NULL,
    direction    text NOT NULL,
    licence_id   bigint,
    kg           numeric NOT NULL,
    lines        bigint NOT NULL,
    first_date   date NOT NULL,
    last_date    date NOT NULL,
    hot_route    boolean NOT NULL
);
-- No index: sweeps read it whole or hash-join it with a few thousand scoped rows, and a full sweep writes it afresh.

-- Which sweep's snapshot the aggregates hold; no row or NULL: none (the next sweep builds them afresh).
CREATE UNLOGGED TABLE sweep_line_month_state (
    only_row     boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    sweep_run_id bigint
);

-- An updated or deleted line may leave a pair-month and a licence: recorded here with the transaction's start (like
-- updated_at), so that the next sweep aggregates that month again and examines that licence and pair-month. An
-- updated line records where it is now as well (a writer that forgets updated_at is still followed). New lines carry a
-- fresh updated_at. Enabled ALWAYS: a writer that skips foreign-key triggers (session_replication_role = replica)
-- must still record them.
CREATE TABLE declaration_line_vacated (
    firm_id      bigint NOT NULL,
    substance_id integer NOT NULL,
    month        date NOT NULL,
    licence_id   bigint,
    vacated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX declaration_line_vacated_at ON declaration_line_vacated (vacated_at);

CREATE FUNCTION declaration_line_vacate_deleted() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO declaration_line_vacated (firm_id, substance_id, month, licence_id)
    SELECT DISTINCT firm_id, substance_id, date_trunc('month', declared_on)::date, licence_id FROM old_lines;
    RETURN NULL;
END $$;
CREATE FUNCTION declaration_line_vacate_updated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO declaration_line_vacated (firm_id, substance_id, month, licence_id)
    SELECT firm_id, substance_id, date_trunc('month', declared_on)::date, licence_id FROM old_lines
    UNION
    SELECT firm_id, substance_id, date_trunc('month', declared_on)::date, licence_id FROM new_lines;
    RETURN NULL;
END $$;
CREATE TRIGGER declaration_line_vacate_update AFTER UPDATE ON declaration_line
    REFERENCING OLD TABLE AS old_lines NEW TABLE AS new_lines FOR EACH STATEMENT EXECUTE FUNCTION declaration_line_vacate_updated();
CREATE TRIGGER declaration_line_vacate_delete AFTER DELETE ON declaration_line
    REFERENCING OLD TABLE AS old_lines FOR EACH STATEMENT EXECUTE FUNCTION declaration_line_vacate_deleted();
ALTER TABLE declaration_line ENABLE ALWAYS TRIGGER declaration_line_vacate_update;
ALTER TABLE declaration_line ENABLE ALWAYS TRIGGER declaration_line_vacate_delete;

-- What the aggregates cannot follow pair-month by pair-month (every line truncated, a customs office's hot-route flag
-- changed) makes the next sweep build them afresh. A seed load that rewrites an office unchanged does not.
CREATE FUNCTION sweep_line_month_forget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE sweep_line_month_state SET sweep_run_id = NULL WHERE sweep_run_id IS NOT NULL;
    RETURN NULL;
END $$;
CREATE FUNCTION customs_office_hot_route_forget() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM old_offices o JOIN new_offices n ON n.id = o.id WHERE n.hot_route IS DISTINCT FROM o.hot_route) THEN
        UPDATE sweep_line_month_state SET sweep_run_id = NULL WHERE sweep_run_id IS NOT NULL;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER declaration_line_truncate_forget AFTER TRUNCATE ON declaration_line
    FOR EACH STATEMENT EXECUTE FUNCTION sweep_line_month_forget();
CREATE TRIGGER customs_office_hot_route_forget AFTER UPDATE ON customs_office
    REFERENCING OLD TABLE AS old_offices NEW TABLE AS new_offices FOR EACH STATEMENT EXECUTE FUNCTION customs_office_hot_route_forget();
ALTER TABLE declaration_line ENABLE ALWAYS TRIGGER declaration_line_truncate_forget;
ALTER TABLE customs_office ENABLE ALWAYS TRIGGER customs_office_hot_route_forget;
