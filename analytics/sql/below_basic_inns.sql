-- The schools of a round whose overall level is «ниже базового», of one municipality and school
-- type or all, by municipality and name.
with

final as (
    select
        s.inn,
        sc.municipality,
        sc.name,
    from school_scores as s
    join chosen_schools($municipality, $school_type) as sc on sc.inn = s.inn
    where
        s.round_id = $round_id
        and s.scope = 'total'
        and s.level_rank = 0
)

select inn from final
order by municipality, name, inn
