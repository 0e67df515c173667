-- One row per school of a round: total and level, the tracks at the lowest level and the failed
-- critical indicators — what puts a school on the support list, in support order (lowest level,
-- most failed critical indicators, most weak tracks, fewest points first).
--
-- $selection keeps 'all' schools, those needing 'support' (below basic overall or in some
-- track), the 'below_basic' ones, or 'support_and_below_basic' (what «Обзор региона» lists,
-- read in one pass); $limit (null = no limit) cuts the support list short.
-- Schools are counted and chosen first and only the chosen ones get their failed indicators: a
-- national round has 40,000 schools and the support list fifteen. The weak tracks come as a bit
-- mask of rubric positions (tracks.track_order); analytics.views names them.
with

totals as (
    select
        inn,
        points,
        points_max,
        level_rank,
        count_failed_critical,
    from school_scores
    where
        round_id = $round_id
        and scope = 'total'
),

round_tracks as (
    select
        t.track_code,
        t.track_order,
    from tracks as t
    join rounds as r on r.methodology = t.version
    where r.round_id = $round_id
),

lowest_tracks as (
    -- Which tracks are at the lowest level, as bits by rubric position (8 tracks fit a bigint).
    select
        s.inn,
        count(*) as count_tracks_lowest,
        bit_or(1::bigint << t.track_order) as tracks_lowest_mask,
    from school_scores as s
    join round_tracks as t on t.track_code = s.scope
    where
        s.round_id = $round_id
        and s.level_rank = 0
    group by s.inn
),

summary as (
    select
        c.inn,
        c.name,
        c.municipality,
        c.school_type,
        t.points,
        t.points_max,
        t.level_rank,
        l.level,
        coalesce(w.count_tracks_lowest, 0) as count_tracks_lowest,
        coalesce(w.tracks_lowest_mask, 0) as tracks_lowest_mask,
        t.count_failed_critical,
    from totals as t
    join chosen_schools($municipality, $school_type) as c on c.inn = t.inn
    join levels as l on l.level_rank = t.level_rank
    left join lowest_tracks as w on w.inn = t.inn
),

support_first as (
    -- The first $limit schools of the support list: a top-N, not a sort of the whole round by
    -- name (that sort was most of this query's time). Without a limit every school needing
    -- support is listed and none has to be picked out here.
    select inn
    from summary
    where
        $limit is not null
        and (level_rank = 0 or count_tracks_lowest > 0)
    order by level_rank, count_failed_critical desc, count_tracks_lowest desc, points, name, inn
    limit coalesce($limit, 0)
),

chosen_summary as (
    select s.*
    from summary as s
    left join support_first as f on f.inn = s.inn
    where
        case $selection
            when 'support' then (s.level_rank = 0 or s.count_tracks_lowest > 0)
                and ($limit is null or f.inn is not null)
            when 'below_basic' then s.level_rank = 0
            when 'support_and_below_basic' then s.level_rank = 0
                or (s.count_tracks_lowest > 0 and ($limit is null or f.inn is not null))
            else true
        end
),

failed_critical_options as (
    select
        p.option_id,
        p.number,
        p.indicator,
    from option_points as p
    join rounds as r on r.methodology = p.version
    where
        r.round_id = $round_id
        and p.is_failed_critical
),

failed_critical as (
    -- The answers are taken by option first, so the scan of the round's answers reads an ИНН
    -- only for the few failed critical ones; the school's current import keeps them in force.
    select
        a.inn,
        list(o.indicator order by o.number) as critical_failed,
    from answers as a
    join failed_critical_options as o on o.option_id = a.option_id
    join current_schools as c on c.round_id = a.round_id and c.import_id = a.import_id and c.inn = a.inn
    semi join chosen_summary as s on s.inn = a.inn and s.count_failed_critical > 0
    where a.round_id = $round_id
    group by a.inn
),

final as (
    select
        c.*,
        coalesce(f.critical_failed, []) as critical_failed,
    from chosen_summary as c
    left join failed_critical as f on f.inn = c.inn
)

select * from final
order by level_rank, count_failed_critical desc, count_tracks_lowest desc, points, name, inn
