-- The type the school filter uses: коррекционная, городская, сельская, or «не указан».
with

known_schools as (
    select *
    from schools
    where $inn is null or inn = $inn
),

final as (
    select
        inn,
        case
            when is_correctional then 'коррекционная'
            when locality in ('городская', 'сельская') then locality
            else 'не указан'
        end as school_type,
    from known_schools
)

select * from final
