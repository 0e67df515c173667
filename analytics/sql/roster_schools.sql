-- The schools the roster expects, with the type the school filter uses.
with

roster_rows as (
    select *
    from roster
    where $municipality is null or municipality = $municipality
),

final as (
    select
        inn,
        name,
        municipality,
        school_type_of(is_correctional, locality) as school_type,
    from roster_rows
)

select * from final
order by municipality, name, inn
