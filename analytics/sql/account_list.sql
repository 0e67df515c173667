-- Every account without its hash: what `users list` prints and the operator reviews.
select login, display_name, role, municipality, disabled, failed_attempts, locked_until, created_at
from accounts
order by role, municipality nulls first, login
