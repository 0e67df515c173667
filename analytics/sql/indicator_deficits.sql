-- The schools of a round that lost points on one indicator of one form.
with

current_answers as (
    select
        c.inn,
        a.option_id,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    where
        c.round_id = $round_id
        and a.number = $number
),

final as (
    select
        a.inn,
        sc.name,
        sc.municipality,
        o.answer as answer_current,
        o.points as points_current,
        i.points_max,
        i.is_critical and o.points = 0 as is_failed_critical,
    from current_answers as a
    join answer_options as o on o.option_id = a.option_id
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
    join schools as sc on sc.inn = a.inn
    where
        o.form = $form
        and o.points < i.points_max
        and ($municipality is null or sc.municipality = $municipality)
)

select * from final
order by municipality, name, inn
