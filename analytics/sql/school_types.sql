-- Each school's type as the school filter offers it, of every school or of the schools of one type.
with

final as (
    select
        inn,
        school_type,
    from schools
    where $school_type is null or school_type = $school_type
)

select * from final
