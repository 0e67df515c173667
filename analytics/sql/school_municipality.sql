-- The municipality a school belongs to in a round (null: the school is not in the round).
select municipality
from current_schools
where round_id = $round_id and inn = $inn
