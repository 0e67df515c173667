-- Schools per scope ('total' or a track) and level in a round, of one municipality and school
-- type or all: the counts «Обзор региона» charts, counted where the scores are.
with

chosen_schools as (
    select inn
    from schools
    where
        ($municipality is null or municipality = $municipality)
        and ($school_type is null or school_type = $school_type)
),

scores as (
    select
        s.scope,
        s.level_rank,
    from school_scores as s
    semi join chosen_schools as c on c.inn = s.inn
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
