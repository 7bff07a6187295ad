-- Reference data: units, substances and their legal listings, customs offices, zones.
-- Loaded from seeds/ by `precursorctl admin db seed`; versioned by effective dates where the law changes them.

-- Immutable helpers used by CHECK constraints and importers.

-- Vietnamese enterprise tax code (mã số thuế, MST): 10 digits with a check digit over digits 1-9
-- (weights 31 29 23 19 17 13 7 5 3; check = 10 - S mod 11, 10 -> 0, S mod 11 = 0 is impossible),
-- optionally followed by '-NNN' for a dependent unit (001-999). Digits 3-9 may not all be zero.
CREATE FUNCTION mst_is_valid(code text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT code ~ '^[0-9]{10}(-[0-9]{3})?$'
       AND substr(code, 3, 7) <> '0000000'
       AND (length(code) = 10 OR substr(code, 12, 3) <> '000')
       AND (
           WITH s AS (
               SELECT (  substr(code,1,1)::int * 31 + substr(code,2,1)::int * 29 + substr(code,3,1)::int * 23
                       + substr(code,4,1)::int * 19 + substr(code,5,1)::int * 17 + substr(code,6,1)::int * 13
                       + substr(code,7,1)::int * 7  + substr(code,8,1)::int * 5  + substr(code,9,1)::int * 3) % 11 AS r
           )
           SELECT r <> 0 AND substr(code,10,1)::int = CASE WHEN r = 10 THEN 0 ELSE 10 - r END FROM s
       )
$$;

-- CAS registry number check digit: the last digit equals the weighted sum of the others mod 10.
CREATE FUNCTION cas_is_valid(cas text) RETURNS boolean
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT cas ~ '^[0-9]{2,7}-[0-9]{2}-[0-9]$'
       AND (
           SELECT coalesce(sum(d::int * i), 0) % 10
             FROM unnest(string_to_array(reverse(substr(replace(cas, '-', ''), 1, length(replace(cas, '-', '')) - 1)), NULL))
                  WITH ORDINALITY AS t(d, i)
       ) = right(cas, 1)::int
$$;

-- Reporting period ('2026', '2026-Q3', '2026-07') to its first and last day.
CREATE FUNCTION period_start(p text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p ~ '^[0-9]{4}$' THEN make_date(p::int, 1, 1)
        WHEN p ~ '^[0-9]{4}-Q[1-4]$' THEN make_date(left(p, 4)::int, (right(p, 1)::int - 1) * 3 + 1, 1)
        WHEN p ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN make_date(left(p, 4)::int, right(p, 2)::int, 1)
    END
$$;

CREATE FUNCTION period_end(p text) RETURNS date
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE
        WHEN p ~ '^[0-9]{4}$' THEN make_date(p::int, 12, 31)
        WHEN p ~ '^[0-9]{4}-Q[1-4]$' THEN (make_date(left(p, 4)::int, (right(p, 1)::int - 1) * 3 + 1, 1) + interval '3 months' - interval '1 day')::date
        WHEN p ~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN (make_date(left(p, 4)::int, right(p, 2)::int, 1) + interval '1 month' - interval '1 day')::date
    END
$$;

-- UN/ECE Recommendation 20 unit codes accepted in declarations and licences. `factor` converts one unit to
-- kilograms (mass) or litres (volume); a volume needs the substance's density to become kilograms.
CREATE TABLE unit_of_measure (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z0-9]{3}$'),
    name        text NOT NULL,
    dimension   text NOT NULL CHECK (dimension IN ('mass', 'volume')),
    factor      numeric NOT NULL CHECK (factor > 0)
);

INSERT INTO unit_of_measure (code, name, dimension, factor) VALUES
    ('KGM', 'kilogram',    'mass',   1),
    ('GRM', 'gram',        'mass',   0.001),
    ('MGM', 'milligram',   'mass',   0.000001),
    ('TNE', 'tonne',       'mass',   1000),
    ('LTR', 'litre',       'volume', 1),
    ('MLT', 'millilitre',  'volume', 0.001),
    ('MTQ', 'cubic metre', 'volume', 1000);

CREATE TABLE substance (
    id               integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code             text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_]+$'),
    name_en          text NOT NULL CHECK (name_en <> ''),
    name_vi          text,
    cas              text UNIQUE CHECK (cas_is_valid(cas)),
    -- 6-digit HS code (2022 edition) written NNNN.NN, and the Vietnamese 8-digit tariff line NNNN.NN.NN where known.
    hs_code          text CHECK (hs_code ~ '^[0-9]{4}\.[0-9]{2}$'),
    hs_code_vn       text CHECK (hs_code_vn ~ '^[0-9]{4}\.[0-9]{2}\.[0-9]{2}$'),
    un_table         text CHECK (un_table IN ('I', 'II', '1961-I', '1961-II', '1961-IV', '1971-I', '1971-II', '1971-III', '1971-IV')),
    vn_list          text,
    kind             text NOT NULL CHECK (kind IN ('precursor', 'narcotic_medicine', 'psychotropic_medicine')),
    density_kg_per_l numeric CHECK (density_kg_per_l > 0 AND density_kg_per_l < 25),
    notes            text,
    updated_at       timestamptz NOT NULL DEFAULT now()
);

-- An HS code identifies a substance only where exactly one catalogue entry carries it.
CREATE VIEW hs_code_substance AS
    SELECT hs, min(substance_id) AS substance_id
      FROM (
          SELECT replace(hs_code, '.', '') AS hs, id AS substance_id FROM substance WHERE hs_code IS NOT NULL
          UNION
          SELECT replace(hs_code_vn, '.', ''), id FROM substance WHERE hs_code_vn IS NOT NULL
      ) codes
     GROUP BY hs
    HAVING count(DISTINCT substance_id) = 1;

-- Legal instruments that list substances, with the dates they apply.
CREATE TABLE legal_instrument (
    code        text PRIMARY KEY CHECK (code <> ''),
    title       text NOT NULL,
    valid_from  date,
    valid_to    date,
    CHECK (valid_from IS NULL OR valid_to IS NULL OR valid_from <= valid_to)
);

-- Which national list and group a substance belongs to under one instrument.
CREATE TABLE substance_listing (
    substance_id integer NOT NULL REFERENCES substance ON DELETE CASCADE,
    instrument   text NOT NULL REFERENCES legal_instrument,
    list_code    text NOT NULL CHECK (list_code <> ''),
    PRIMARY KEY (substance_id, instrument, list_code)
);

CREATE TABLE customs_office (
    id                integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code              text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_]{2,16}$'),
    name              text NOT NULL CHECK (name <> ''),
    kind              text NOT NULL CHECK (kind IN ('airport', 'seaport', 'land_border', 'express_hub', 'inland')),
    neighbour_country text CHECK (neighbour_country IN ('KH', 'LA', 'CN')),
    hot_route         boolean NOT NULL DEFAULT false,
    province          text NOT NULL CHECK (province <> ''),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CHECK (neighbour_country IS NULL OR kind = 'land_border')
);

CREATE TABLE zone (
    id          integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code        text NOT NULL UNIQUE CHECK (code ~ '^[A-Z0-9_]{2,24}$'),
    name        text NOT NULL CHECK (name <> ''),
    kind        text NOT NULL CHECK (kind IN ('industrial_zone', 'export_processing_zone', 'economic_zone', 'hi_tech_park')),
    province    text NOT NULL CHECK (province <> ''),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
