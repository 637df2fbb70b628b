-- Settings: validated on write, unknown keys refused on read, and changes
-- to shipped rows marked so that pg_dump keeps them.
BEGIN;
SELECT plan(11);

SELECT is(ar.setting_value('home_currency'), 'JPY', 'home currency ships as JPY');
SELECT throws_ok($$SELECT ar.setting_value('no_such_key')$$, '22023', 'unknown setting "no_such_key"',
                 'reading an unknown setting is an error, not NULL');
SELECT throws_ok($$UPDATE ar.setting SET value = 'ZZZ' WHERE key = 'home_currency'$$, '23503',
                 'unknown currency "ZZZ"', 'home_currency must be a known currency');
SELECT throws_ok($$UPDATE ar.setting SET value = '0,110,abc' WHERE key = 'bank_fee_tolerance'$$, '22023',
                 'invalid bank_fee_tolerance "0,110,abc"', 'bank_fee_tolerance must be a list of amounts');
SELECT throws_ok($$UPDATE ar.setting SET value = '1.5' WHERE key = 'match_auto_threshold'$$, '22023',
                 'invalid match_auto_threshold "1.5"', 'the auto-match threshold is at most 1');
SELECT throws_ok($$UPDATE ar.setting SET value = '0' WHERE key = 'match_auto_threshold'$$, '22023',
                 NULL, 'the auto-match threshold is above 0');

SELECT ok((SELECT seeded FROM ar.setting WHERE key = 'match_auto_threshold'), 'a shipped setting is seeded');
UPDATE ar.setting SET value = '0.8' WHERE key = 'match_auto_threshold';
SELECT ok(NOT (SELECT seeded FROM ar.setting WHERE key = 'match_auto_threshold'),
          'changing a shipped setting makes it a user row (dumped by pg_dump)');
SELECT ok((SELECT seeded FROM ar.setting WHERE key = 'home_currency'), 'other shipped settings stay seeded');

-- A restore inserts the user row after CREATE EXTENSION recreated the default.
INSERT INTO ar.currency (code, minor_unit, name) VALUES ('EUR', 2, 'Euro (restored)');
SELECT is((SELECT name FROM ar.currency WHERE code = 'EUR'), 'Euro (restored)',
          'inserting a user row with a shipped key replaces the shipped row');
SELECT is((SELECT count(*)::int FROM ar.currency WHERE code = 'EUR'), 1, '... without doubling it');

SELECT * FROM finish();
ROLLBACK;
