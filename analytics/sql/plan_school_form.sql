-- The form a school answered in a round and that form's indicators: what a measure may target.
select
    c.form,
    i.number,
    i.track_code,
    i.indicator,
    t.track_name,
from current_schools as c
join rounds as r on r.round_id = c.round_id
join indicators as i on i.version = r.methodology and i.form = c.form
join tracks as t on t.version = i.version and t.track_code = i.track_code
where
    c.round_id = $round_id
    and c.inn = $inn
order by t.track_order, i.number
