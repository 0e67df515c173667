-- The derived tables are rebuilt in bulk after every import. Their primary-key indexes were
-- rebuilt with them: at national scale (1.4 million score rows) that took a minute, a hundred
-- times the rebuild itself, and no query looks a row up by key faster than it scans a round.
-- Uniqueness comes from how the rows are built (one group per round, school and scope), so
-- the tables are recreated without the keys; the `schools` view reads the new ones by name.
create table current_schools_rebuilt (
    round_id integer not null,
    inn varchar not null,
    import_id integer not null,
    name varchar not null,
    municipality varchar not null,
    region varchar,
    form varchar not null
);

insert into current_schools_rebuilt select * from current_schools;

drop table current_schools;

alter table current_schools_rebuilt rename to current_schools;

create table school_scores_rebuilt (
    round_id integer not null,
    inn varchar not null,
    scope varchar not null,
    points smallint not null,
    points_max smallint not null,
    level_by_points tinyint not null,
    level_rank tinyint not null,
    count_failed_critical smallint not null
);

insert into school_scores_rebuilt select * from school_scores;

drop table school_scores;

alter table school_scores_rebuilt rename to school_scores;
