-- A school's identity and type were a view over every round's current schools: each query that
-- filtered schools by municipality or type recomputed the latest export of 40,000 schools
-- (a grouping over 160,000 rows, most of a national page call's time). The view keeps the rule
-- under the name school_directory, and `schools` becomes a table with the same columns, rebuilt
-- from it with the other derived rows after every import, withdrawal and roster import
-- (analytics.scoring.refresh_schools).
alter view schools rename to school_directory;

create table schools as
select * from school_directory;
