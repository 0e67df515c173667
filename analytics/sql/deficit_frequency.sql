-- How many schools share each deficit: the material for group seminars.
--
-- The round's answers are counted per answer option first, an integer key with a few hundred
-- values, and only those counts are joined to the indicators and summed per indicator: grouping
-- millions of national answers by the indicator's texts directly took several times as long.
with

current_answers as (
    select
        a.option_id,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    join schools as sc on sc.inn = c.inn
    where
        c.round_id = $round_id
        and ($municipality is null or sc.municipality = $municipality)
),

option_counts as (
    select
        option_id,
        count(*) as count_schools,
    from current_answers
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
