-- Schools at «высокий» in a track: the ones that could host internships and share practice.
with

high_tracks as (
    select
        s.inn,
        s.scope as track_code,
        s.points,
        s.points_max,
    from school_scores as s
    where
        s.round_id = $round_id
        and s.scope <> 'total'
        and s.level_rank = $highest_rank
        and ($track_code is null or s.scope = $track_code)
),

final as (
    select
        h.track_code,
        t.track_name,
        h.inn,
        sc.name,
        sc.municipality,
        h.points,
        h.points_max,
        t.track_order,
    from high_tracks as h
    join schools as sc on sc.inn = h.inn
    join rounds as r on r.round_id = $round_id
    join tracks as t on t.version = r.methodology and t.track_code = h.track_code
    where $municipality is null or sc.municipality = $municipality
)

select
    track_code,
    track_name,
    inn,
    name,
    municipality,
    points,
    points_max,
from final
order by track_order, points desc, municipality, name, inn
