-- Ingest helpers: parsing and explaining the fields of imported files in set-based SQL. Each helper returns NULL
-- for a value it cannot read, so that one statement can collect every reason for every row without raising.

-- The check digit for the first nine digits of a tax code (MST), or NULL when no check digit exists.
CREATE FUNCTION mst_check_digit(nine text) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN r = 0 THEN NULL WHEN r = 10 THEN 0 ELSE 10 - r END
      FROM (SELECT (  substr(nine,1,1)::int * 31 + substr(nine,2,1)::int * 29 + substr(nine,3,1)::int * 23
                    + substr(nine,4,1)::int * 19 + substr(nine,5,1)::int * 17 + substr(nine,6,1)::int * 13
                    + substr(nine,7,1)::int * 7  + substr(nine,8,1)::int * 5  + substr(nine,9,1)::int * 3) % 11 AS r) s
$$;

-- Why a text is not a valid tax code, in the sender's words; NULL when it is valid.
CREATE FUNCTION mst_problem(code text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE
        WHEN code IS NULL THEN 'tax_code is empty'
        WHEN code !~ '^[0-9]{10}(-[0-9]{3})?$' THEN
            format('tax_code %s: expected 10 digits, or 10 digits, a hyphen and a 3-digit branch number', code)
        WHEN mst_is_valid(code) THEN NULL
        WHEN substr(code, 3, 7) = '0000000' THEN format('tax_code %s: digits 3-9 are all zero', code)
        WHEN length(code) = 14 AND right(code, 3) = '000' THEN
            format('tax_code %s: branch suffix 000; branches are numbered 001-999', code)
        WHEN mst_check_digit(left(code, 9)) IS NULL THEN
            format('tax_code %s: no check digit exists for the first nine digits', code)
        ELSE format('tax_code %s: check digit %s, expected %s', code, substr(code, 10, 1), mst_check_digit(left(code, 9)))
    END
$$;

-- An ISO date YYYY-MM-DD that exists in the calendar, else NULL (never raises: 2026-02-30 is NULL). Built from
-- immutable parts only (make_date, not a DateStyle-dependent cast) so that the planner inlines it. The shape is
-- checked with translate() rather than a regular expression: the same test (a first digit 1-9, month 01-12, day
-- 01-31 and within the month) at a fraction of the cost per row, which matters at a million rows.
CREATE FUNCTION ingest_date(t text) RETURNS date
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN translate(t, '0123456789', '0000000000') = '0000-00-00' AND left(t, 1) <> '0' THEN
        CASE WHEN substr(t, 6, 2)::int BETWEEN 1 AND 12 AND substr(t, 9, 2)::int BETWEEN 1 AND CASE substr(t, 6, 2)
                WHEN '02' THEN CASE WHEN (left(t, 4)::int % 4 = 0 AND left(t, 4)::int % 100 <> 0) OR left(t, 4)::int % 400 = 0
                                    THEN 29 ELSE 28 END
                WHEN '04' THEN 30 WHEN '06' THEN 30 WHEN '09' THEN 30 WHEN '11' THEN 30
                ELSE 31 END
             THEN make_date(left(t, 4)::int, substr(t, 6, 2)::int, substr(t, 9, 2)::int) END
    END
$$;

-- A plain decimal number (digits, optional sign and decimal point; no exponent, NaN or thousands separators; at most
-- 15 digits before the point and 9 after, at least one digit), else NULL. A star-only pattern and split_part()
-- lengths instead of counted repetitions ({1,15}), which cost several times more per row in PostgreSQL's regex engine.
CREATE FUNCTION ingest_numeric(t text) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN t ~ '^[+-]?[0-9]*\.?[0-9]*$' AND ltrim(t, '+-.') <> ''
                 AND length(split_part(ltrim(t, '+-'), '.', 1)) <= 15 AND length(split_part(t, '.', 2)) <= 9
           THEN t::numeric END
$$;

-- Every HS code (digits only, 6 or 8) with how many catalogue substances carry it: an HS code that maps to several
-- substances cannot identify one, and the importer says so, naming them.
CREATE VIEW hs_code_match AS
    SELECT hs, count(DISTINCT substance_id)::int AS substances, min(substance_id) AS substance_id,
           string_agg(DISTINCT code, ', ') AS codes
      FROM (
          SELECT replace(hs_code, '.', '') AS hs, id AS substance_id, code FROM substance WHERE hs_code IS NOT NULL
          UNION
          SELECT replace(hs_code_vn, '.', ''), id, code FROM substance WHERE hs_code_vn IS NOT NULL
      ) codes
     GROUP BY hs;
