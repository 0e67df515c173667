-- The day of a round's last import in force: when every school's results are in the store.
select cast(max(imported_at) as date) as results_on,
from imports
where
    round_id = $round_id
    and withdrawn_at is null
