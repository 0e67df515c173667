-- One school's points and level in every round it passed, per scope, oldest round first.
with

scores as (
    select
        round_id,
        scope,
        points,
        points_max,
        level_rank,
    from school_scores
    where inn = $inn
),

scope_order as (
    select
        r.round_id,
        t.track_code as scope,
        t.track_name as scope_name,
        t.track_order as scope_order,
    from rounds as r
    join tracks as t on t.version = r.methodology
),

final as (
    select
        r.name as round,
        r.round_date as date,
        r.methodology,
        s.scope,
        coalesce(o.scope_name, $total_name) as scope_name,
        s.points,
        s.points_max,
        s.level_rank,
        l.level,
        coalesce(o.scope_order, 0) as scope_order,
    from scores as s
    join rounds as r on r.round_id = s.round_id
    join levels as l on l.level_rank = s.level_rank
    left join scope_order as o on o.round_id = s.round_id and o.scope = s.scope
)

select
    round,
    date,
    methodology,
    scope,
    scope_name,
    points,
    points_max,
    level_rank,
    level,
from final
order by date, round, scope_order
