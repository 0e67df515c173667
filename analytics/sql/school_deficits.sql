-- Every indicator where a school lost points, with the answer that gives the maximum.
with

current_answers as (
    select
        c.round_id,
        c.inn,
        a.number,
        a.option_id,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    where
        c.round_id = $round_id
        and ($inn is null or c.inn = $inn)
),

best_answers as (
    select
        version,
        form,
        number,
        first(answer order by points desc, option_id) as answer_best,
    from answer_options
    group by all
),

final as (
    select
        a.round_id,
        a.inn,
        sc.name,
        sc.municipality,
        o.form,
        i.track_code,
        t.track_name,
        t.track_order,
        i.number,
        i.indicator,
        i.is_critical,
        o.answer as answer_current,
        o.points as points_current,
        i.points_max,
        i.points_max - o.points as points_lost,
        b.answer_best,
        i.is_critical and o.points = 0 as is_failed_critical,
    from current_answers as a
    join answer_options as o on o.option_id = a.option_id
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
    join tracks as t on t.version = i.version and t.track_code = i.track_code
    join best_answers as b on b.version = o.version and b.form = o.form and b.number = o.number
    join schools as sc on sc.inn = a.inn
    where
        o.points < i.points_max
        and ($municipality is null or sc.municipality = $municipality)
)

select * from final
order by inn, is_failed_critical desc, is_critical desc, points_lost desc, track_order, number
