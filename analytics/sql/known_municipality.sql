select count(*) > 0
from (select municipality from schools union select municipality from roster)
where municipality = $municipality
