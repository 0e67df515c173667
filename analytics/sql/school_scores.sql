-- Points per track and in total, the level the points reach, and the level after the
-- critical-indicator rule: a critical indicator scoring 0 caps its track and the total.
insert into school_scores
with

current_answers as (
    select
        c.round_id,
        c.inn,
        a.option_id,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    where $round_id is null or c.round_id = $round_id
),

indicator_points as (
    select
        o.option_id,
        o.version,
        o.form,
        i.track_code,
        o.points,
        i.is_critical and o.points = 0 as is_failed_critical,
    from answer_options as o
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
),

track_points as (
    select
        a.round_id,
        a.inn,
        p.version,
        p.form,
        p.track_code as scope,
        sum(p.points) as points,
        count_if(p.is_failed_critical) as count_failed_critical,
    from current_answers as a
    join indicator_points as p on p.option_id = a.option_id
    group by all
),

total_points as (
    select
        round_id,
        inn,
        version,
        form,
        'total' as scope,
        sum(points) as points,
        sum(count_failed_critical) as count_failed_critical,
    from track_points
    group by all
),

scope_points as (
    select * from track_points
    union all
    select * from total_points
),

threshold_bands as (
    select
        version,
        form,
        scope,
        max(points_min) filter (where level_rank = 1) as min_basic,
        max(points_min) filter (where level_rank = 2) as min_medium,
        max(points_min) filter (where level_rank = 3) as min_high,
        max(points_max) as points_max,
    from level_thresholds
    group by all
),

leveled as (
    select
        p.round_id,
        p.inn,
        p.scope,
        p.points,
        b.points_max,
        case
            when p.points >= b.min_high then 3
            when p.points >= b.min_medium then 2
            when p.points >= b.min_basic then 1
            else 0
        end as level_by_points,
        p.count_failed_critical,
        r.cap_level_rank,
    from scope_points as p
    join threshold_bands as b on b.version = p.version and b.form = p.form and b.scope = p.scope
    left join critical_rules as r
        on r.version = p.version
        and r.applies_to = case when p.scope = 'total' then 'total' else 'track' end
),

final as (
    select
        round_id,
        inn,
        scope,
        points,
        points_max,
        level_by_points,
        case
            when count_failed_critical > 0 and cap_level_rank is not null
                then least(level_by_points, cap_level_rank)
            else level_by_points
        end as level_rank,
        count_failed_critical,
    from leveled
)

select * from final
