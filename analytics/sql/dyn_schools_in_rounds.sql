-- The schools that passed either of two rounds, of one municipality and school type or all, in the
-- order the comparison lists them; a school's position here is its index in dyn_school_scores.
with

present as (
    select distinct inn
    from current_schools
    where round_id in ($from_round_id, $to_round_id)
),

final as (
    select
        sc.inn,
        sc.name,
        sc.municipality,
        sc.form,
    from schools as sc
    semi join present as p on p.inn = sc.inn
    where
        ($municipality is null or sc.municipality = $municipality)
        and ($school_type is null or sc.school_type = $school_type)
)

select * from final
order by municipality, name, inn
