-- The schools of a round to pick from, of one municipality and school type or all.
with

final as (
    select
        s.inn,
        sc.name,
        sc.municipality,
    from school_scores as s
    join chosen_schools($municipality, $school_type) as sc on sc.inn = s.inn
    where
        s.round_id = $round_id
        and s.scope = 'total'
)

select * from final
order by name, inn
