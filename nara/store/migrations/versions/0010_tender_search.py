"""tender search: pg_trgm, a normalised search key per tender, catalogue rows

`tender.search_key` is the tender's title, its agency's name and its description (where an
announcement lists its items) normalised by `nara_search_key`: NFKC, lower case, every
space and punctuation mark removed, so "도로 포장 공사" and "도로포장공사" have the same
key. A GIN trigram index (`gin_trgm_ops`) serves substring (`LIKE '%key%'`) and fuzzy
(`<%`, word similarity) matches on it. Triggers keep it right on every write: a tender
inserted or retitled, an agency renamed.

pg_trgm takes trigrams of the characters the database's LC_CTYPE calls alphanumeric. Under
a UTF-8 ctype (C.UTF-8, ko_KR.UTF-8, en_US.UTF-8) Hangul syllables are; under `C` or
`POSIX` they are not and every Hangul key would have no trigrams. There the key spells
each Hangul syllable as three base-36 ASCII characters (its index in U+AC00..U+D7A3), which
every locale calls alphanumeric: substring matches stay exact, and a shared syllable is a
shared trigram. The query side calls the same function, so it never needs to know which.

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

_KEY_UTF8 = f"""
CREATE OR REPLACE FUNCTION nara_search_key(t text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$ SELECT lower({_STRIP}) $$
"""

# Under a C ctype: each Hangul syllable as three base-36 characters (see the docstring).
_KEY_ASCII = f"""
CREATE OR REPLACE FUNCTION nara_search_key(t text) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE STRICT AS $$
DECLARE
    s text := lower({_STRIP});
    digits constant text := '0123456789abcdefghijklmnopqrstuvwxyz';
    out text := '';
    c text;
    n int;
BEGIN
    IF s !~ '[가-힣]' THEN
        RETURN s;
    END IF;
    FOREACH c IN ARRAY regexp_split_to_array(s, '') LOOP
        n := ascii(c) - 44032;
        IF n BETWEEN 0 AND 11171 THEN
            out := out || substr(digits, n / 1296 + 1, 1)
                       || substr(digits, n / 36 % 36 + 1, 1)
                       || substr(digits, n % 36 + 1, 1);
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
    NEW.search_key := {_TENDER_TEXT.format(t="NEW")};
    RETURN NEW;
END $$;

CREATE TRIGGER tender_search_key BEFORE INSERT OR UPDATE OF title, description, agency_code
ON tender FOR EACH ROW EXECUTE FUNCTION tender_search_key();

CREATE OR REPLACE FUNCTION agency_renamed_search_key() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tender SET search_key = {_TENDER_TEXT.format(t="tender")}
    WHERE agency_code = NEW.code;
    RETURN NEW;
END $$;

CREATE TRIGGER agency_renamed_search_key AFTER UPDATE OF name ON agency
FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
EXECUTE FUNCTION agency_renamed_search_key();
"""


def upgrade() -> None:
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    hangul_is_alphanumeric = op.get_bind().scalar(sa.text("SELECT show_trgm('도로') <> '{}'"))
    op.execute(_KEY_UTF8 if hangul_is_alphanumeric else _KEY_ASCII)
    op.add_column(
        "tender", sa.Column("search_key", sa.Text(), nullable=False, server_default="")
    )
    op.add_column(
        "tender",
        sa.Column("catalogue", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.execute(f"UPDATE tender SET search_key = {_TENDER_TEXT.format(t='tender')}")
    op.execute(_TRIGGERS)
    op.execute("CREATE INDEX ix_tender_search_key ON tender USING gin (search_key gin_trgm_ops)")
    op.create_index("ix_tender_deadline_id", "tender", ["deadline", "id"])
    op.create_index("ix_tender_region", "tender", ["region"])


def downgrade() -> None:
    op.drop_index("ix_tender_region", table_name="tender")
    op.drop_index("ix_tender_deadline_id", table_name="tender")
    op.execute("DROP INDEX ix_tender_search_key")
    op.execute("DROP TRIGGER agency_renamed_search_key ON agency")
    op.execute("DROP FUNCTION agency_renamed_search_key()")
    op.execute("DROP TRIGGER tender_search_key ON tender")
    op.execute("DROP FUNCTION tender_search_key()")
    op.drop_column("tender", "catalogue")
    op.drop_column("tender", "search_key")
    op.execute("DROP FUNCTION nara_search_key(text)")
