-- The round and school a stored measure belongs to.
select
    r.round_id,
    r.name,
    r.round_date,
    r.methodology,
    m.inn,
from measures as m
join rounds as r on r.round_id = m.round_id
where m.measure_id = $measure_id
