-- A track at its maximum but for a failed critical indicator: every other indicator of the track
-- scores its maximum while a critical indicator of that track scores 0. Only tracks with exactly
-- one failed critical indicator can qualify, so answers are read for those schools alone.
with

candidate_tracks as (
    select
        inn,
        scope as track_code,
    from school_scores
    where round_id = $round_id and scope <> 'total' and count_failed_critical = 1
),

track_answers as (
    select
        a.inn,
        a.version,
        a.track_code,
        a.number,
        a.indicator,
        a.answer,
        a.points,
        a.points_max,
        a.is_failed_critical,
    from current_answers as a
    semi join candidate_tracks as t on t.inn = a.inn and t.track_code = a.track_code
    where a.round_id = $round_id
),

contradictory_tracks as (
    select
        inn,
        track_code,
        count(*) - 1 as count_others,
    from track_answers
    group by all
    having count(*) > 1 and count_if(points = points_max) = count(*) - 1
),

final as (
    select
        s.inn,
        sc.name,
        sc.municipality,
        t.track_name,
        s.count_others,
        a.number,
        a.indicator,
        a.answer,
    from contradictory_tracks as s
    join track_answers as a
        on a.inn = s.inn and a.track_code = s.track_code and a.is_failed_critical
    join tracks as t on t.version = a.version and t.track_code = a.track_code
    join schools as sc on sc.inn = s.inn
    where $municipality is null or sc.municipality = $municipality
)

select * from final
