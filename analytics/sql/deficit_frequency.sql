-- How many schools share each deficit, of one municipality and school type or all: the material
-- for group seminars.
--
-- The round's answers are counted per answer option first, an integer key with a few hundred
-- values, and only those counts are joined to the indicators and summed per indicator: grouping
-- millions of national answers by the indicator's texts directly took several times as long.
--
-- Only the answers in force count: a school's answers from its current import. Matching each of a
-- national round's millions of answers to its school took most of the query's time, and usually
-- every school of an import is in force (a later import replaces whole schools, and most rounds
-- have one import). Such an import's answers are counted per import and option without looking
-- at the schools; the answers of the other imports, and all answers when one municipality or
-- school type is asked for, are still matched school by school.
with

import_sizes as (
    select
        import_id,
        count(*) as count_schools,
    from import_schools
    where round_id = $round_id
    group by import_id
),

import_schools_in_force as (
    select
        import_id,
        count(*) as count_schools,
    from current_schools
    where round_id = $round_id
    group by import_id
),

whole_imports as (
    -- The imports whose every school is in force (their answers are the schools' answers).
    select s.import_id,
    from import_sizes as s
    join import_schools_in_force as f on f.import_id = s.import_id
    where
        f.count_schools = s.count_schools
        and $municipality is null
        and $school_type is null
),

counted_schools as (
    -- The schools in force whose answers are matched one by one.
    select
        c.import_id,
        c.inn,
    from current_schools as c
    semi join chosen_schools($municipality, $school_type) as sc on sc.inn = c.inn
    where
        c.round_id = $round_id
        and c.import_id not in (select import_id from whole_imports)
),

import_option_counts as (
    -- Two integer keys: a cheap grouping, and it spares joining the answers to the imports.
    select
        import_id,
        option_id,
        count(*) as count_schools,
    from answers
    where
        round_id = $round_id
        and $municipality is null
        and $school_type is null
    group by import_id, option_id
),

whole_import_counts as (
    select
        n.option_id,
        sum(n.count_schools) as count_schools,
    from import_option_counts as n
    semi join whole_imports as w on w.import_id = n.import_id
    group by n.option_id
),

school_answer_counts as (
    select
        a.option_id,
        count(*) as count_schools,
    from answers as a
    join counted_schools as s on s.import_id = a.import_id and s.inn = a.inn
    where a.round_id = $round_id
    group by a.option_id
),

counted_options as (
    select * from whole_import_counts
    union all
    select * from school_answer_counts
),

option_counts as (
    select
        option_id,
        sum(count_schools) as count_schools,
    from counted_options
    group by option_id
),

scored as (
    select
        o.form,
        i.track_code,
        i.number,
        i.indicator,
        i.is_critical,
        n.count_schools,
        o.points < i.points_max as is_deficit,
        i.is_critical and o.points = 0 as is_failed_critical,
        i.points_max - o.points as points_lost,
    from option_counts as n
    join answer_options as o on o.option_id = n.option_id
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
),

final as (
    select
        s.form,
        s.track_code,
        t.track_name,
        s.number,
        s.indicator,
        s.is_critical,
        sum(s.count_schools)::bigint as count_schools,
        coalesce(sum(s.count_schools) filter (where s.is_deficit), 0) as count_deficits,
        coalesce(sum(s.count_schools) filter (where s.is_failed_critical), 0) as count_failed_critical,
        coalesce(sum(s.count_schools) filter (where s.is_deficit), 0) / sum(s.count_schools)
            as share_deficit,
        sum(s.count_schools * s.points_lost) as points_lost,
    from scored as s
    join rounds as r on r.round_id = $round_id
    join tracks as t on t.version = r.methodology and t.track_code = s.track_code
    group by all
)

select * from final
order by count_deficits desc, points_lost desc, form, number
