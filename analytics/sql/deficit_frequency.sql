-- How many schools share each deficit: the material for group seminars.
with

current_answers as (
    select
        c.inn,
        a.option_id,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    join schools as sc on sc.inn = c.inn
    where
        c.round_id = $round_id
        and ($municipality is null or sc.municipality = $municipality)
),

scored as (
    select
        a.inn,
        o.form,
        i.track_code,
        i.number,
        i.indicator,
        i.is_critical,
        o.points < i.points_max as is_deficit,
        i.is_critical and o.points = 0 as is_failed_critical,
        i.points_max - o.points as points_lost,
    from current_answers as a
    join answer_options as o on o.option_id = a.option_id
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
        count(*) as count_schools,
        count_if(s.is_deficit) as count_deficits,
        count_if(s.is_failed_critical) as count_failed_critical,
        count_if(s.is_deficit) / count(*) as share_deficit,
        sum(s.points_lost) as points_lost,
    from scored as s
    join rounds as r on r.round_id = $round_id
    join tracks as t on t.version = r.methodology and t.track_code = s.track_code
    group by all
)

select * from final
order by count_deficits desc, points_lost desc, form, number
