-- Each alert keeps its JSON as GET /v1/alerts lists it, so that a page of the listing is one text value that
-- PostgreSQL concatenates from stored strings (issue #7).
--
-- Why stored: the daemon decoded 50 rows × 15 columns a request and wrote the JSON itself, and that (with one
-- DataRow message per alert) was most of the listing's cost. Rendering the JSON in the page's statement instead costs
-- PostgreSQL about 14 µs an alert (to_char, to_json, jsonb output), more than the daemon saved; rendered once when an
-- alert is written, a page costs less than the rows it replaces.
--
-- The stored object is the one the generated encoder writes for openapi.yaml's Alert, only compact: keys in sorted
-- order, absent optionals left out, dates as ISO 8601 seconds in UTC (rounded to the millisecond, then truncated to
-- the second, as the runtime's formatter does), integral scores without ".0", the payload as jsonb prints it. AlertListingTests compares the two for every optional present and absent,
-- Vietnamese text and characters that need escaping, and after every kind of write below.
--
-- Kept current by triggers: any insert or update of an alert renders it again; renaming a firm or changing its tax
-- code, or changing a substance's code, re-renders that firm's or substance's alerts.

-- The listing copies the payload as is, and the schema requires a JSON object.
ALTER TABLE alert ADD CONSTRAINT alert_payload_object CHECK (jsonb_typeof(payload) = 'object');

-- One alert as its JSON object, from its own columns and its firm's and substance's.
CREATE FUNCTION alert_json(a alert, firm_tax_code text, firm_name text, substance_code text)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
RETURN '{'
    || coalesce('"assignedTo":' || to_json(a.assigned_to)::text || ',', '')
    || coalesce('"disposition":' || to_json(a.disposition)::text || ',', '')
    || '"firm":' || to_json(firm_tax_code)::text
    || ',"firmName":' || to_json(firm_name)::text
    || ',"firstRaisedAt":"' || to_char((a.first_raised_at + interval '500 microseconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    || '","id":' || a.id::text
    || ',"lastRaisedAt":"' || to_char((a.last_raised_at + interval '500 microseconds') AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
    || '","payload":' || a.payload::text
    || ',"raiseCount":' || a.raise_count::text
    || ',"rule":' || to_json(a.rule)::text
    || ',"ruleFamily":' || to_json(a.rule_family)::text
    || ',"score":' || a.score::float8::text
    || ',"severity":' || to_json(a.severity)::text
    || ',"state":' || to_json(a.state)::text
    || coalesce(',"substance":' || to_json(substance_code)::text, '')
    || '}';

ALTER TABLE alert ADD COLUMN listing_json text;

CREATE FUNCTION alert_render_listing_json() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
DECLARE
    v_tax_code text;
    v_name text;
    v_substance text;
BEGIN
    SELECT f.tax_code, f.name INTO v_tax_code, v_name FROM firm f WHERE f.id = NEW.firm_id;
    IF NEW.substance_id IS NOT NULL THEN
        SELECT s.code INTO v_substance FROM substance s WHERE s.id = NEW.substance_id;
    END IF;
    NEW.listing_json := alert_json(NEW, v_tax_code, v_name, v_substance);
    RETURN NEW;
END
$$;

CREATE TRIGGER alert_listing_json BEFORE INSERT OR UPDATE ON alert
    FOR EACH ROW EXECUTE FUNCTION alert_render_listing_json();

-- Renders every stored alert (the trigger fills the column).
UPDATE alert SET listing_json = NULL;
ALTER TABLE alert ALTER COLUMN listing_json SET NOT NULL;

CREATE FUNCTION firm_render_alert_listing_json() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    UPDATE alert SET listing_json = NULL WHERE firm_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER firm_alert_listing_json AFTER UPDATE OF tax_code, name ON firm
    FOR EACH ROW WHEN (OLD.tax_code IS DISTINCT FROM NEW.tax_code OR OLD.name IS DISTINCT FROM NEW.name)
    EXECUTE FUNCTION firm_render_alert_listing_json();

CREATE FUNCTION substance_render_alert_listing_json() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, public
AS $$
BEGIN
    UPDATE alert SET listing_json = NULL WHERE substance_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER substance_alert_listing_json AFTER UPDATE OF code ON substance
    FOR EACH ROW WHEN (OLD.code IS DISTINCT FROM NEW.code)
    EXECUTE FUNCTION substance_render_alert_listing_json();

-- A default page of the listing (every alert, or the alerts in one state), newest first, as the whole document
-- {"alerts":[…]}. Generic plans, cached per connection, as for alert_recent_page (0014).
CREATE FUNCTION alert_recent_page_json(p_state text, p_limit bigint, p_offset bigint)
RETURNS text
LANGUAGE plpgsql STABLE
SET plan_cache_mode = force_generic_plan
SET search_path = pg_catalog, public
AS $$
BEGIN
    IF p_state IS NULL THEN
        RETURN (
            SELECT '{"alerts":[' || coalesce(string_agg(a.listing_json, ',' ORDER BY a.last_raised_at DESC, a.id DESC), '') || ']}'
              FROM (SELECT listing_json, last_raised_at, id FROM alert
                     ORDER BY last_raised_at DESC, id DESC LIMIT p_limit OFFSET p_offset) a);
    END IF;
    RETURN (
        SELECT '{"alerts":[' || coalesce(string_agg(a.listing_json, ',' ORDER BY a.last_raised_at DESC, a.id DESC), '') || ']}'
          FROM (SELECT listing_json, last_raised_at, id FROM alert WHERE alert.state = p_state
                 ORDER BY last_raised_at DESC, id DESC LIMIT p_limit OFFSET p_offset) a);
END
$$;
