-- Critical indicators answered with 0 points in a round: what caps a school at «ниже базового».
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

final as (
    select
        a.inn,
        i.track_code,
        i.number,
        i.indicator,
    from current_answers as a
    join answer_options as o on o.option_id = a.option_id
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
    where
        i.is_critical
        and o.points = 0
)

select * from final
order by inn, number
