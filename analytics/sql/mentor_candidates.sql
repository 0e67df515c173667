-- For each track where a school is below basic, the schools of the same round at «высокий» in that
-- track, most useful first: same municipality, then same form, then same locality, then points.
with

track_levels as (
    select
        s.inn,
        s.scope as track_code,
        s.points,
        s.level_rank,
        c.form,
        sc.name,
        sc.municipality,
        sc.locality,
    from school_scores as s
    join current_schools as c on c.round_id = s.round_id and c.inn = s.inn
    join schools as sc on sc.inn = s.inn
    where s.round_id = $round_id and s.scope <> 'total'
),

mentee_tracks as (
    select *
    from track_levels
    where inn = $inn and level_rank = $lowest_rank
),

candidates as (
    select
        m.track_code,
        c.inn as mentor_inn,
        c.name as mentor_name,
        c.municipality as mentor_municipality,
        c.points as mentor_points,
        c.level_rank as mentor_level_rank,
        c.municipality = m.municipality as is_same_municipality,
        c.form = m.form as is_same_form,
        coalesce(c.locality = m.locality, false) as is_same_locality,
    from mentee_tracks as m
    join track_levels as c
        on c.track_code = m.track_code and c.level_rank = $highest_rank and c.inn <> m.inn
),

ranked as (
    select
        *,
        row_number() over (
            partition by track_code
            order by
                is_same_municipality desc,
                is_same_form desc,
                is_same_locality desc,
                mentor_points desc,
                mentor_name,
                mentor_inn
        ) as mentor_rank,
    from candidates
),

final as (
    select
        r.track_code,
        t.track_name,
        r.mentor_inn,
        r.mentor_name,
        r.mentor_municipality,
        r.mentor_points,
        l.level as mentor_level,
        r.is_same_municipality,
        r.is_same_form,
        r.is_same_locality,
        t.track_order,
        r.mentor_rank,
    from ranked as r
    join rounds as rd on rd.round_id = $round_id
    join tracks as t on t.version = rd.methodology and t.track_code = r.track_code
    join levels as l on l.level_rank = r.mentor_level_rank
    where r.mentor_rank <= $limit_per_track
)

select * from final
order by track_order, mentor_rank
