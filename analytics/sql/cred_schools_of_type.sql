-- The schools of one type as the sidebar filter offers it (analytics.views.SCHOOL_TYPES).
with

typed_schools as (
    select
        inn,
        case
            when is_correctional then 'коррекционная'
            when locality in ('городская', 'сельская') then locality
            else 'не указан'
        end as school_type,
    from schools
),

final as (
    select inn
    from typed_schools
    where school_type = $school_type
)

select * from final
