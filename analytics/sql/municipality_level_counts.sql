-- Schools per municipality and overall level in a round, of one municipality and school type or
-- all: which municipalities carry the below-basic schools.
with

totals as (
    select
        c.municipality,
        s.level_rank,
    from school_scores as s
    join chosen_schools($municipality, $school_type) as c on c.inn = s.inn
    where
        s.round_id = $round_id
        and s.scope = 'total'
),

final as (
    select
        municipality,
        level_rank,
        count(*) as count_schools,
    from totals
    group by all
)

select * from final
