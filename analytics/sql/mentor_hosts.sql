-- The schools that may mentor or host an internship in a track: at «высокий» in that track, not
-- below basic overall, and not among $flagged (schools with a credibility question this round).
-- One row per (school, track), with the school's total for ranking and the same profile columns
-- as the mentees.
with

high_tracks as (
    select
        inn,
        scope as track_code,
        points,
        points_max,
    from school_scores
    where
        round_id = $round_id
        and scope <> 'total'
        and level_rank = $highest_rank
        and not list_contains($flagged, inn)
),

totals as (
    select
        inn,
        points as total_points,
        points_max as total_points_max,
        level_rank as total_level_rank,
    from school_scores
    where
        round_id = $round_id
        and scope = 'total'
        and level_rank > $lowest_rank
),

final as (
    select
        h.inn,
        sc.name,
        sc.municipality,
        c.form,
        sc.locality,
        len(list_filter($band_starts, lambda start: start <= sc.pupils)) as size_band,
        h.track_code,
        t.track_name,
        t.track_order,
        h.points,
        h.points_max,
        tt.total_points,
        tt.total_points_max,
        l.level as total_level,
    from high_tracks as h
    join totals as tt on tt.inn = h.inn
    join current_schools as c on c.round_id = $round_id and c.inn = h.inn
    join schools as sc on sc.inn = h.inn
    join rounds as r on r.round_id = $round_id
    join tracks as t on t.version = r.methodology and t.track_code = h.track_code
    join levels as l on l.level_rank = tt.total_level_rank
)

select * from final
order by inn, track_order
