-- One school's points per scope against the lowest points of each level of its form.
with

scores as (
    select
        s.scope,
        s.points,
        s.points_max,
        s.level_by_points,
        s.level_rank,
        s.count_failed_critical,
        c.form,
        r.methodology as version,
    from school_scores as s
    join current_schools as c on c.round_id = s.round_id and c.inn = s.inn
    join rounds as r on r.round_id = s.round_id
    where
        s.round_id = $round_id
        and s.inn = $inn
),

thresholds as (
    select
        version,
        form,
        scope,
        min(points_min) filter (where level_rank = 1) as points_basic,
        min(points_min) filter (where level_rank = 2) as points_middle,
        min(points_min) filter (where level_rank = 3) as points_high,
    from level_thresholds
    group by all
),

final as (
    select
        s.scope,
        coalesce(t.track_name, 'Итого') as scope_name,
        coalesce(t.track_order, 0) as scope_order,
        s.points,
        s.points_max,
        th.points_basic,
        th.points_middle,
        th.points_high,
        s.level_rank,
        l.level,
        lp.level as level_by_points,
        s.count_failed_critical,
    from scores as s
    join thresholds as th on th.version = s.version and th.form = s.form and th.scope = s.scope
    join levels as l on l.level_rank = s.level_rank
    join levels as lp on lp.level_rank = s.level_by_points
    left join tracks as t on t.version = s.version and t.track_code = s.scope
)

select * from final
order by scope_order
