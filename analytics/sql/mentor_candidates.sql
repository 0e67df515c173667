-- For each listed school ($inns) and each track where it is below basic, the schools of the same
-- round at «высокий» in that track, most useful first: same municipality, then same form, then
-- same locality, then points. Rows come in the order of $inns.
--
-- The order depends on the school only through its municipality, form and locality, so mentors are
-- ranked once per such profile and track, not once per school: a region's below-basic schools
-- share a few hundred profiles. A mentor is never the school itself: it is at «высокий» in the
-- track where the school is below basic.
with

listed_schools as (
    select
        unnest($inns) as inn,
        unnest(range(len($inns))) as school_index,
),

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
    select
        t.*,
        s.school_index,
    from track_levels as t
    join listed_schools as s on s.inn = t.inn
    where t.level_rank = $lowest_rank
),

mentee_profiles as (
    select distinct
        track_code,
        municipality,
        form,
        locality,
    from mentee_tracks
),

candidates as (
    select
        p.track_code,
        p.municipality,
        p.form,
        p.locality,
        c.inn as mentor_inn,
        c.name as mentor_name,
        c.municipality as mentor_municipality,
        c.points as mentor_points,
        c.level_rank as mentor_level_rank,
        c.municipality = p.municipality as is_same_municipality,
        c.form = p.form as is_same_form,
        coalesce(c.locality = p.locality, false) as is_same_locality,
    from mentee_profiles as p
    join track_levels as c on c.track_code = p.track_code and c.level_rank = $highest_rank
),

ranked as (
    select
        *,
        row_number() over (
            partition by track_code, municipality, form, locality
            order by
                is_same_municipality desc,
                is_same_form desc,
                is_same_locality desc,
                mentor_points desc,
                mentor_name,
                mentor_inn
        ) as mentor_rank,
    from candidates
    qualify mentor_rank <= $limit_per_track
),

final as (
    select
        m.inn,
        m.school_index,
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
    from mentee_tracks as m
    join ranked as r
        on r.track_code = m.track_code
        and r.municipality = m.municipality
        and r.form = m.form
        and r.locality is not distinct from m.locality
    join rounds as rd on rd.round_id = $round_id
    join tracks as t on t.version = rd.methodology and t.track_code = r.track_code
    join levels as l on l.level_rank = r.mentor_level_rank
)

select * from final
order by school_index, track_order, mentor_rank
