-- The schools that passed either of two rounds, of one municipality and school type or all, with
-- the form each round's export gave them (null: the school did not pass that round). Unordered:
-- the caller sorts them by municipality, name and ИНН in Arrow, at half the cost of a sort here.
-- Each round's forms are read by a scan of their own: one scan of both rounds, filtered twice,
-- costs more.
with

forms_from as (
    select
        inn,
        form,
    from current_schools
    where round_id = $from_round_id
),

forms_to as (
    select
        inn,
        form,
    from current_schools
    where round_id = $to_round_id
),

final as (
    select
        s.inn,
        s.name,
        s.municipality,
        s.form,
        f.form as form_from,
        t.form as form_to,
    from schools as s
    left join forms_from as f on f.inn = s.inn
    left join forms_to as t on t.inn = s.inn
    where
        (f.inn is not null or t.inn is not null)
        and ($municipality is null or s.municipality = $municipality)
        and ($school_type is null or s.school_type = $school_type)
)

select * from final
