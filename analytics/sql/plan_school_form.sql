-- The form a school answered in a round and that form's indicators: what a measure may target.
select
    c.form,
    i.number,
    i.track_code,
    i.indicator,
from current_schools as c
join rounds as r on r.round_id = c.round_id
join indicators as i on i.version = r.methodology and i.form = c.form
where
    c.round_id = $round_id
    and c.inn = $inn
order by i.number
