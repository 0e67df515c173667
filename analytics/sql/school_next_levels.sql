-- One school's scopes below «высокий» with the lowest points of the level above: the total first
-- (it has no track_order), then the tracks in rubric order. Read by deficits.plan_next_levels.
with

scores as (
    select
        s.scope,
        s.points,
        s.level_rank,
        c.form,
        r.methodology as version,
    from school_scores as s
    join current_schools as c on c.round_id = s.round_id and c.inn = s.inn
    join rounds as r on r.round_id = s.round_id
    where
        s.round_id = $round_id
        and s.inn = $inn
        and s.level_rank < $highest_rank
),

final as (
    select
        s.scope,
        s.points,
        s.level_rank,
        th.points_min as points_min_next,
        t.track_order,
    from scores as s
    join level_thresholds as th
        on th.version = s.version
        and th.form = s.form
        and th.scope = s.scope
        and th.level_rank = s.level_rank + 1
    left join tracks as t on t.version = s.version and t.track_code = s.scope
)

select
    scope,
    points,
    level_rank,
    points_min_next,
from final
order by track_order nulls first
