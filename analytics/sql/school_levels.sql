-- One row per school, scope and round: points, maximum and level, with the school's identity.
with

scores as (
    select *
    from school_scores
    where
        round_id = $round_id
        and ($inn is null or inn = $inn)
),

final as (
    select
        s.inn,
        sc.name,
        sc.municipality,
        c.form,
        s.scope,
        s.points,
        s.points_max,
        s.level_rank,
        l.level,
        s.level_by_points,
        s.count_failed_critical,
    from scores as s
    join current_schools as c on c.round_id = s.round_id and c.inn = s.inn
    join schools as sc on sc.inn = s.inn
    join levels as l on l.level_rank = s.level_rank
    where $municipality is null or sc.municipality = $municipality
)

select * from final
order by municipality, name, inn
