insert into accounts (login, display_name, role, municipality, password_hash, created_at)
values ($login, $display_name, $role, $municipality, $password_hash, $created_at)
