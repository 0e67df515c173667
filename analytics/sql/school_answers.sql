-- Every answer of one school in force in a round, with its points and whether it is critical.
with

current_answers as (
    select
        c.inn,
        a.option_id,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    where
        c.round_id = $round_id
        and c.inn = $inn
),

final as (
    select
        a.inn,
        i.track_code,
        t.track_name,
        t.track_order,
        i.number,
        i.indicator,
        i.is_critical,
        o.answer,
        o.points,
        i.points_max,
        i.is_critical and o.points = 0 as is_failed_critical,
    from current_answers as a
    join answer_options as o on o.option_id = a.option_id
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
    join tracks as t on t.version = i.version and t.track_code = i.track_code
)

select * from final
order by track_order, number
