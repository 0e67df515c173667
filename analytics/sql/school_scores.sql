-- Points per track and in total, the level the points reach, and the level after the
-- critical-indicator rule: a critical indicator scoring 0 caps its track and the total.
--
-- A national store holds ten million answers. Summing them per school and track builds a
-- million groups and was the slowest step of a rebuild, so each school's answers are summed
-- once: every track of the methodology gets a 15-bit slot of a 128-bit integer, an answer
-- adds its points (and its failed critical indicator) in its track's slot, and the slots are
-- read back afterwards. 15 bits hold any smallint total; a methodology has 8 tracks
-- (rubric.TRACK_COUNT), which take 120 of the 127 bits.
--
-- What depends only on the methodology (the scopes a form is scored in, their slots, the
-- thresholds and the critical-indicator cap) is joined once per form into `scope_rules`, a few
-- dozen rows, so the million school × scope rows come out of one join and are not joined again.
insert into school_scores
with

track_slots as (
    select
        version,
        track_code,
        15 * (row_number() over (partition by version order by track_order) - 1) as shift,
    from tracks
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
        -- Only an answer failing a critical indicator adds to these slots. The filter also keeps
        -- DuckDB's partial_aggregate_pushdown from pre-summing both sums per answer option under
        -- the join and combining the partial sums per school, which makes this step 1.5× slower.
        coalesce(
            sum(p.failed_critical_in_slot) filter (where p.failed_critical_in_slot <> 0), 0
        ) as failed_critical_slots,
    from answers as a
    join option_points as p on p.option_id = a.option_id
    where $round_id is null or a.round_id = $round_id
    group by a.import_id, a.inn
),

form_tracks as (
    -- A stored school answered every indicator of its form (the importer refuses one that did
    -- not), so the tracks it has points in are the tracks of its form.
    select distinct
        i.version,
        i.form,
        i.track_code,
        s.shift,
    from indicators as i
    join track_slots as s on s.version = i.version and s.track_code = i.track_code
),

form_shifts as (
    select
        version,
        form,
        list(shift) as shifts,
    from form_tracks
    group by version, form
),

form_scopes as (
    -- The total has no slot of its own (its shift is null): it adds the slots of the form.
    select
        version,
        form,
        track_code as scope,
        shift,
    from form_tracks
    union all
    select
        version,
        form,
        'total' as scope,
        null as shift,
    from form_shifts
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

scope_rules as (
    select
        f.version,
        f.form,
        f.scope,
        f.shift,
        b.min_basic,
        b.min_medium,
        b.min_high,
        b.points_max,
        r.cap_level_rank,
    from form_scopes as f
    join threshold_bands as b on b.version = f.version and b.form = f.form and b.scope = f.scope
    left join critical_rules as r
        on r.version = f.version
        and r.applies_to = case when f.scope = 'total' then 'total' else 'track' end
),

school_slots as (
    select
        c.round_id,
        c.inn,
        r.methodology as version,
        c.form,
        p.points_slots,
        p.failed_critical_slots,
        list_sum(
            list_transform(f.shifts, lambda shift: (p.points_slots >> shift) & 32767)
        ) as points_total,
        list_sum(
            list_transform(f.shifts, lambda shift: (p.failed_critical_slots >> shift) & 32767)
        ) as failed_critical_total,
    from current_schools as c
    join rounds as r on r.round_id = c.round_id
    join import_school_slots as p on p.import_id = c.import_id and p.inn = c.inn
    join form_shifts as f on f.version = r.methodology and f.form = c.form
    where $round_id is null or c.round_id = $round_id
),

scope_points as (
    select
        p.round_id,
        p.inn,
        s.scope,
        case
            when s.shift is null then p.points_total
            else (p.points_slots >> s.shift) & 32767
        end as points,
        case
            when s.shift is null then p.failed_critical_total
            else (p.failed_critical_slots >> s.shift) & 32767
        end as count_failed_critical,
        s.min_basic,
        s.min_medium,
        s.min_high,
        s.points_max,
        s.cap_level_rank,
    from school_slots as p
    join scope_rules as s on s.version = p.version and s.form = p.form
),

leveled as (
    select
        round_id,
        inn,
        scope,
        points,
        points_max,
        case
            when points >= min_high then 3
            when points >= min_medium then 2
            when points >= min_basic then 1
            else 0
        end as level_by_points,
        count_failed_critical,
        cap_level_rank,
    from scope_points
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
