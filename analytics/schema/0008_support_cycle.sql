-- The support cycle after a round (issue 15): the interview with a school's management team, its
-- plan of measures («дорожная карта») and the checks of credibility flags. These are people's
-- records, not figures derived from the exports: nothing that imports, withdraws or rescores
-- answers reads or writes them, so a corrected export never erases a plan. Each row says who
-- (null until the app has accounts) and when it was last written.
create table interviews (
    interview_id integer primary key,
    inn varchar not null,
    round_id integer not null,
    held_on date not null,
    participants varchar not null,
    conclusions varchar not null,
    recorded_by varchar,
    recorded_at timestamp not null
);

create table interview_causes (
    interview_id integer not null,
    track_code varchar not null,
    causes varchar not null,
    primary key (interview_id, track_code)
);

create table measures (
    measure_id integer primary key,
    inn varchar not null,
    round_id integer not null,
    track_code varchar not null,
    action varchar not null,
    kind varchar not null check (
        kind in ('own', 'mentor', 'seminar', 'internship', 'course', 'municipal', 'regional')
    ),
    responsible varchar not null,
    due_on date not null,
    status varchar not null check (
        status in ('запланировано', 'выполняется', 'выполнено', 'не выполнено', 'отменено')
    ),
    comment varchar not null,
    updated_by varchar,
    updated_at timestamp not null
);

-- The indicators a measure is meant to close, numbered as in the school's form.
create table measure_indicators (
    measure_id integer not null,
    form varchar not null,
    number smallint not null,
    primary key (measure_id, number)
);

-- Every check is kept; the latest per school, round and rule is the outcome in force.
create table flag_checks (
    inn varchar not null,
    round_id integer not null,
    rule varchar not null,
    outcome varchar not null check (outcome in ('подтверждено', 'исправлено школой', 'не подтверждено')),
    comment varchar not null,
    checked_by varchar,
    checked_at timestamp not null
);
