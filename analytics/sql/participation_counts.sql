-- Who was expected and who passed a round, of one municipality and school type or all: the
-- schools that passed (their scores), the roster's schools, and the roster's schools that passed.
-- The roster answers for its own schools' municipality and type.
with

passed as (
    select s.inn
    from school_scores as s
    semi join chosen_schools($municipality, $school_type) as sc on sc.inn = s.inn
    where
        s.round_id = $round_id
        and s.scope = 'total'
),

expected as (
    select inn
    from roster
    where
        ($municipality is null or municipality = $municipality)
        and ($school_type is null or school_type_of(is_correctional, locality) = $school_type)
),

final as (
    select
        exists (select 1 from roster) as has_roster,
        (select count(*) from passed) as count_passed,
        (select count(*) from expected) as count_expected,
        (select count(*) from expected semi join passed using (inn)) as count_passed_expected,
)

select * from final
