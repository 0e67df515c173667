-- The ИНН of a list that are not schools of the municipality in the round: what a coordinator
-- is refused (a school absent from the round included).
select t.inn
from unnest($inns::varchar[]) as t(inn)
where not exists (
    select 1
    from current_schools as c
    where c.round_id = $round_id and c.inn = t.inn and c.municipality = $municipality
)
order by t.inn
