-- Cheaper CHECK constraints on declaration_line, the table a declarations import writes a million rows into. The
-- shape checks of 0003 use counted regex repetitions ({1,32}, {2}, {6}), which PostgreSQL's regex engine evaluates
-- several times slower than plain length and character tests: at a million inserted rows they cost seconds. These
-- accept exactly the same values (ASCII letters, digits and the listed signs; the same lengths).
ALTER TABLE declaration_line
    DROP CONSTRAINT declaration_line_declaration_no_check,
    ADD CONSTRAINT declaration_line_declaration_no_check CHECK (
        length(declaration_no) BETWEEN 1 AND 32
        AND translate(declaration_no, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/_-', '') = ''),
    DROP CONSTRAINT declaration_line_country_check,
    ADD CONSTRAINT declaration_line_country_check CHECK (
        length(country) = 2 AND translate(country, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '') = ''),
    DROP CONSTRAINT declaration_line_hs_code_check,
    ADD CONSTRAINT declaration_line_hs_code_check CHECK (
        length(hs_code) IN (6, 8) AND translate(hs_code, '0123456789', '') = '');
