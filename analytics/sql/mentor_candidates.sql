-- For each listed school ($inns) and each track where it is below basic, the schools of the same
-- round at «высокий» in that track, most useful first: same municipality, then same form, then
-- same locality, then points. Rows come in the order of $inns.
--
-- The order depends on the school only through its municipality, form and locality, so mentors are
-- ranked once per such profile and track, not once per school: a region's below-basic schools
-- share a few hundred profiles. A mentor is never the school itself: it is at «высокий» in the
-- track where the school is below basic.
--
-- Asked for one school, the query reads only what that school needs: the candidates are the
-- schools at «высокий» in the tracks where some listed school is below basic, not every track of
-- the round, and the best of them per profile come from a top-N aggregate (arg_min with a limit)
-- rather than from a window sorting all of them.
with

listed_schools as (
    select
        unnest($inns) as inn,
        unnest(range(len($inns))) as school_index,
),

mentee_tracks as (
    select
        s.inn,
        l.school_index,
        s.scope as track_code,
    from school_scores as s
    join listed_schools as l on l.inn = s.inn
    where
        s.round_id = $round_id
        and s.scope <> 'total'
        and s.level_rank = $lowest_rank
),

high_tracks as (
    select
        inn,
        scope as track_code,
        points,
        level_rank,
    from school_scores
    where
        round_id = $round_id
        and level_rank = $highest_rank
        and scope in (select track_code from mentee_tracks)
),

school_profiles as (
    select
        c.inn,
        c.form,
        sc.name,
        sc.municipality,
        sc.locality,
    from current_schools as c
    join schools as sc on sc.inn = c.inn
    where c.round_id = $round_id
),

mentee_profiles as (
    select
        t.inn,
        t.school_index,
        t.track_code,
        p.municipality,
        p.form,
        p.locality,
    from mentee_tracks as t
    join school_profiles as p on p.inn = t.inn
),

profiles as (
    select distinct
        track_code,
        municipality,
        form,
        locality,
    from mentee_profiles
),

candidates as (
    select
        p.track_code,
        p.municipality,
        p.form,
        p.locality,
        h.inn as mentor_inn,
        s.name as mentor_name,
        s.municipality as mentor_municipality,
        h.points as mentor_points,
        h.level_rank as mentor_level_rank,
        s.municipality = p.municipality as is_same_municipality,
        s.form = p.form as is_same_form,
        coalesce(s.locality = p.locality, false) as is_same_locality,
    from profiles as p
    join high_tracks as h on h.track_code = p.track_code
    join school_profiles as s on s.inn = h.inn
),

top_mentors as (
    -- arg_min keeps the $limit_per_track candidates with the smallest key, smallest first: the
    -- key's fields are the order of usefulness, each written so that smaller is better.
    select
        track_code,
        municipality,
        form,
        locality,
        arg_min(
            {
                'mentor_inn': mentor_inn,
                'mentor_name': mentor_name,
                'mentor_municipality': mentor_municipality,
                'mentor_points': mentor_points,
                'mentor_level_rank': mentor_level_rank,
                'is_same_municipality': is_same_municipality,
                'is_same_form': is_same_form,
                'is_same_locality': is_same_locality,
            },
            {
                'is_other_municipality': not is_same_municipality,
                'is_other_form': not is_same_form,
                'is_other_locality': not is_same_locality,
                'points_short': -mentor_points,
                'mentor_name': mentor_name,
                'mentor_inn': mentor_inn,
            },
            $limit_per_track
        ) as mentors,
    from candidates
    group by all
),

ranked as (
    select
        track_code,
        municipality,
        form,
        locality,
        unnest(mentors, recursive := true),
        generate_subscripts(mentors, 1) as mentor_rank,
    from top_mentors
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
    from mentee_profiles as m
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
