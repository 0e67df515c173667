-- Reference tables: one methodology version per folder under data/rubric/.
create table methodology_versions (
    version varchar primary key,
    sha256 varchar not null,
    loaded_at timestamp not null default current_timestamp
);

create table levels (
    level_rank tinyint primary key,
    level varchar not null
);

create table tracks (
    version varchar not null,
    track_code varchar not null,
    track_order smallint not null,
    track_name varchar not null,
    track_kind varchar not null,
    primary key (version, track_code)
);

create table forms (
    version varchar not null,
    form varchar not null,
    form_title varchar not null,
    primary key (version, form)
);

create table indicators (
    version varchar not null,
    form varchar not null,
    number smallint not null,
    track_code varchar not null,
    indicator varchar not null,
    is_critical boolean not null,
    points_max smallint not null,
    primary key (version, form, number)
);

create table answer_options (
    option_id integer primary key,
    version varchar not null,
    form varchar not null,
    number smallint not null,
    answer varchar not null,
    points smallint not null
);

create table level_thresholds (
    version varchar not null,
    form varchar not null,
    scope varchar not null,
    level_rank tinyint not null,
    points_min smallint not null,
    points_max smallint not null,
    primary key (version, form, scope, level_rank)
);

create table critical_rules (
    version varchar not null,
    applies_to varchar not null,
    cap_level_rank tinyint not null,
    meaning varchar not null,
    primary key (version, applies_to)
);

-- Facts: what the exports said, kept per import so that a later import never overwrites one.
create table rounds (
    round_id integer primary key,
    name varchar not null unique,
    round_date date not null,
    methodology varchar not null
);

create table imports (
    import_id integer primary key,
    round_id integer not null,
    imported_at timestamp not null,
    schools_count integer not null,
    new_count integer not null,
    replaced_count integer not null,
    unchanged_count integer not null,
    answers_count integer not null,
    status varchar not null,
    withdrawn_at timestamp
);

create table import_files (
    import_id integer not null,
    file_name varchar not null,
    sha256 varchar not null,
    layout varchar,
    rows_count integer not null,
    primary key (import_id, file_name)
);

create table import_schools (
    import_id integer not null,
    round_id integer not null,
    inn varchar not null,
    name varchar not null,
    municipality varchar not null,
    region varchar,
    form varchar not null,
    source_file varchar not null,
    primary key (import_id, inn)
);

create table answers (
    import_id integer not null,
    round_id integer not null,
    inn varchar not null,
    number smallint not null,
    option_id integer not null,
    points_exported smallint
);

create table portal_results (
    import_id integer not null,
    round_id integer not null,
    inn varchar not null,
    scope varchar not null,
    points smallint,
    level_rank tinyint,
    primary key (import_id, inn, scope)
);

create table roster (
    inn varchar primary key,
    name varchar not null,
    municipality varchar not null,
    locality varchar,
    pupils integer,
    is_correctional boolean
);

-- Derived: rebuilt from the facts after every import or withdrawal (see analytics/scoring.py).
create table current_schools (
    round_id integer not null,
    inn varchar not null,
    import_id integer not null,
    name varchar not null,
    municipality varchar not null,
    region varchar,
    form varchar not null,
    primary key (round_id, inn)
);

create table school_scores (
    round_id integer not null,
    inn varchar not null,
    scope varchar not null,
    points smallint not null,
    points_max smallint not null,
    level_by_points tinyint not null,
    level_rank tinyint not null,
    count_failed_critical smallint not null,
    primary key (round_id, inn, scope)
);

-- A school's canonical identity: the roster where it has the school, else its latest export.
create view schools as
with

latest_export as (
    select
        inn,
        arg_max(name, import_id) as name,
        arg_max(municipality, import_id) as municipality,
        arg_max(region, import_id) as region,
        arg_max(form, import_id) as form,
    from current_schools
    group by inn
),

final as (
    select
        e.inn,
        coalesce(r.name, e.name) as name,
        coalesce(r.municipality, e.municipality) as municipality,
        e.region,
        e.form,
        r.locality,
        r.pupils,
        coalesce(r.is_correctional, e.form = 'correctional') as is_correctional,
        r.inn is not null as is_in_roster,
    from latest_export as e
    left join roster as r on r.inn = e.inn
)

select * from final;
