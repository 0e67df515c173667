-- One school's identity and overall result in a round.
with

total as (
    select *
    from school_scores
    where
        round_id = $round_id
        and inn = $inn
        and scope = 'total'
),

final as (
    select
        t.inn,
        sc.name,
        sc.municipality,
        c.form,
        sc.school_type,
        t.points,
        t.points_max,
        l.level,
        lp.level as level_by_points,
        t.count_failed_critical,
    from total as t
    join current_schools as c on c.round_id = t.round_id and c.inn = t.inn
    join schools as sc on sc.inn = t.inn
    join levels as l on l.level_rank = t.level_rank
    join levels as lp on lp.level_rank = t.level_by_points
)

select * from final
