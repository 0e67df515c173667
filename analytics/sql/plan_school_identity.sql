-- A school's name and municipality as every page shows them.
select
    name,
    municipality,
from schools
where inn = $inn
