-- Every school of the round below basic in a track, with what «similar» compares: the form,
-- municipality, locality and size band. One row per (school, track), in a fixed order so that the
-- assignment built on them does not depend on how the store happens to return rows.
with

below_tracks as (
    select
        inn,
        scope as track_code,
        points,
        points_max,
    from school_scores
    where
        round_id = $round_id
        and scope <> 'total'
        and level_rank = $lowest_rank
),

final as (
    select
        b.inn,
        sc.name,
        sc.municipality,
        c.form,
        sc.locality,
        len(list_filter($band_starts, lambda start: start <= sc.pupils)) as size_band,
        b.track_code,
        t.track_name,
        t.track_order,
        b.points,
        b.points_max,
    from below_tracks as b
    join current_schools as c on c.round_id = $round_id and c.inn = b.inn
    join schools as sc on sc.inn = b.inn
    join rounds as r on r.round_id = $round_id
    join tracks as t on t.version = r.methodology and t.track_code = b.track_code
)

select * from final
order by inn, track_order
