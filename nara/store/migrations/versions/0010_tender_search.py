"""tender search: pg_trgm, a normalised search key per tender, catalogue rows

`tender.search_key` is the tender's title, its agency's name and its description (where an
announcement lists its items) normalised by `nara_search_key`: NFKC, lower case, every
space and punctuation mark removed, so "도로 포장 공사" and "도로포장공사" have the same
key. `tender.search_jamo` is that key with every Hangul syllable decomposed into its
letters (jamo, NFD): a misspelt syllable then changes one or two letters instead of a
whole trigram-sized unit, so trigram word similarity (`%>`) still finds it, and a
two-syllable keyword has trigrams (five letters) the index can use. A GIN trigram index
(`gin_trgm_ops`) on `search_jamo` (with region, category and phase beside it, btree_gin)
serves both the substring (`LIKE`) and the fuzzy match;
the composed key rechecks substrings (jamo alone would let 공사 match 공산). Triggers keep
both right on every write: a tender inserted or retitled, an agency renamed.

pg_trgm takes trigrams of the characters the database's LC_CTYPE calls alphanumeric.
Under a UTF-8 ctype (C.UTF-8, ko_KR.UTF-8, en_US.UTF-8) Hangul letters are; under `C` or
`POSIX` they are not and every Hangul key would have no trigrams. There
`nara_search_jamo` spells each jamo as two base-36 ASCII characters, which every locale
calls alphanumeric. The query side calls the same functions, so it never needs to know
which variant the database has.

`tender.catalogue` marks rows made by `nara seed` (no workflow behind them).

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 00:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

_STRIP = r"regexp_replace(normalize(t, NFKC), '[[:space:][:punct:]]+', '', 'g')"

_KEY = f"""
CREATE OR REPLACE FUNCTION nara_search_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT lower({_STRIP}) $$
"""

_JAMO_UTF8 = """
CREATE OR REPLACE FUNCTION nara_search_jamo(key text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT normalize(key, NFD) $$
"""

# Under a C ctype: each conjoining jamo (U+1100..U+11FF) as two base-36 characters.
_JAMO_ASCII = """
CREATE OR REPLACE FUNCTION nara_search_jamo(key text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    digits constant text := '0123456789abcdefghijklmnopqrstuvwxyz';
    out text := '';
    c text;
    n int;
BEGIN
    FOREACH c IN ARRAY regexp_split_to_array(normalize(key, NFD), '') LOOP
        n := ascii(c) - 4352;
        IF n BETWEEN 0 AND 255 THEN
            out := out || substr(digits, n / 36 + 1, 1) || substr(digits, n % 36 + 1, 1);
        ELSE
            out := out || c;
        END IF;
    END LOOP;
    RETURN out;
END $$
"""

_TENDER_TEXT = """nara_search_key(
    {t}.title || ' ' || coalesce((SELECT name FROM agency WHERE code = {t}.agency_code), '')
    || ' ' || left({t}.description, 2000))"""

_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION tender_search_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' AND NEW.catalogue AND NEW.search_key <> '' THEN
        RETURN NEW;  -- `nara seed` computed both (checked against these functions first)
    END IF;
    NEW.search_key := {_TENDER_TEXT.format(t="NEW")};
    NEW.search_jamo := nara_search_jamo(NEW.search_key);
    RETURN NEW;
END $$;

CREATE TRIGGER tender_search_key BEFORE INSERT OR UPDATE OF title, description, agency_code
ON tender FOR EACH ROW EXECUTE FUNCTION tender_search_key();

CREATE OR REPLACE FUNCTION agency_renamed_search_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tender SET title = title WHERE agency_code = NEW.code;  -- fires tender_search_key
    RETURN NEW;
END $$;

CREATE TRIGGER agency_renamed_search_key AFTER UPDATE OF name ON agency
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION agency_renamed_search_key();
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    hangul_is_alphanumeric = op.get_bind().scalar(sa.text("SELECT show_trgm('도로') <> '{}'"))
    op.execute(_KEY)
    op.execute(_JAMO_UTF8 if hangul_is_alphanumeric else _JAMO_ASCII)
    for column in ("search_key", "search_jamo"):
        op.add_column("tender", sa.Column(column, sa.Text(), nullable=False, server_default=""))
    op.add_column(
        "tender",
        sa.Column("catalogue", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(_TRIGGERS)
    op.execute("UPDATE tender SET title = title")  # fires tender_search_key on every row
    # The letters with the commonest filters in one GIN index (btree_gin): a keyword with
    # region, category or phase is intersected inside the index, not on the heap.
    op.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    op.execute(
        "CREATE INDEX ix_tender_search_jamo ON tender "
        "USING gin (search_jamo gin_trgm_ops, region, category, phase)"
    )
    op.create_index("ix_tender_deadline_id", "tender", ["deadline", "id"])
    # "Open tenders, soonest deadline first": the phase filter in deadline order.
    op.create_index("ix_tender_phase_deadline_id", "tender", ["phase", "deadline", "id"])
    op.create_index("ix_tender_region", "tender", ["region"])


def downgrade() -> None:
    op.drop_index("ix_tender_region", table_name="tender")
    op.drop_index("ix_tender_phase_deadline_id", table_name="tender")
    op.drop_index("ix_tender_deadline_id", table_name="tender")
    op.execute("DROP INDEX ix_tender_search_jamo")
    op.execute("DROP TRIGGER agency_renamed_search_key ON agency")
    op.execute("DROP FUNCTION agency_renamed_search_key()")
    op.execute("DROP TRIGGER tender_search_key ON tender")
    op.execute("DROP FUNCTION tender_search_key()")
    op.drop_column("tender", "catalogue")
    op.drop_column("tender", "search_jamo")
    op.drop_column("tender", "search_key")
    op.execute("DROP FUNCTION nara_search_jamo(text)")
    op.execute("DROP FUNCTION nara_search_key(text)")
