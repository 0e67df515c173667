-- Critical indicators answered with 0 points in a round: what caps a school at «ниже базового».
with

failed_answers as (
    select
        inn,
        track_code,
        number,
        indicator,
    from current_answers
    where round_id = $round_id and is_failed_critical
),

final as (
    select f.*
    from failed_answers as f
    join schools as sc on sc.inn = f.inn
    where $municipality is null or sc.municipality = $municipality
)

select * from final
order by inn, number
