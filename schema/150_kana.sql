-- Name normalization for cash application (入金消込): payer names from bank
-- files and customer names and readings folded to one comparable form.
-- Rules and examples: docs/cash-application.md, "Name normalization".

CREATE FUNCTION ar.normalize_name(name text) RETURNS text
  AS 'MODULE_PATHNAME', 'pgr_normalize_name'
  LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION ar.normalize_name(text) IS
  'Folds a payer or customer name to one comparable form: half-width to full-width katakana with voiced marks composed, hiragana to katakana, small kana to large, full-width Latin to upper-case ASCII, spaces, punctuation and long vowel marks removed, legal-entity markers (株式会社, (株), ㈱, ｶ), (ｶ, ｶﾌﾞｼｷｶﾞｲｼﾔ, CO.,LTD., ...) removed; IMMUTABLE, so it can back an index';
