-- Schools per scope ('total' or a track) and level in a round, of one municipality and school
-- type or all: the counts «Обзор региона» charts, counted where the scores are.
with

scores as (
    select
        s.scope,
        s.level_rank,
    from school_scores as s
    semi join chosen_schools($municipality, $school_type) as c on c.inn = s.inn
    where s.round_id = $round_id
),

final as (
    select
        scope,
        level_rank,
        count(*) as count_schools,
    from scores
    group by all
)

select * from final
