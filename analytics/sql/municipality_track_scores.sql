-- Each track's points and level of the schools of one municipality and school type (or all) in
-- a round, for the school × track table.
with

final as (
    select
        s.inn,
        s.scope,
        s.points,
        s.level_rank,
    from school_scores as s
    semi join chosen_schools($municipality, $school_type) as c on c.inn = s.inn
    where
        s.round_id = $round_id
        and s.scope <> 'total'
)

select * from final
