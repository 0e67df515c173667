-- Views the queries share, so that a rule is written once: the answers in force with their points,
-- and the type a school filter uses. DuckDB inlines a view into the query that reads it, so a
-- filter on round_id, inn, form or number reaches the tables as if the joins were written out.

-- A school's type as the school filter offers it (analytics.views.SCHOOL_TYPES): коррекционная,
-- городская, сельская, or «не указан» when nothing says. A macro, because the roster's schools
-- that did not pass a round are typed by the same rule.
create macro school_type_of(is_correctional, locality) as
    case
        when is_correctional then 'коррекционная'
        when locality in ('городская', 'сельская') then locality
        else 'не указан'
    end;

-- Every answer option with its points and its indicator's track, criticality and maximum: the
-- facts of an answer that do not depend on who gave it.
create view option_points as
with

final as (
    select
        o.option_id,
        o.version,
        o.form,
        o.number,
        o.answer,
        o.points,
        i.track_code,
        i.indicator,
        i.is_critical,
        i.points_max,
        i.is_critical and o.points = 0 as is_failed_critical,
    from answer_options as o
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
)

select * from final;

-- The answers in force: each school's answers from its current import, with their option_points.
create view current_answers as
with

final as (
    select
        c.round_id,
        c.inn,
        p.version,
        p.form,
        p.number,
        p.option_id,
        p.answer,
        p.points,
        p.track_code,
        p.indicator,
        p.is_critical,
        p.points_max,
        p.is_failed_critical,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    join option_points as p on p.option_id = a.option_id
)

select * from final;

-- A school with its type: 0001_initial's `schools` (the roster where it has the school, else its
-- latest export) keeps its definition under the name school_identities, and `schools` becomes
-- the same columns plus school_type.
alter view schools rename to school_identities;

create view schools as
with

final as (
    select
        *,
        school_type_of(is_correctional, locality) as school_type,
    from school_identities
)

select * from final;
