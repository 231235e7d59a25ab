//! URL values (`smtps://user@host:465`) and `host:port` values found inside any value.
