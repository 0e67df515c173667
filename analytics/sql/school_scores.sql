-- Points per track and in total, the level the points reach, and the level after the
-- critical-indicator rule: a critical indicator scoring 0 caps its track and the total.
--
-- A national store holds ten million answers. Summing them per school and track builds a
-- million groups and was the slowest step of a rebuild, so each school's answers are summed
-- once: every track of the methodology gets a 15-bit slot of a 128-bit integer, an answer
-- adds its points (and its failed critical indicator) in its track's slot, and the slots are
-- read back afterwards. 15 bits hold any smallint total; a methodology has 8 tracks
-- (rubric.TRACK_COUNT), which take 120 of the 127 bits.
insert into school_scores
with

track_slots as (
    select
        version,
        track_code,
        15 * (row_number() over (partition by version order by track_order) - 1) as shift,
    from tracks
),

form_tracks as (
    -- A stored school answered every indicator of its form (the importer refuses one that did
    -- not), so the tracks it has points in are the tracks of its form.
    select distinct
        version,
        form,
        track_code,
    from indicators
),

option_points as (
    select
        o.option_id,
        o.points::hugeint << s.shift as points_in_slot,
        (i.is_critical and o.points = 0)::hugeint << s.shift as failed_critical_in_slot,
    from answer_options as o
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
    join track_slots as s on s.version = i.version and s.track_code = i.track_code
),

import_school_slots as (
    select
        a.import_id,
        a.inn,
        sum(p.points_in_slot) as points_slots,
        sum(p.failed_critical_in_slot) as failed_critical_slots,
    from answers as a
    join option_points as p on p.option_id = a.option_id
    where $round_id is null or a.round_id = $round_id
    group by a.import_id, a.inn
),

school_slots as (
    select
        c.round_id,
        c.inn,
        r.methodology as version,
        c.form,
        p.points_slots,
        p.failed_critical_slots,
    from current_schools as c
    join rounds as r on r.round_id = c.round_id
    join import_school_slots as p on p.import_id = c.import_id and p.inn = c.inn
    where $round_id is null or c.round_id = $round_id
),

track_points as (
    select
        p.round_id,
        p.inn,
        p.version,
        p.form,
        s.track_code as scope,
        (p.points_slots >> s.shift) & 32767 as points,
        (p.failed_critical_slots >> s.shift) & 32767 as count_failed_critical,
    from school_slots as p
    join form_tracks as f on f.version = p.version and f.form = p.form
    join track_slots as s on s.version = f.version and s.track_code = f.track_code
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
