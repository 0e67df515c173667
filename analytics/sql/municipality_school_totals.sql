-- The schools of one municipality and school type (or all) in a round: total and level, the
-- total in the round before ($previous_round_id, null for none) and how many tracks are at the
-- lowest level.
with

scores as (
    select s.*
    from school_scores as s
    semi join chosen_schools($municipality, $school_type) as c on c.inn = s.inn
    where s.round_id = $round_id
),

lowest_track_counts as (
    select
        inn,
        count(*) as count_tracks_lowest,
    from scores
    where
        scope <> 'total'
        and level_rank = 0
    group by inn
),

previous_totals as (
    select
        s.inn,
        s.points as points_prev,
        l.level as level_prev,
    from school_scores as s
    semi join chosen_schools($municipality, $school_type) as c on c.inn = s.inn
    join levels as l on l.level_rank = s.level_rank
    where
        s.round_id = $previous_round_id
        and s.scope = 'total'
),

final as (
    select
        c.inn,
        c.name,
        c.municipality,
        c.school_type,
        s.points,
        s.points_max,
        l.level,
        s.level_rank,
        p.points_prev,
        p.level_prev,
        s.points - p.points_prev as points_change,
        coalesce(w.count_tracks_lowest, 0) as count_tracks_lowest,
    from scores as s
    join chosen_schools($municipality, $school_type) as c on c.inn = s.inn
    join levels as l on l.level_rank = s.level_rank
    left join previous_totals as p on p.inn = s.inn
    left join lowest_track_counts as w on w.inn = s.inn
    where s.scope = 'total'
)

select * from final
order by name, inn
