-- The schools of a round with their overall level, of one municipality and school type or all.
with

totals as (
    select *
    from school_scores
    where
        round_id = $round_id
        and scope = 'total'
),

final as (
    select
        t.inn,
        sc.name,
        sc.municipality,
        l.level,
    from totals as t
    join schools as sc on sc.inn = t.inn
    join levels as l on l.level_rank = t.level_rank
    where
        ($municipality is null or sc.municipality = $municipality)
        and ($school_type is null or sc.school_type = $school_type)
)

select * from final
order by name, inn
