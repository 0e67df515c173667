-- The roster's schools (of one municipality and school type, or all) that did not pass a round.
with

expected as (
    select
        inn,
        name,
        municipality,
        school_type_of(is_correctional, locality) as school_type,
    from roster
    where $municipality is null or municipality = $municipality
),

passed as (
    select inn
    from school_scores
    where
        round_id = $round_id
        and scope = 'total'
),

final as (
    select *
    from expected
    anti join passed using (inn)
    where $school_type is null or school_type = $school_type
)

select * from final
order by municipality, name, inn
