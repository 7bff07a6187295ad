-- Declaration lines are no longer indexed by licence (issue #3's ingest benchmark: a bulk load built that index afresh
-- over every line, 0.6-1.1 s of a million-line import). What reads lines by licence reads the holder's lines citing
-- it, through the (firm, substance, day) index: a licence's drawdown and shipment count are its holder's declarations
-- (licence_overdrawn always summed only those), and so is the firm page's "drawn" (which also no longer shows an
-- enterprise what other firms declared). Another firm's line citing the licence is judged only by who holds the
-- licence (licence_invalid "other_firm"), so it needs looking at again only when the licence changes hands: this
-- trigger then records the pair-months of every line citing it for the next sweep, as an updated line does (so that
-- sweep also rebuilds the statistical baselines, as after any recorded line). That reads the whole table, once per
-- licence import that moves a licence: a rare correction.
DROP INDEX declaration_line_licence;

CREATE FUNCTION licence_holder_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Every licence UPDATE comes here (a status, an extension, a licence line touching its licence): only a change of
    -- holder reads the lines.
    IF EXISTS (SELECT 1 FROM old_licences o JOIN new_licences n ON n.id = o.id WHERE n.firm_id <> o.firm_id) THEN
        INSERT INTO declaration_line_vacated (firm_id, substance_id, month, licence_id)
        SELECT DISTINCT d.firm_id, d.substance_id, date_trunc('month', d.declared_on)::date, d.licence_id
          FROM old_licences o JOIN new_licences n ON n.id = o.id AND n.firm_id <> o.firm_id
          JOIN declaration_line d ON d.licence_id = n.id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER licence_holder_changed AFTER UPDATE ON licence
    REFERENCING OLD TABLE AS old_licences NEW TABLE AS new_licences FOR EACH STATEMENT EXECUTE FUNCTION licence_holder_changed();
ALTER TABLE licence ENABLE ALWAYS TRIGGER licence_holder_changed;
