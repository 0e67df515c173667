-- Each imported school's answers reduced, as they are stored, to three integers
-- (analytics/sql/import_digests.sql): which indicators fell short of their maximum and which
-- critical ones scored 0, bit (number − 1) of the school's form, and a fingerprint of the answer
-- set. Round comparison and the copy check read these 40,000 rows a round instead of 2.7 million
-- answers. Like the answers, a digest belongs to its import and is never rewritten: the points of
-- a methodology version cannot change once it has answers (analytics.db.sync_rubric). The
-- digests of the imports stored before this migration are written right after it (analytics.db).
create table import_digests (
    import_id integer not null,
    inn varchar not null,
    deficit_mask uhugeint not null,
    failed_critical_mask uhugeint not null,
    answers_fingerprint hugeint not null,
);
