-- One row per school, scope and round: points, maximum and level, with the school's identity.
with

scores as (
    select *
    from school_scores
    where
        round_id = $round_id
        and ($inn is null or inn = $inn)
),

ordered_schools as (
    -- Schools are put in order once, so that the rows (a school's every scope) sort on a number:
    -- sorting a national round's rows on three texts took longer than the query itself.
    select
        inn,
        name,
        municipality,
        row_number() over (order by municipality, name, inn) as school_order,
    from schools
    where
        ($municipality is null or municipality = $municipality)
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
        sc.school_order,
    from scores as s
    join current_schools as c on c.round_id = s.round_id and c.inn = s.inn
    join ordered_schools as sc on sc.inn = s.inn
    join levels as l on l.level_rank = s.level_rank
)

select * exclude (school_order) from final
order by school_order
