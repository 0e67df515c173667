-- The schools that passed either of two rounds, of one municipality and school type or all, with
-- the form each round's export gave them (null: the school did not pass that round). Unordered:
-- the caller sorts them by municipality, name and ИНН in Arrow, at half the cost of a sort here.
with

round_forms as (
    select
        round_id,
        inn,
        form,
    from current_schools
    where round_id in ($from_round_id, $to_round_id)
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
    left join round_forms as f on f.inn = s.inn and f.round_id = $from_round_id
    left join round_forms as t on t.inn = s.inn and t.round_id = $to_round_id
    where
        (f.inn is not null or t.inn is not null)
        and ($municipality is null or s.municipality = $municipality)
        and ($school_type is null or s.school_type = $school_type)
)

select * from final
