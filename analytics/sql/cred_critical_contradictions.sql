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
        c.inn,
        i.version,
        i.track_code,
        i.number,
        i.indicator,
        i.is_critical,
        o.answer,
        o.points,
        i.points_max,
    from current_schools as c
    join answers as a on a.import_id = c.import_id and a.inn = c.inn
    join answer_options as o on o.option_id = a.option_id
    join indicators as i on i.version = o.version and i.form = o.form and i.number = o.number
    semi join candidate_tracks as t on t.inn = c.inn and t.track_code = i.track_code
    where c.round_id = $round_id
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
        on a.inn = s.inn and a.track_code = s.track_code and a.is_critical and a.points = 0
    join tracks as t on t.version = a.version and t.track_code = a.track_code
    join schools as sc on sc.inn = s.inn
    where $municipality is null or sc.municipality = $municipality
)

select * from final
