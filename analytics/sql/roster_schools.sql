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
        case
            when is_correctional then 'коррекционная'
            when locality in ('городская', 'сельская') then locality
            else 'не указан'
        end as school_type,
    from roster_rows
)

select * from final
order by municipality, name, inn
