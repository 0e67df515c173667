-- The schools that passed either of two rounds, of one municipality and school type or all, in the
-- order the comparison lists them; a school's position here is its index in dyn_school_scores.
-- The school type is the sidebar filter's (analytics.views.SCHOOL_TYPES).
with

present as (
    select distinct inn
    from current_schools
    where round_id in ($from_round_id, $to_round_id)
),

typed_schools as (
    select
        sc.inn,
        sc.name,
        sc.municipality,
        sc.form,
        case
            when sc.is_correctional then 'коррекционная'
            when sc.locality in ('городская', 'сельская') then sc.locality
            else 'не указан'
        end as school_type,
    from schools as sc
    semi join present as p on p.inn = sc.inn
),

final as (
    select
        inn,
        name,
        municipality,
        form,
    from typed_schools
    where
        ($municipality is null or municipality = $municipality)
        and ($school_type is null or school_type = $school_type)
)

select * from final
order by municipality, name, inn
